public import ConnectorKit

/// `{"type": "drop", "paths": ["variables.email"]}`: removes the fields, with the comma that
/// joined each to its neighbours; the record's other bytes stay as they were.
public struct DropTransform: RecordTransform {
    /// The fields it removes (keys from the root; an array on the way is looked through).
    public let paths: [[String]]
    /// The streams it changes, or nil for all.
    public let streams: Set<String>?

    /// Creates the transform.
    ///
    /// - Parameters:
    ///   - paths: The fields to remove.
    ///   - streams: The streams to change, or nil for all.
    public init(paths: [[String]], streams: Set<String>? = nil) {
        self.paths = paths
        self.streams = streams
    }

    /// `drop`
    public var type: String { "drop" }

    /// The paths.
    public var settings: JSONValue { .object([("paths", .array(paths.map { .string($0.joined(separator: ".")) }))]) }

    /// Refuses a path that is (or holds) the stream's id, cursor or parent field.
    ///
    /// - Parameter stream: A stream it applies to.
    /// - Returns: The problems.
    public func issues(for stream: StreamDescriptor) -> [(suffix: String, message: String)] {
        PathRules.issues(paths, of: stream, transform: type, refusingAncestors: true)
    }

    /// Removes the fields.
    ///
    /// - Parameters:
    ///   - records: The records.
    ///   - stream: Their stream.
    /// - Throws: ``ChatExportError`` for a record that does not read as JSON.
    public func apply(to records: inout [Record], of stream: StreamDescriptor) throws {
        var tree = FieldPaths()
        for path in paths { tree.insert(path, target: true) }
        func value(_ json: inout JSONBytes, node: Int, fields: FieldPaths.View, edits: inout [RecordEdit]) throws {
            json.skipWhitespace()
            switch json.current {
            case 0x7B:
                guard fields.node(node).hasChildren else { return try json.skipValue() }
                try json.enter()
                json.i += 1
                json.skipWhitespace()
                if json.current == 0x7D {
                    json.i += 1
                    json.depth -= 1
                    return
                }
                // A run of removed members goes with the commas that joined it: from the end of
                // the member kept before it, or, at the start, up to the next kept key.
                var keptEnd: Int?
                var run: (start: Int, end: Int)?
                while true {
                    json.skipWhitespace()
                    guard json.current == 0x22 else { throw json.malformed("expected a key") }
                    let keyStart = json.i
                    let (key, escaped) = try json.string()
                    try json.expect(0x3A, "':'")
                    let child = fields.child(of: node, key: key, escaped: escaped, in: json)
                    if let child, fields.node(child).target {
                        try json.skipValue()
                        run = (run?.start ?? keptEnd ?? keyStart, json.i)
                    } else {
                        if let removed = run {
                            edits.append(RecordEdit(range: removed.start..<(keptEnd == nil ? keyStart : removed.end), replacement: []))
                            run = nil
                        }
                        if let child { try value(&json, node: child, fields: fields, edits: &edits) } else { try json.skipValue() }
                        keptEnd = json.i
                    }
                    json.skipWhitespace()
                    if json.current == 0x2C {
                        json.i += 1
                        continue
                    }
                    try json.expect(0x7D, "'}'")
                    json.depth -= 1
                    if let removed = run { edits.append(RecordEdit(range: removed.start..<removed.end, replacement: [])) }
                    return
                }
            case 0x5B:
                try json.array { try value(&$0, node: node, fields: fields, edits: &edits) }
                return
            default:
                try json.skipValue()
            }
        }
        try tree.withView { fields in
            try edit(&records, of: stream) { json, edits in try value(&json, node: FieldPaths.root, fields: fields, edits: &edits) }
        }
    }
}
