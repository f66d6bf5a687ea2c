public import ConnectorKit

/// A checkpoint store in memory, for tests; keeps the history of saves.
public actor InMemoryCheckpointStore: CheckpointStore {
    private var states: [String: StreamState]
    private var values: [String: JSONValue] = [:]
    /// Every save, in order.
    public private(set) var history: [(stream: String, state: StreamState)] = []
    /// Fail the n-th save (1-based), if set.
    private let failSave: Int?
    private var saves = 0

    /// `memory`
    public nonisolated var location: String { "memory" }

    /// Creates a store.
    ///
    /// - Parameters:
    ///   - states: Initial states.
    ///   - values: Initial job-level values (carry them over to stand for the same job).
    ///   - failSave: Fail the n-th save.
    public init(states: [String: StreamState] = [:], values: [String: JSONValue] = [:], failSave: Int? = nil) {
        self.states = states
        self.values = values
        self.failSave = failSave
    }

    /// The current states.
    public func load() async throws -> [String: StreamState] { states }

    /// Stores a state (or fails as configured).
    public func save(_ state: StreamState, for stream: String) async throws {
        saves += 1
        if saves == failSave { throw ChatExportError(.storageFailure, "injected checkpoint failure at save \(saves)") }
        states[stream] = state
        history.append((stream, state))
    }

    /// The job-level values.
    public func loadJobValues() async throws -> [String: JSONValue] { values }

    /// Stores a job-level value.
    public func saveJobValue(_ value: JSONValue?, for key: String) async throws { values[key] = value }

    /// Forgets streams.
    public func reset(streams: Set<String>?) async throws {
        if let streams { for stream in streams { states[stream] = nil } } else { states = [:] }
    }

    /// Nothing to release.
    public func close() async {}
}
