public import ConnectorKit

/// A sink whose database keeps the job's checkpoint (see ``SQLCheckpointStore``): it runs each
/// operation on its connection with ``SQLStore/perform(_:on:rows:verifying:)``.
package protocol SQLCheckpointStorage: Sink {
    /// Where the checkpoint is, as ``SQLCheckpointStore/location`` says it.
    var checkpointLocation: String { get }
    /// Runs `operation` on the sink's connection.
    ///
    /// - Parameter operation: What to read or store.
    /// - Returns: What it read.
    /// - Throws: ``ChatExportError``.
    func perform(_ operation: SQLCheckpointOperation) async throws -> SQLCheckpointOutcome
    /// Releases what keeps other runs of the job out.
    func releaseLock() async
}

/// One call of a ``SQLCheckpointStore`` on its sink's database.
package enum SQLCheckpointOperation: Sendable {
    /// Write the sink's pending rows of the stream and store the state in one transaction, if
    /// the fence is still the job's.
    case commit(SinkCommit, StreamState, fence: Int)
    /// Store one stream's state in its own transaction, if the fence is still the job's.
    case save(StreamState, stream: String, fence: Int)
    /// Read every stream's state.
    case loadStates
    /// Read the job-level values.
    case loadJobValues
    /// Store (or, with nil, remove) one job-level value.
    case saveJobValue(JSONValue?, key: String)
    /// Forget some or all streams' states, backing them up.
    case reset(Set<String>?)
}

/// What a ``SQLCheckpointOperation`` read.
package enum SQLCheckpointOutcome: Sendable {
    /// Nothing to return.
    case done
    /// Stream states by stream.
    case states([String: StreamState])
    /// Job-level values by key.
    case values([String: JSONValue])
}

extension SQLStore {
    /// Runs a checkpoint operation, each in its own transaction.
    ///
    /// - Parameters:
    ///   - operation: What to do.
    ///   - db: The connection.
    ///   - rows: Writes the sink's pending rows of a stream (inside a commit's transaction).
    ///   - verifying: Checks, inside a commit's or save's transaction, that the run may still
    ///     commit what it names (a lease's check).
    /// - Returns: What it read.
    /// - Throws: ``ChatExportError``; then nothing changed.
    package func perform(
        _ operation: SQLCheckpointOperation, on db: Connection, rows: (String) throws -> Void,
        verifying: (String) throws -> Void = { _ in }
    ) throws -> SQLCheckpointOutcome {
        switch operation {
        case .commit(let commit, let state, let fence):
            try self.commit(
                state, for: commit.stream, fence: fence, committing: "\(commit.stream) batch \(commit.sequence)", on: db,
                rows: { try rows(commit.stream) }, verifying: verifying)
        case .save(let state, let stream, let fence): try saveState(state, for: stream, fence: fence, on: db, verifying: verifying)
        case .loadStates: return .states(try loadStates(on: db))
        case .loadJobValues: return .values(try loadJobValues(on: db))
        case .saveJobValue(let value, let key): try saveJobValue(value, for: key, on: db)
        case .reset(let streams): try resetStates(streams, on: db)
        }
        return .done
    }
}

/// The job's checkpoint kept in a SQL sink's database (``SQLiteCheckpointStore``,
/// ``PostgresCheckpointStore``): committed with the sink's rows, locked for the run and fenced.
public struct SQLCheckpointStore: TransactionalCheckpointStore {
    let storage: any SQLCheckpointStorage
    /// The fence this store took when it was opened.
    let fence: Int

    /// A store over `storage`, holding `fence`.
    ///
    /// - Parameters:
    ///   - storage: The sink.
    ///   - fence: The fence the run took.
    package init(storage: any SQLCheckpointStorage, fence: Int) {
        self.storage = storage
        self.fence = fence
    }

    /// The sink whose rows commit with each state.
    public var sink: any Sink { storage }

    /// `sqlite:<path>`, `postgres:<user@host:port/database>/<schema>#<prefix>`
    public var location: String { storage.checkpointLocation }

    /// Writes the sink's pending rows of the stream and stores `state` in one transaction, if
    /// no other run took a newer fence.
    public func commit(_ commit: SinkCommit, storing state: StreamState) async throws {
        _ = try await storage.perform(.commit(commit, state, fence: fence))
    }

    /// Every stream's state from the database.
    public func load() async throws -> [String: StreamState] {
        guard case .states(let states) = try await storage.perform(.loadStates) else { return [:] }
        return states
    }

    /// Stores one stream's state in its own transaction, if no other run took a newer fence.
    public func save(_ state: StreamState, for stream: String) async throws {
        _ = try await storage.perform(.save(state, stream: stream, fence: fence))
    }

    /// The job-level values from the database.
    public func loadJobValues() async throws -> [String: JSONValue] {
        guard case .values(let values) = try await storage.perform(.loadJobValues) else { return [:] }
        return values
    }

    /// Stores one job-level value in its own transaction.
    public func saveJobValue(_ value: JSONValue?, for key: String) async throws {
        _ = try await storage.perform(.saveJobValue(value, key: key))
    }

    /// Forgets some or all streams, keeping the replaced states in `<prefix>_chat_export_state_backup`.
    public func reset(streams: Set<String>?) async throws { _ = try await storage.perform(.reset(streams)) }

    /// Releases the job's lock.
    public func close() async { await storage.releaseLock() }
}
