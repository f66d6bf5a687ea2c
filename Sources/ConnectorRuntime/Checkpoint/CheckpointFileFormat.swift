/// The JSON shape of a checkpoint file, shared by every store that keeps states as JSON.
///
/// ```json
/// { "format": "chat-export-checkpoint", "version": 1,
///   "streams": { "messages": { "checkpoint": {…}, "sinks": {…}, "sequence": 3,
///                              "records": 30000, "updated_at": "2026-01-01T00:00:00.000000Z" } } }
/// ```
public enum CheckpointFileFormat {
    /// The current format version.
    public static let version = 1

    /// Encodes states, streams sorted by name.
    ///
    /// - Parameter states: States keyed by stream.
    /// - Returns: The document.
    public static func encode(_ states: [String: StreamState]) -> JSONValue {
        let streams = states.keys.sorted().map { name -> (key: String, value: JSONValue) in (name, encode(states[name]!)) }
        return .object([
            ("format", .string("chat-export-checkpoint")),
            ("version", .integer(version)),
            ("streams", .object(streams)),
        ])
    }

    /// Encodes one stream's state.
    ///
    /// - Parameter state: The state.
    /// - Returns: `{"checkpoint": …, "sinks": …, "sequence": …, "records": …, "updated_at": …}`
    public static func encode(_ state: StreamState) -> JSONValue {
        let sinks = state.sinkStates.keys.sorted().map { (key: $0, value: state.sinkStates[$0]!) }
        return .object([
            ("checkpoint", state.checkpoint.state),
            ("sinks", .object(sinks)),
            ("sequence", .integer(state.sequence)),
            ("records", .integer(state.records)),
            ("updated_at", .string(state.updatedAt.iso8601(fractionDigits: 6))),
        ])
    }

    /// Decodes one stream's state written by ``encode(_:)-(StreamState)``.
    ///
    /// - Parameters:
    ///   - stream: The stream's name, for messages.
    ///   - entry: The encoded state.
    /// - Returns: The state.
    /// - Throws: ``ChatExportError`` naming the stream when a field is missing.
    public static func decode(stream: String, _ entry: JSONValue) throws -> StreamState {
        guard let checkpoint = entry["checkpoint"], let sequence = entry["sequence"]?.intValue,
            let records = entry["records"]?.intValue,
            let updated = entry["updated_at"]?.stringValue.flatMap(Timestamp.init(iso8601:))
        else {
            throw ChatExportError(.storageFailure, "streams.\(stream) is missing checkpoint, sequence, records or updated_at")
        }
        var sinks: [String: JSONValue] = [:]
        for (key, value) in entry["sinks"]?.objectValue ?? [] { sinks[key] = value }
        return StreamState(checkpoint: Checkpoint(checkpoint), sinkStates: sinks, sequence: sequence, records: records, updatedAt: updated)
    }

    /// Decodes a document written by ``encode(_:)``.
    ///
    /// - Parameter document: The document.
    /// - Returns: States keyed by stream.
    /// - Throws: ``ChatExportError`` naming the first field that does not fit.
    public static func decode(_ document: JSONValue) throws -> [String: StreamState] {
        guard document["format"]?.stringValue == "chat-export-checkpoint" else {
            throw ChatExportError(.storageFailure, "not a chat-export checkpoint (missing \"format\")")
        }
        guard let found = document["version"]?.intValue, found <= version else {
            throw ChatExportError(.storageFailure, "unsupported checkpoint version (this build reads \(version))")
        }
        guard let streams = document["streams"]?.objectValue else {
            throw ChatExportError(.storageFailure, "\"streams\" must be an object")
        }
        var states: [String: StreamState] = [:]
        for (name, entry) in streams { states[name] = try decode(stream: name, entry) }
        return states
    }
}
