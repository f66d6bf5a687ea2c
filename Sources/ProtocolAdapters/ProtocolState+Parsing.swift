public import ConnectorKit

extension ProtocolState {
    /// The state of a Singer `--state` file: the value of the last STATE the tap emitted (a
    /// checkpoint document), or the whole STATE message, or `{}` on a first run.
    ///
    /// - Parameter value: The file's JSON.
    /// - Returns: The state.
    /// - Throws: ``ChatExportError`` (`invalidConfig`) when it is not a state this tap wrote.
    public static func singer(_ value: JSONValue) throws -> ProtocolState {
        if value.objectValue?.isEmpty ?? false { return ProtocolState() }
        let document = value["type"]?.stringValue == "STATE" ? value["value"] ?? .null : value
        do {
            return ProtocolState(streams: try CheckpointFileFormat.decode(document), jobValues: CheckpointFileFormat.decodeValues(document))
        } catch let error as ChatExportError {
            throw ChatExportError(.invalidConfig, "--state: not a state written by tap-chat-export: \(error.message)")
        }
    }

    /// The state of an Airbyte `--state` file: a list of per-stream state messages (the
    /// latest of each stream), or `[]`/`{}` on a first run. The job values are those that came
    /// with the most recently saved stream.
    ///
    /// - Parameter value: The file's JSON.
    /// - Returns: The state.
    /// - Throws: ``ChatExportError`` (`invalidConfig`) when it is not a state this source wrote.
    public static func airbyte(_ value: JSONValue) throws -> ProtocolState {
        if value.objectValue?.isEmpty ?? false { return ProtocolState() }
        guard let messages = value.arrayValue else {
            throw ChatExportError(.invalidConfig, "--state: expected a list of per-stream state messages, got \(value.kindDescription)")
        }
        var state = ProtocolState()
        var newest: Timestamp?
        for (index, message) in messages.enumerated() {
            // Both the message and the full AirbyteMessage around it are accepted.
            let body = message["type"]?.stringValue == "STATE" ? message["state"] ?? .null : message
            guard body["type"]?.stringValue == "STREAM", let name = body["stream"]?["stream_descriptor"]?["name"]?.stringValue,
                let entry = body["stream"]?["stream_state"]
            else {
                throw ChatExportError(
                    .invalidConfig, "--state[\(index)]: expected a STREAM state with stream_descriptor.name and stream_state")
            }
            do {
                let decoded = try CheckpointFileFormat.decode(stream: name, entry)
                state.streams[name] = decoded
                if newest.map({ decoded.updatedAt > $0 }) ?? true {
                    newest = decoded.updatedAt
                    state.jobValues = [:]
                    for (key, value) in entry["job"]?.objectValue ?? [] { state.jobValues[key] = value }
                }
            } catch let error as ChatExportError {
                throw ChatExportError(.invalidConfig, "--state[\(index)]: not a state written by source-chat-export: \(error.message)")
            }
        }
        return state
    }
}
