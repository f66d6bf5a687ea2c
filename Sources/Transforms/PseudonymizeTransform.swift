public import ConnectorKit
import Hashing

/// `{"type": "pseudonymize", "paths": ["chatter_id"], "key": "${PSEUDONYM_KEY}"}`: replaces each
/// value at the paths by HMAC-SHA-256(key, value) in lowercase hex, the same in every stream and
/// run, so joins still work and whoever holds the key can find a person's pseudonym.
///
/// A string's value is its decoded UTF-8 text; a number's is its text as the vendor wrote it, and
/// its pseudonym is written as a string. `null`, booleans and objects are left as they are; an
/// array is looked through. The key is a ``Secret``: never logged, never stored (the checkpoint
/// keeps only a check value of it, so a changed key is noticed).
public struct PseudonymizeTransform: RecordTransform {
    /// The fields it replaces (keys from the root).
    public let paths: [[String]]
    /// The streams it changes, or nil for all.
    public let streams: Set<String>?
    private let key: Secret

    /// The fewest characters a key may have.
    public static let minimumKeyLength = 16

    /// Creates the transform.
    ///
    /// - Parameters:
    ///   - paths: The fields to replace.
    ///   - key: The HMAC key.
    ///   - streams: The streams to change, or nil for all.
    public init(paths: [[String]], key: Secret, streams: Set<String>? = nil) {
        self.paths = paths
        self.key = key
        self.streams = streams
    }

    /// `pseudonymize`
    public var type: String { "pseudonymize" }

    /// The paths, and a check value of the key (its HMAC of a fixed text): it tells keys apart
    /// and reveals nothing a pseudonym does not.
    public var settings: JSONValue {
        let check = SHA256Digest.hmac(key: Array(key.reveal().utf8), Array("chat-export pseudonymize key check".utf8))
        return .object([
            ("paths", .array(paths.map { .string($0.joined(separator: ".")) })),
            ("key_check", .string(String(SHA256Digest.hex(check).prefix(16)))),
        ])
    }

    /// The pseudonym of a value: HMAC-SHA-256 of its UTF-8 bytes under the key, in lowercase hex.
    ///
    /// - Parameter value: The value's text.
    /// - Returns: 64 hex digits.
    public func pseudonym(of value: String) -> String {
        SHA256Digest.hex(SHA256Digest.hmac(key: Array(key.reveal().utf8), Array(value.utf8)))
    }

    /// Refuses a path that is (or holds) the stream's id, cursor or parent field.
    ///
    /// - Parameter stream: A stream it applies to.
    /// - Returns: The problems.
    public func issues(for stream: StreamDescriptor) -> [(suffix: String, message: String)] {
        PathRules.issues(paths, of: stream, transform: type, refusingAncestors: true)
    }

    /// Replaces the values at the paths.
    ///
    /// - Parameters:
    ///   - records: The records.
    ///   - stream: Their stream.
    /// - Throws: ``ChatExportError`` for a record that does not read as JSON.
    public func apply(to records: inout [Record], of stream: StreamDescriptor) throws {
        var tree = FieldPaths()
        for path in paths { tree.insert(path, target: true) }
        var decoded: [UInt8] = []
        let keyBytes = Array(key.reveal().utf8)
        func value(_ json: inout JSONBytes, node: Int, fields: FieldPaths.View, edits: inout [RecordEdit]) throws {
            json.skipWhitespace()
            let target = fields.node(node).target
            switch json.current {
            case 0x22:
                let (content, escaped) = try json.string()
                guard target else { return }
                let raw = UnsafeBufferPointer(start: json.p + content.lowerBound, count: content.count)
                let code: [UInt8]
                if escaped {
                    decoded.removeAll(keepingCapacity: true)
                    JSONEscapes.decode(raw, into: &decoded)
                    code = SHA256Digest.hmac(key: keyBytes, decoded)
                } else {
                    code = SHA256Digest.hmac(key: keyBytes, UnsafeRawBufferPointer(raw))
                }
                edits.append(RecordEdit(range: content, replacement: Array(SHA256Digest.hex(code).utf8)))
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
                while true {
                    json.skipWhitespace()
                    guard json.current == 0x22 else { throw json.malformed("expected a key") }
                    let (key, escaped) = try json.string()
                    try json.expect(0x3A, "':'")
                    if let child = fields.child(of: node, key: key, escaped: escaped, in: json) {
                        try value(&json, node: child, fields: fields, edits: &edits)
                    } else {
                        try json.skipValue()
                    }
                    json.skipWhitespace()
                    if json.current == 0x2C {
                        json.i += 1
                        continue
                    }
                    try json.expect(0x7D, "'}'")
                    json.depth -= 1
                    return
                }
            case 0x5B:
                try json.array { try value(&$0, node: node, fields: fields, edits: &edits) }
                return
            default:
                let range = try json.scalar()
                let first = json.p[range.lowerBound]
                // A number (not true, false or null) becomes its pseudonym as a string.
                guard target, first == 0x2D || first &- 48 < 10 else { return }
                let code = SHA256Digest.hmac(key: keyBytes, UnsafeRawBufferPointer(start: json.p + range.lowerBound, count: range.count))
                edits.append(RecordEdit(range: range, replacement: [0x22] + Array(SHA256Digest.hex(code).utf8) + [0x22]))
            }
        }
        try tree.withView { fields in
            try edit(&records, of: stream) { json, edits in try value(&json, node: FieldPaths.root, fields: fields, edits: &edits) }
        }
    }
}
