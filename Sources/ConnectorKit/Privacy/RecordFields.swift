/// Reads the values at a few paths of a record's JSON without building a tree.
public enum RecordFields {
    /// The text of every string or number found at `path` in `json`: a string unescaped, a
    /// number as written. An array on the way (or at the end) is looked through, so
    /// `["tags"]` gives each tag; `null`, booleans and objects at the end give nothing.
    ///
    /// - Parameters:
    ///   - path: Keys from the record's root.
    ///   - json: The record's JSON object.
    /// - Returns: The values, in document order.
    /// - Throws: ``JSONSyntaxError`` when the record is not valid JSON.
    public static func values(at path: [String], in json: ArraySlice<UInt8>) throws -> [String] {
        guard !path.isEmpty else { return [] }
        let keys = path.map { Array($0.utf8) }
        var found: [String] = []
        try JSONReader.withReader(json) { reader in
            try collect(&reader, keys[...], into: &found)
        }
        return found
    }

    /// The values at each of `paths` (see ``values(at:in:)``), flattened.
    ///
    /// - Parameters:
    ///   - paths: Paths from the record's root.
    ///   - json: The record's JSON object.
    /// - Returns: The values.
    /// - Throws: ``JSONSyntaxError`` when the record is not valid JSON.
    public static func values(at paths: [[String]], in json: ArraySlice<UInt8>) throws -> [String] {
        try paths.flatMap { try values(at: $0, in: json) }
    }

    private static func collect(_ reader: inout JSONReader, _ keys: ArraySlice<[UInt8]>, into found: inout [String]) throws {
        switch try reader.peekKind() {
        case .array:
            var cursor = try reader.beginArray()
            while try reader.nextElement(&cursor) { try collect(&reader, keys, into: &found) }
        case .object where !keys.isEmpty:
            var object = try reader.beginObject()
            while let key = try reader.nextMember(&object) {
                if reader.string(key, equalsUTF8: keys[keys.startIndex]) {
                    try collect(&reader, keys.dropFirst(), into: &found)
                } else {
                    try reader.skipValue()
                }
            }
        case .string where keys.isEmpty:
            found.append(reader.string(try reader.readString()))
        case .number where keys.isEmpty:
            found.append(String(decoding: reader.bytes(try reader.readNumber()), as: UTF8.self))
        default:
            try reader.skipValue()
        }
    }
}
