public import ConnectorKit

/// The JSON Schema of a stream's records, as a Singer SCHEMA and an Airbyte catalog state it.
///
/// It says what the connector knows and nothing more: the id (`_id`), the cursor, the parent's
/// id and every field the stream declares (``StreamDescriptor/fields``), nested objects along
/// their paths, each nullable (a vendor may send null for any of them). Every object allows
/// members it does not list (`additionalProperties: true`): the record is the vendor's record
/// exactly, and a strict target must accept every one.
///
/// Types follow what the runtime accepts: an id is a string or an integer (the scanner reads
/// both); a timestamp is ISO-8601 text (zone-less in Ada's case, so not RFC 3339 `date-time`)
/// or epoch seconds or milliseconds (DeepConverse); a `json` field is an object or an array.
public enum StreamSchema {
    /// The schema of `stream`'s records.
    ///
    /// - Parameter stream: The stream.
    /// - Returns: A JSON Schema (draft 7) object.
    public static func jsonSchema(for stream: StreamDescriptor) -> JSONValue {
        var root = Node()
        if let id = idField(of: stream) { root.set([id], ["string", "integer"], description: "The vendor's unique id of the record.") }
        for field in stream.fields {
            root.set(field.path, types(of: field.type), description: nil)
        }
        if let cursor = stream.cursorField {
            root.setIfAbsent(cursor.split(separator: ".").map(String.init), types(of: .timestamp), description: "The stream's cursor.")
        }
        if let parent = stream.parentField {
            root.setIfAbsent(
                parent.split(separator: ".").map(String.init), ["string", "integer", "null"], description: "The parent record's id.")
        }
        var members = root.schema(types: ["object"]).objectValue ?? []
        members.insert(("$schema", .string("http://json-schema.org/draft-07/schema#")), at: 0)
        return .object(members)
    }

    /// The top-level field holding the record's id: `_id` for every built-in connector.
    ///
    /// - Parameter stream: The stream.
    /// - Returns: `_id`.
    public static func idField(of stream: StreamDescriptor) -> String? { "_id" }

    /// The cursor as a top-level field, when it is one (Singer's replication key must be).
    ///
    /// - Parameter stream: The stream.
    /// - Returns: The field, or nil.
    public static func topLevelCursor(of stream: StreamDescriptor) -> String? {
        guard let cursor = stream.cursorField, !cursor.contains(".") else { return nil }
        return cursor
    }

    /// The JSON types of a declared field's values, null included.
    static func types(of type: FieldDescriptor.ValueType) -> [String] {
        switch type {
        case .text: ["string", "null"]
        case .integer: ["integer", "null"]
        case .real: ["number", "null"]
        case .boolean: ["boolean", "null"]
        case .timestamp: ["string", "number", "null"]
        case .json: ["object", "array", "null"]
        }
    }

    /// One property while the schema is built: its types (nil until declared) and members.
    private struct Node {
        var types: [String]?
        var description: String?
        var members: [(name: String, node: Node)] = []

        mutating func set(_ path: [String], _ types: [String], description: String?) {
            guard let first = path.first else { return }
            var index = members.firstIndex { $0.name == first }
            if index == nil {
                members.append((first, Node()))
                index = members.count - 1
            }
            if path.count == 1 {
                members[index!].node.types = types
                members[index!].node.description = description
            } else {
                members[index!].node.set(Array(path.dropFirst()), types, description: description)
            }
        }

        mutating func setIfAbsent(_ path: [String], _ types: [String], description: String?) {
            guard !path.isEmpty, !has(path) else { return }
            set(path, types, description: description)
        }

        func has(_ path: [String]) -> Bool {
            guard let first = path.first, let node = members.first(where: { $0.name == first })?.node else { return false }
            return path.count == 1 ? node.types != nil : node.has(Array(path.dropFirst()))
        }

        /// The node's schema; a node only reached through a path is an object that may be null.
        func schema(types fallback: [String]) -> JSONValue {
            let types = self.types ?? fallback
            var out: [(key: String, value: JSONValue)] = [("type", .array(types.map(JSONValue.string)))]
            if let description { out.append(("description", .string(description))) }
            if !members.isEmpty {
                out.append(("properties", .object(members.map { ($0.name, $0.node.schema(types: ["object", "null"])) })))
            }
            if types.contains("object") { out.append(("additionalProperties", .bool(true))) }
            return .object(out)
        }
    }
}
