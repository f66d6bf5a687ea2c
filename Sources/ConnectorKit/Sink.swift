/// A destination for records: receives batches of any stream and makes them durable on demand.
///
/// The runner drives every sink through the same cycle per batch: ``write(_:)``, then
/// ``commit(_:)`` (the durability point), then stores the checkpoint, then
/// ``checkpointSaved(_:)``. After a crash anywhere in that cycle, the next run resumes from the
/// last stored checkpoint, so a sink may receive records it already holds.
///
/// ## Implementation requirements
/// - Be safe to call from several streams at once (streams of a job run concurrently); an actor
///   or a lock is the usual way.
/// - When ``commit(_:)`` returns, everything written for that stream is durable.
/// - Tolerate replays after a crash and say how in ``replay``: upsert by `_id`, or restore the
///   position returned from ``commit(_:)`` (handed back in ``open(_:restoring:)``), or pass
///   duplicates on for a consumer to resolve.
/// - Write ``Record/json`` as is; never re-serialize.
public protocol Sink: Sendable {
    /// A stable name for this sink within its job, the key of its position in checkpoints
    /// (for example `files:/data/out`). Two sinks of one job must differ.
    var identity: String { get }

    /// How the sink handles a batch it receives again after a crash.
    var replay: SinkReplay { get }

    /// Called once per run before any stream is opened, with the job that is running: a sink
    /// that owns a place (a files directory) records which job owns it, refuses another job's
    /// run there, and locks it for the run.
    ///
    /// - Parameter job: The running job.
    /// - Throws: ``ChatExportError`` (`invalidConfig` when another job owns the place,
    ///   `checkpointLocked` when another run is using it).
    func claim(for job: JobIdentity) async throws

    /// Verifies that the sink can write where it is configured to (`chat-export check`), without
    /// writing any record: a directory is writable, a database opens for writing.
    ///
    /// - Returns: One line per thing checked.
    /// - Throws: ``ChatExportError`` saying what is wrong and where.
    func check() async throws -> [CheckResult]

    /// A full refresh starts `stream` over from the configured start: set aside what the sink
    /// holds for it, if the re-export would otherwise double it. Called before ``open(_:restoring:)``.
    ///
    /// - Parameter stream: The stream.
    /// - Throws: A storage error.
    func setAside(_ stream: StreamDescriptor) async throws

    /// Prepares a stream before its first batch of the run.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - state: What ``commit(_:)`` last returned for it under the stored checkpoint, if anything.
    /// - Throws: A storage error.
    func open(_ stream: StreamDescriptor, restoring state: JSONValue?) async throws

    /// Writes a batch. Need not be durable until ``commit(_:)``.
    ///
    /// - Parameter batch: The records.
    /// - Throws: A storage error.
    func write(_ batch: RecordBatch) async throws

    /// Makes everything written for `commit.stream` durable.
    ///
    /// - Parameter commit: The stream, the batch sequence number and the checkpoint about to be stored.
    /// - Returns: The sink's position to store with the checkpoint, or nil.
    /// - Throws: A storage error; the checkpoint is then not stored.
    func commit(_ commit: SinkCommit) async throws -> JSONValue?

    /// Called after the checkpoint covering `commit` has been stored.
    ///
    /// - Parameter commit: The same value passed to ``commit(_:)``.
    /// - Throws: A storage error.
    func checkpointSaved(_ commit: SinkCommit) async throws

    /// How many rows the sink holds for `stream` now (`chat-export state show`), looking only:
    /// nothing is created, no lock taken. nil for a sink that keeps no countable rows.
    ///
    /// - Parameter stream: The stream.
    /// - Returns: The rows, 0 when there is no table yet, or nil.
    /// - Throws: A storage error.
    func storedRows(of stream: StreamDescriptor) async throws -> Int?

    /// Ends the run: flush, publish and release resources.
    ///
    /// - Parameter succeeded: Whether every stream finished; on failure, publish nothing beyond
    ///   the stored checkpoints.
    /// - Throws: A storage error.
    func finish(succeeded: Bool) async throws
}

extension Sink {
    /// By default a sink keeps no rows to count.
    ///
    /// - Parameter stream: Unused.
    /// - Returns: nil.
    public func storedRows(of stream: StreamDescriptor) async throws -> Int? { nil }

    /// By default there is nothing to check.
    ///
    /// - Returns: An empty list.
    public func check() async throws -> [CheckResult] { [] }

    /// By default a sink owns nothing.
    ///
    /// - Parameter job: Unused.
    public func claim(for job: JobIdentity) async throws {}

    /// By default nothing is set aside (sinks that upsert by `_id` absorb a re-export).
    ///
    /// - Parameter stream: Unused.
    public func setAside(_ stream: StreamDescriptor) async throws {}

    /// By default there is nothing to prepare.
    ///
    /// - Parameters:
    ///   - stream: Unused.
    ///   - state: Unused.
    public func open(_ stream: StreamDescriptor, restoring state: JSONValue?) async throws {}

    /// By default nothing happens after the checkpoint is stored.
    ///
    /// - Parameter commit: Unused.
    public func checkpointSaved(_ commit: SinkCommit) async throws {}

    /// By default there is nothing to release.
    ///
    /// - Parameter succeeded: Unused.
    public func finish(succeeded: Bool) async throws {}
}

/// How a sink handles records it receives again after a crash.
public enum SinkReplay: String, Sendable, Hashable {
    /// Records are keyed by `_id`; a replayed record replaces the stored one.
    case upsertByID = "upsert-by-id"
    /// The sink's position is stored with the checkpoint and restored, so replayed records are
    /// written exactly once.
    case positional
    /// Replayed records are emitted again; the consumer resolves duplicates by `_id`.
    case atLeastOnce = "at-least-once"
}

/// What the runner tells sinks at a durability point.
public struct SinkCommit: Sendable {
    /// The stream being committed.
    public var stream: String
    /// The stream's batch sequence number, counted over all runs (1 for the first batch ever).
    public var sequence: Int
    /// The checkpoint the runner will store once every sink has committed.
    public var checkpoint: Checkpoint

    /// Creates a commit.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - sequence: The batch sequence number.
    ///   - checkpoint: The checkpoint about to be stored.
    public init(stream: String, sequence: Int, checkpoint: Checkpoint) {
        self.stream = stream
        self.sequence = sequence
        self.checkpoint = checkpoint
    }
}
