/// A checkpoint store that keeps everything in memory and stores nothing: for runs that must
/// leave no state behind (a dry run, `discover`, a tool's own preview).
public actor EphemeralCheckpointStore: CheckpointStore {
    private var states: [String: StreamState] = [:]
    private var values: [String: JSONValue] = [:]

    /// `memory`
    public nonisolated var location: String { "memory (nothing stored)" }

    /// Creates an empty store.
    public init() {}

    /// The states saved during this run.
    public func load() async throws -> [String: StreamState] { states }

    /// Keeps the state in memory.
    public func save(_ state: StreamState, for stream: String) async throws { states[stream] = state }

    /// The values saved during this run.
    public func loadJobValues() async throws -> [String: JSONValue] { values }

    /// Keeps the value in memory.
    public func saveJobValue(_ value: JSONValue?, for key: String) async throws { values[key] = value }

    /// Forgets states.
    public func reset(streams: Set<String>?) async throws {
        if let streams { for stream in streams { states[stream] = nil } } else { states = [:] }
    }

    /// Nothing to release.
    public func close() async {}
}
