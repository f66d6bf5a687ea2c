import ConnectorHTTP
public import ConnectorKit

/// The checkpoint store of a protocol executable: the runtime's checkpoint, read from the
/// `--state` file the orchestrator kept, and written by emitting a STATE message.
///
/// The runner saves a stream's state only after every sink committed the batch it covers, and
/// ``ProtocolRecordSink`` has written those records to the same output by then: a STATE never
/// runs ahead of its records.
///
/// - Singer: the value of each STATE is the whole checkpoint document, as `chat-export` keeps it
///   in a checkpoint file (``CheckpointFileFormat``: every stream's state and the job values).
/// - Airbyte: one per-stream STATE for the stream saved; its `stream_state` is that stream's
///   entry of the same document, with the job values (the daily request count) beside it under
///   `job`. When a job value changes, the most recently saved stream's state is sent again with
///   it, so a count written ahead of the requests (see ``RequestBudget``) reaches the orchestrator
///   before they are made.
public actor ProtocolCheckpointStore: CheckpointStore {
    private let dialect: ProtocolDialect
    private let output: ProtocolOutput
    private var states: [String: StreamState]
    private var values: [String: JSONValue]
    /// Each stream's committed record count at its last STATE (Airbyte's `sourceStats`).
    private var emittedRecords: [String: Int]
    private var lastSaved: String?

    /// `--state FILE`, or "no state" on a first run.
    public nonisolated let location: String

    /// Creates a store.
    ///
    /// - Parameters:
    ///   - dialect: The protocol.
    ///   - output: Where STATE messages go.
    ///   - initial: The state read from the `--state` file.
    ///   - location: Where it came from, for messages.
    public init(dialect: ProtocolDialect, output: ProtocolOutput, initial: ProtocolState, location: String) {
        self.dialect = dialect
        self.output = output
        self.states = initial.streams
        self.values = initial.jobValues
        self.emittedRecords = initial.streams.mapValues(\.records)
        self.location = location
        self.lastSaved = initial.streams.max { $0.value.updatedAt < $1.value.updatedAt }?.key
    }

    /// The stream states read from the `--state` file and saved since.
    ///
    /// - Returns: States keyed by stream.
    public func load() async throws -> [String: StreamState] { states }

    /// Keeps the state and emits the STATE message.
    ///
    /// - Parameters:
    ///   - state: The new state.
    ///   - stream: The stream.
    /// - Throws: ``ChatExportError`` when standard output is closed or fails.
    public func save(_ state: StreamState, for stream: String) async throws {
        states[stream] = state
        lastSaved = stream
        try emit(stream)
    }

    /// The job values read from the `--state` file and saved since.
    ///
    /// - Returns: Values keyed by name.
    public func loadJobValues() async throws -> [String: JSONValue] { values }

    /// Keeps the value and emits it with the current state (Airbyte: with the last stream saved).
    ///
    /// - Parameters:
    ///   - value: The value, or nil to remove it.
    ///   - key: Its name.
    /// - Throws: ``ChatExportError`` when standard output is closed or fails.
    public func saveJobValue(_ value: JSONValue?, for key: String) async throws {
        values[key] = value
        switch dialect {
        case .singer: try emit(nil)
        case .airbyte: if let lastSaved { try emit(lastSaved) }
        }
    }

    /// Forgets streams for a full refresh; the next STATE leaves them out.
    ///
    /// - Parameter streams: The streams, or nil for all.
    public func reset(streams: Set<String>?) async throws {
        for name in streams ?? Set(states.keys) {
            states[name] = nil
            emittedRecords[name] = nil
        }
        if let lastSaved, states[lastSaved] == nil { self.lastSaved = nil }
    }

    /// Nothing to release: the orchestrator keeps the state.
    public func close() async {}

    private func emit(_ stream: String?) throws {
        switch dialect {
        case .singer:
            try output.write(
                message: .object([("type", .string("STATE")), ("value", CheckpointFileFormat.encode(states, values: values))]))
        case .airbyte:
            guard let stream, let state = states[stream] else { return }
            let count = state.records - (emittedRecords[stream] ?? 0)
            emittedRecords[stream] = state.records
            try output.write(message: AirbyteMessages.state(stream: stream, state: state, jobValues: values, recordCount: count))
        }
    }
}

/// The runtime's checkpoint as an orchestrator handed it back: stream states and job values.
public struct ProtocolState: Sendable {
    /// States keyed by stream.
    public var streams: [String: StreamState] = [:]
    /// Job-level values (the job's id, requests spent per vendor instance and UTC day).
    public var jobValues: [String: JSONValue] = [:]

    /// Creates a state.
    ///
    /// - Parameters:
    ///   - streams: States keyed by stream.
    ///   - jobValues: Job-level values.
    public init(streams: [String: StreamState] = [:], jobValues: [String: JSONValue] = [:]) {
        self.streams = streams
        self.jobValues = jobValues
    }
}
