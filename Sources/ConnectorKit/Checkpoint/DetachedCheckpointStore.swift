/// A store for a run that must leave the job's checkpoint as it is (a backfill of a chosen range):
/// stream states live in memory (an ``EphemeralCheckpointStore``) and start empty; job-level
/// values (the job's id, the requests spent per vendor instance and day) still go to the job's
/// store, whose lock the run holds.
public struct DetachedCheckpointStore: CheckpointStore {
    private let base: any CheckpointStore
    private let states = EphemeralCheckpointStore()

    /// `<the job's store> (detached)`
    public let location: String

    /// Wraps the job's opened store.
    ///
    /// - Parameter base: The job's store: it keeps the job values and the lock, never a stream state.
    public init(base: any CheckpointStore) {
        self.base = base
        self.location = base.location + " (detached: stream states are not stored)"
    }

    /// The states saved during this run (none at first).
    public func load() async throws -> [String: StreamState] { try await states.load() }

    /// Keeps the state in memory only.
    public func save(_ state: StreamState, for stream: String) async throws { try await states.save(state, for: stream) }

    /// The job's values.
    public func loadJobValues() async throws -> [String: JSONValue] { try await base.loadJobValues() }

    /// Stores a job value in the job's store.
    public func saveJobValue(_ value: JSONValue?, for key: String) async throws { try await base.saveJobValue(value, for: key) }

    /// Forgets in-memory states only.
    public func reset(streams: Set<String>?) async throws { try await states.reset(streams: streams) }

    /// Closes the job's store.
    public func close() async { await base.close() }
}
