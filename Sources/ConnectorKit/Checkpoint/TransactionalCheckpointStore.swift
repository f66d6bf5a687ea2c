/// A checkpoint store kept in a sink's own storage (SQLite, PostgreSQL) that commits a batch's
/// rows and the stream's new state in one transaction: exactly-once without relying on upserts.
///
/// It is the job's one checkpoint authority. The runner loads states from it, and for every batch
/// commits the other sinks first, then calls ``commit(_:storing:)`` instead of
/// ``Sink/commit(_:)`` on its sink followed by ``CheckpointStore/save(_:for:)``. A runner given
/// such a store refuses to start unless the store's ``sink`` (the same object) is one of its sinks,
/// so rows and states can never be wired to different places.
///
/// ## Fencing
/// Opening the store takes a new fence number for the job; every commit stores state only while
/// the fence is still its own. A run that another run took over (a paused worker, a lost
/// connection) is refused at its next commit, its transaction rolled back.
public protocol TransactionalCheckpointStore: CheckpointStore {
    /// The sink whose storage holds this store; its rows commit with each state.
    var sink: any Sink { get }

    /// Makes everything written to ``sink`` for `commit.stream` durable together with `state`,
    /// atomically, provided this store's fence is still the job's.
    ///
    /// - Parameters:
    ///   - commit: The stream and batch sequence.
    ///   - state: The stream state to store (other sinks' positions included).
    /// - Throws: ``ChatExportError``; then neither the rows nor the state is stored.
    func commit(_ commit: SinkCommit, storing state: StreamState) async throws
}
