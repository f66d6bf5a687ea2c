public import ConnectorKit
import Foundation

/// The Airbyte protocol's messages (https://docs.airbyte.com/understanding-airbyte/airbyte-protocol),
/// built from the same declarations as everything else: the spec from the sources' option
/// declarations (`chat-export spec`), the catalog from their streams.
public enum AirbyteMessages {
    /// The SPEC message. With one `type`, the connection specification is that source's schema
    /// (what Airbyte's form shows); without, a `oneOf` over every registered source.
    ///
    /// - Parameters:
    ///   - registry: The source types.
    ///   - type: One source type, or nil for all.
    /// - Returns: The message.
    /// - Throws: ``ChatExportError`` (`usage`) for an unknown type.
    public static func spec(registry: Registry, type: String?) throws -> JSONValue {
        let entries =
            try type.map { type in
                guard let entry = registry.source(type) else {
                    throw ChatExportError(
                        .usage, "unknown source type \"\(type)\" (known: \(registry.sources.map(\.type).joined(separator: ", ")))")
                }
                return [entry]
            } ?? registry.sources
        // The job's transforms sit beside the source's options.
        let transforms = JSONValue.object([
            ("type", .string("array")), ("title", .string("transforms")),
            ("description", .string("Applied in order to every record before it is sent: redact, pseudonymize, drop.")),
            (
                "items",
                .object([
                    (
                        "oneOf",
                        .array(
                            registry.transforms.map {
                                airbyteSecrets(
                                    OptionSpec.jsonSchema(type: $0.type, summary: $0.summary, options: $0.options), removing: "$schema")
                            })
                    )
                ])
            ),
        ])
        let schemas = entries.map { entry -> JSONValue in
            let schema = airbyteSecrets(
                OptionSpec.jsonSchema(type: entry.type, summary: entry.summary, options: entry.options), removing: "$schema")
            guard !registry.transforms.isEmpty, case .object(var members) = schema,
                let index = members.firstIndex(where: { $0.key == "properties" }), case .object(var properties) = members[index].value
            else { return schema }
            properties.append(("transforms", transforms))
            members[index].value = .object(properties)
            return .object(members)
        }
        var specification: [(key: String, value: JSONValue)]
        if schemas.count == 1, let only = schemas.first?.objectValue {
            specification = only
        } else {
            specification = [
                ("title", .string("ChatExport source")),
                ("description", .string("The source object of a chat-export job: {\"type\": …, options of that type}.")),
                ("type", .string("object")), ("required", .array([.string("type")])),
                ("properties", .object([("type", .object([("enum", .array(entries.map { .string($0.type) }))]))])),
                ("oneOf", .array(schemas)),
            ]
        }
        specification.insert(("$schema", .string("http://json-schema.org/draft-07/schema#")), at: 0)
        return .object([
            ("type", .string("SPEC")),
            (
                "spec",
                .object([
                    ("documentationUrl", .string("https://github.com/chat-export/chat-export#use-with-airbytepyairbyte")),
                    ("connectionSpecification", .object(specification)), ("supportsIncremental", .bool(true)),
                    ("supported_destination_sync_modes", .array(["overwrite", "append", "append_dedup"].map(JSONValue.string))),
                ])
            ),
        ])
    }

    /// A schema with `airbyte_secret: true` beside every `writeOnly` (secret) option, so Airbyte masks it.
    static func airbyteSecrets(_ schema: JSONValue, removing removed: String? = nil) -> JSONValue {
        switch schema {
        case .object(let members):
            var out = members.filter { $0.key != removed }.map { ($0.key, airbyteSecrets($0.value)) }
            if members.contains(where: { $0.key == "writeOnly" && $0.value == .bool(true) }) { out.append(("airbyte_secret", .bool(true))) }
            return .object(out.map { (key: $0.0, value: $0.1) })
        case .array(let elements):
            return .array(elements.map { airbyteSecrets($0) })
        default:
            return schema
        }
    }

    /// The CATALOG message: each stream with its schema, both sync modes, the source-defined
    /// cursor and `_id` as primary key.
    ///
    /// - Parameter streams: The source's streams.
    /// - Returns: The message.
    public static func catalog(_ streams: [StreamDescriptor]) -> JSONValue {
        let entries = streams.map { stream -> JSONValue in
            var members: [(key: String, value: JSONValue)] = [
                ("name", .string(stream.name)), ("json_schema", StreamSchema.jsonSchema(for: stream)),
                ("supported_sync_modes", .array([.string("full_refresh"), .string("incremental")])),
                ("source_defined_cursor", .bool(stream.cursorField != nil)),
            ]
            if let cursor = stream.cursorField {
                members.append(("default_cursor_field", .array(cursor.split(separator: ".").map { .string(String($0)) })))
            }
            if let id = StreamSchema.idField(of: stream) { members.append(("source_defined_primary_key", .array([.array([.string(id)])]))) }
            return .object(members)
        }
        return .object([("type", .string("CATALOG")), ("catalog", .object([("streams", .array(entries))]))])
    }

