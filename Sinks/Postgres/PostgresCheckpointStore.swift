import ConnectorKit

/// The job's checkpoint kept in the PostgreSQL sink's schema (see ``PostgresSink``): committed
/// with the sink's rows, locked for the run and fenced.
public struct PostgresCheckpointStore: TransactionalCheckpointStore {
    let storage: PostgresSink
    /// The fence this store took when it was opened.
    let fence: Int

    /// The PostgreSQL sink whose rows commit with each state.
    public var sink: any Sink { storage }

    /// `postgres:<user@host:port/database>/<schema>#<prefix>`
    public var location: String { storage.identity }

    /// Every stream's state.
    public func load() async throws -> [String: StreamState] { try await storage.loadStates() }

    /// Stores one stream's state in its own transaction, if this store's fence is still current.
    public func save(_ state: StreamState, for stream: String) async throws {
        try await storage.saveState(state, for: stream, fence: fence)
    }

    /// Loads the sink's pending rows of the stream and stores `state` in one transaction.
    public func commit(_ commit: SinkCommit, storing state: StreamState) async throws {
        try await storage.commit(commit, storing: state, fence: fence)
    }

    /// The job-level values.
    public func loadJobValues() async throws -> [String: JSONValue] { try await storage.loadJobValues() }

    /// Stores one job-level value.
    public func saveJobValue(_ value: JSONValue?, for key: String) async throws { try await storage.saveJobValue(value, for: key) }

    /// Forgets some or all streams, keeping the replaced states in `<prefix>_chat_export_state_backup`.
    public func reset(streams: Set<String>?) async throws { try await storage.resetStates(streams) }

    /// Ends the session, which releases the job's lock.
    public func close() async { await storage.releaseLock() }
}
