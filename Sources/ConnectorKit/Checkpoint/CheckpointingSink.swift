/// A sink that can keep the job's checkpoint in its own storage (SQLite, PostgreSQL): its
/// ``checkpointStore()`` is a ``TransactionalCheckpointStore`` that commits the sink's rows and
/// each new state in one transaction. A job config without an explicit checkpoint file uses the
/// first such sink's store.
public protocol CheckpointingSink: Sink {
    /// The checkpoint store in this sink's storage (it also locks and fences the job).
    ///
    /// - Returns: The store.
    /// - Throws: ``ChatExportError`` when the storage cannot be opened or is locked.
    func checkpointStore() async throws -> any TransactionalCheckpointStore

    /// Reads the stored states without taking the job's lock (for `state show` while a job runs).
    ///
    /// - Returns: States keyed by stream; empty when nothing is stored yet.
    /// - Throws: ``ChatExportError`` when the storage cannot be read.
    func peekCheckpoint() async throws -> [String: StreamState]

    /// Whether workers on other machines see this checkpoint (it lives on a database server),
    /// so a fleet of `chat-export serve` workers may share the job.
    var sharesCheckpoint: Bool { get }

    /// The checkpoint store for a run under a fleet's lease: the lease, not a lock of the
    /// sink's own, keeps other workers out, and every commit checks it in its transaction.
    ///
    /// - Parameter lease: The lease the run holds.
    /// - Returns: The store.
    /// - Throws: ``ChatExportError``; by default (`invalidConfig`) this sink cannot be shared.
    func checkpointStore(under lease: any JobLease) async throws -> any TransactionalCheckpointStore
}

extension CheckpointingSink {
    /// Not shared by default.
    public var sharesCheckpoint: Bool { false }

    /// Refuses: this sink's checkpoint cannot be shared by a fleet.
    public func checkpointStore(under lease: any JobLease) async throws -> any TransactionalCheckpointStore {
        throw ChatExportError(
            .invalidConfig, "the checkpoint in \(identity) cannot be shared by a fleet of workers; keep it in a postgres sink")
    }
}