    /// What a configured catalog selects: its streams, `incremental` or `full_refresh`.
    ///
    /// - Parameters:
    ///   - catalog: The configured catalog.
    ///   - streams: The source's streams.
    /// - Returns: The streams to read incrementally and from the start.
    /// - Throws: ``ChatExportError`` (`invalidConfig`) for a catalog that is not one or names a stream the source lacks.
    public static func selection(_ catalog: JSONValue, streams: [StreamDescriptor]) throws -> (
        incremental: Set<String>, fullRefresh: Set<String>
    ) {
        guard let entries = catalog["streams"]?.arrayValue else {
            throw ChatExportError(.invalidConfig, "the configured catalog has no \"streams\" array")
        }
        let known = Set(streams.map(\.name))
        var incremental = Set<String>()
        var fullRefresh = Set<String>()
        for (index, entry) in entries.enumerated() {
            guard let name = entry["stream"]?["name"]?.stringValue else {
                throw ChatExportError(.invalidConfig, "configured catalog streams[\(index)] has no stream.name")
            }
            guard known.contains(name) else {
                throw ChatExportError(
                    .invalidConfig,
                    "the configured catalog names stream \(name), which this config does not read (it reads \(known.sorted().joined(separator: ", ")))"
                )
            }
            if entry["sync_mode"]?.stringValue == "full_refresh" { fullRefresh.insert(name) } else { incremental.insert(name) }
        }
        return (incremental, fullRefresh)
    }

    /// A per-stream STATE message.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - state: Its state.
    ///   - jobValues: The job values, kept beside it under `job`.
    ///   - recordCount: Records of the stream since its previous STATE.
    /// - Returns: The message.
    static func state(stream: String, state: StreamState, jobValues: [String: JSONValue], recordCount: Int) -> JSONValue {
        var entry = CheckpointFileFormat.encode(state).objectValue ?? []
        if !jobValues.isEmpty { entry.append(("job", .object(jobValues.keys.sorted().map { ($0, jobValues[$0]!) }))) }
        return .object([
            ("type", .string("STATE")),
            (
                "state",
                .object([
                    ("type", .string("STREAM")),
                    ("stream", .object([("stream_descriptor", .object([("name", .string(stream))])), ("stream_state", .object(entry))])),
                    ("sourceStats", .object([("recordCount", .integer(recordCount))])),
                ])
            ),
        ])
    }

    /// The CONNECTION_STATUS message.
    ///
    /// - Parameters:
    ///   - succeeded: Whether the check passed.
    ///   - message: What was checked or what failed.
    /// - Returns: The message.
    public static func connectionStatus(succeeded: Bool, message: String) -> JSONValue {
        .object([
            ("type", .string("CONNECTION_STATUS")),
            ("connectionStatus", .object([("status", .string(succeeded ? "SUCCEEDED" : "FAILED")), ("message", .string(message))])),
        ])
    }

    /// A TRACE message for an error: `config_error` for what the person must fix (config,
    /// credentials, usage), `transient_error` for what a later run resumes (exit 75), else
    /// `system_error`.
    ///
    /// - Parameters:
    ///   - message: The error, one line, without secrets.
    ///   - code: Its code.
    /// - Returns: The message.
    public static func errorTrace(_ message: String, code: ChatExportError.Code) -> JSONValue {
        let failure: String
        switch code {
        case .invalidConfig, .credentialsRejected, .usage: failure = "config_error"
        case .temporaryFailure, .budgetExhausted, .checkpointLocked: failure = "transient_error"
        default: failure = "system_error"
        }
        return .object([
            ("type", .string("TRACE")),
            (
                "trace",
                .object([
                    ("type", .string("ERROR")), ("emitted_at", .integer(Int(Timestamp.now.microseconds / 1000))),
                    (
                        "error",
                        .object([
                            ("message", .string(message)), ("internal_message", .string(code.name)), ("failure_type", .string(failure)),
                        ])
                    ),
                ])
            ),
        ])
    }
}

/// Log events as Airbyte LOG messages on standard output (the protocol has no other place for them).
public struct AirbyteLogHandler: ExportLogHandler {
    private let output: ProtocolOutput

    /// Creates the handler.
    ///
    /// - Parameter output: Standard output.
    public init(output: ProtocolOutput) { self.output = output }

    /// Writes the event as a LOG message; a failed write is dropped (a log line never stops a sync).
    ///
    /// - Parameter event: The event.
    public func log(_ event: ExportLogEvent) {
        let level: String
        switch event.level {
        case .trace: level = "TRACE"
        case .debug: level = "DEBUG"
        case .info: level = "INFO"
        case .warning: level = "WARN"
        default: level = "ERROR"
        }
        var text = event.message
        for key in event.metadata.keys.sorted() {
            let value = event.metadata[key]?.description ?? ""
            text += " \(key)=" + (value.contains(" ") || value.isEmpty ? JSONValue.quoted(value) : value)
        }
        try? output.write(
            message: .object([("type", .string("LOG")), ("log", .object([("level", .string(level)), ("message", .string(text))]))]))
    }
}
