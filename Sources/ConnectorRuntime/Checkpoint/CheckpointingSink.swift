/// A sink that can keep the job's checkpoint itself and commit a batch's data and the new
/// checkpoint in one atomic step (the SQLite sink, in one transaction): exactly-once without
/// relying on upserts.
///
/// When a job's checkpoint store is ``CheckpointingSink/checkpointStore()`` of one of its sinks,
/// the runner commits the other sinks first, then calls ``commit(_:storing:)`` on this one
/// instead of ``Sink/commit(_:)`` followed by ``CheckpointStore/save(_:for:)``.
public protocol CheckpointingSink: Sink {
    /// A checkpoint store backed by this sink's storage (it also locks the job).
    ///
    /// - Returns: The store.
    /// - Throws: ``ChatExportError`` when the storage cannot be opened or is locked.
    func checkpointStore() async throws -> any CheckpointStore

    /// Reads the stored states without taking the job's lock (for `state show` while a job runs).
    ///
    /// - Returns: States keyed by stream; empty when nothing is stored yet.
    /// - Throws: ``ChatExportError`` when the storage cannot be read.
    func peekCheckpoint() async throws -> [String: StreamState]

    /// Makes everything written for `commit.stream` durable together with `state`, atomically.
    ///
    /// - Parameters:
    ///   - commit: The stream and batch sequence.
    ///   - state: The stream state to store (other sinks' positions included).
    /// - Throws: ``ChatExportError``; then neither the data nor the state is stored.
    func commit(_ commit: SinkCommit, storing state: StreamState) async throws
}
