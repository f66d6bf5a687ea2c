public import ConnectorKit

/// The Singer catalog and SCHEMA messages of a source's streams, and the selection a catalog
/// given back (`--catalog`, `--properties`) makes.
///
/// Each stream's key property is `_id`, its replication key the stream's cursor (when it is a
/// top-level field), its replication method `INCREMENTAL` (`FULL_TABLE` in a catalog's
/// metadata reads the stream again from the configured start).
public enum SingerCatalog {
    /// The catalog `--discover` prints.
    ///
    /// - Parameter streams: The source's streams.
    /// - Returns: `{"streams": [...]}`.
    public static func catalog(_ streams: [StreamDescriptor]) -> JSONValue {
        .object([("streams", .array(streams.map(entry)))])
    }

    private static func entry(_ stream: StreamDescriptor) -> JSONValue {
        let schema = StreamSchema.jsonSchema(for: stream)
        let keys = keyProperties(stream)
        let cursor = StreamSchema.topLevelCursor(of: stream)
        var streamMetadata: [(key: String, value: JSONValue)] = [
            ("inclusion", .string("available")), ("selected-by-default", .bool(true)),
            ("table-key-properties", .array(keys.map(JSONValue.string))),
            ("valid-replication-keys", .array(cursor.map { [.string($0)] } ?? [])),
        ]
        if let cursor { streamMetadata.append(("replication-key", .string(cursor))) }
        streamMetadata.append(("replication-method", .string("INCREMENTAL")))
        var metadata: [JSONValue] = [.object([("breadcrumb", .array([])), ("metadata", .object(streamMetadata))])]
        for (name, _) in schema["properties"]?.objectValue ?? [] {
            let automatic = keys.contains(name) || name == cursor
            metadata.append(
                .object([
                    ("breadcrumb", .array([.string("properties"), .string(name)])),
                    ("metadata", .object([("inclusion", .string(automatic ? "automatic" : "available"))])),
                ]))
        }
        var members: [(key: String, value: JSONValue)] = [
            ("tap_stream_id", .string(stream.name)), ("stream", .string(stream.name)), ("schema", schema),
            ("key_properties", .array(keys.map(JSONValue.string))),
        ]
        if let cursor { members.append(("replication_key", .string(cursor))) }
        members += [("replication_method", .string("INCREMENTAL")), ("metadata", .array(metadata))]
        return .object(members)
    }

    /// The SCHEMA message of a stream.
    ///
    /// - Parameter stream: The stream.
    /// - Returns: `{"type": "SCHEMA", "stream": …, "schema": …, "key_properties": ["_id"], "bookmark_properties": [cursor]}`.
    public static func schemaMessage(_ stream: StreamDescriptor) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("type", .string("SCHEMA")), ("stream", .string(stream.name)), ("schema", StreamSchema.jsonSchema(for: stream)),
            ("key_properties", .array(keyProperties(stream).map(JSONValue.string))),
        ]
        if let cursor = StreamSchema.topLevelCursor(of: stream) { members.append(("bookmark_properties", .array([.string(cursor)]))) }
        return .object(members)
    }

    static func keyProperties(_ stream: StreamDescriptor) -> [String] { StreamSchema.idField(of: stream).map { [$0] } ?? [] }

    /// What a catalog given back selects: streams whose stream-level metadata (breadcrumb `[]`)
    /// says `"selected": true` (or, in older catalogs, whose schema does), each read
    /// incrementally unless its `replication-method` is `FULL_TABLE`.
    ///
    /// - Parameters:
    ///   - catalog: The catalog.
    ///   - streams: The source's streams.
    /// - Returns: The streams to read incrementally and from the start.
    /// - Throws: ``ChatExportError`` (`invalidConfig`) for a catalog that is not one or selects a stream the source lacks.
    public static func selection(_ catalog: JSONValue, streams: [StreamDescriptor]) throws -> (
        incremental: Set<String>, fullRefresh: Set<String>
    ) {
        guard let entries = catalog["streams"]?.arrayValue else {
            throw ChatExportError(.invalidConfig, "the catalog has no \"streams\" array")
        }
        let known = Set(streams.map(\.name))
        var incremental = Set<String>()
        var fullRefresh = Set<String>()
        for (index, entry) in entries.enumerated() {
            guard let name = entry["tap_stream_id"]?.stringValue ?? entry["stream"]?.stringValue else {
                throw ChatExportError(.invalidConfig, "catalog streams[\(index)] has no tap_stream_id")
            }
            let root = entry["metadata"]?.arrayValue?.first { $0["breadcrumb"]?.arrayValue?.isEmpty ?? false }?["metadata"]
            guard root?["selected"]?.boolValue ?? entry["schema"]?["selected"]?.boolValue ?? false else { continue }
            guard known.contains(name) else {
                throw ChatExportError(
                    .invalidConfig,
                    "the catalog selects stream \(name), which this config does not read (it reads \(known.sorted().joined(separator: ", ")))"
                )
            }
            let method = root?["replication-method"]?.stringValue ?? entry["replication_method"]?.stringValue
            if method == "FULL_TABLE" { fullRefresh.insert(name) } else { incremental.insert(name) }
        }
        return (incremental, fullRefresh)
    }
}
