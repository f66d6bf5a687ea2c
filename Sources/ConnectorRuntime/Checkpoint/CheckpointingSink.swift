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
}
