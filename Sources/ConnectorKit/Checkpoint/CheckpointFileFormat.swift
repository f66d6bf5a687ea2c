/// The JSON shape of a checkpoint file, shared by every store that keeps states as JSON.
///
/// ```json
/// { "format": "chat-export-checkpoint", "version": 2,
///   "job": { "id": "…", "requests:acme.ada.support": {"day": "2026-01-01", "used": 25} },
///   "streams": { "messages": { "source": {"source": "ada-v2", "instance": "acme.ada.support", …},
///                              "checkpoint": {…}, "sinks": {…}, "sequence": 3,
///                              "records": 30000, "updated_at": "2026-01-01T00:00:00.000000Z" } } }
/// ```
/// Version 1 (no `job`, no `source`) is still read.
public enum CheckpointFileFormat {
    /// The current format version.
    public static let version = 2

    /// Encodes states, streams sorted by name.
    ///
    /// - Parameters:
    ///   - states: States keyed by stream.
    ///   - values: Job-level values (see ``CheckpointStore/loadJobValues()``), keys sorted.
    /// - Returns: The document.
    public static func encode(_ states: [String: StreamState], values: [String: JSONValue] = [:]) -> JSONValue {
        let streams = states.keys.sorted().map { name -> (key: String, value: JSONValue) in (name, encode(states[name]!)) }
        var members: [(key: String, value: JSONValue)] = [("format", .string("chat-export-checkpoint")), ("version", .integer(version))]
        if !values.isEmpty { members.append(("job", .object(values.keys.sorted().map { ($0, values[$0]!) }))) }
        members.append(("streams", .object(streams)))
        return .object(members)
    }

    /// Decodes the job-level values of a document written by ``encode(_:values:)``.
    ///
    /// - Parameter document: The document.
    /// - Returns: The values; empty for a version 1 document.
    public static func decodeValues(_ document: JSONValue) -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for (key, value) in document["job"]?.objectValue ?? [] { values[key] = value }
        return values
    }

    /// Encodes one stream's state.
    ///
    /// - Parameter state: The state.
    /// - Returns: `{"checkpoint": …, "sinks": …, "sequence": …, "records": …, "updated_at": …}`
    public static func encode(_ state: StreamState) -> JSONValue {
        let sinks = state.sinkStates.keys.sorted().map { (key: $0, value: state.sinkStates[$0]!) }
        return .object(
            (state.identity.map { [(key: "source", value: $0.json)] } ?? []) + [
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
        return StreamState(
            checkpoint: Checkpoint(checkpoint), sinkStates: sinks, sequence: sequence, records: records, updatedAt: updated,
            identity: entry["source"].flatMap(StreamIdentity.init(json:)))
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
