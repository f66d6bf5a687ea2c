public import Foundation

extension JSONValue {
    /// Parses a complete JSON document.
    ///
    /// - Parameter bytes: UTF-8 JSON text.
    /// - Returns: The document's root value.
    /// - Throws: ``JSONSyntaxError`` with the line and column of the first problem.
    public static func parse<Bytes: ContiguousBytes>(_ bytes: Bytes) throws -> JSONValue {
        try JSONReader.withReader(bytes) { reader in
            let value = try reader.readValue()
            try reader.finish()
            return value
        }
    }

    /// Parses a complete JSON document held in a string.
    ///
    /// - Parameter text: JSON text.
    /// - Returns: The document's root value.
    /// - Throws: ``JSONSyntaxError``.
    public static func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }
}

extension JSONReader {
    /// Reads the next value into a ``JSONValue`` tree.
    ///
    /// - Returns: The value.
    /// - Throws: ``JSONSyntaxError``.
    public mutating func readValue() throws -> JSONValue {
        switch try peekKind() {
        case .object:
            var members: [(key: String, value: JSONValue)] = []
            var cursor = try beginObject()
            while let key = try nextMember(&cursor) {
                members.append((string(key), try readValue()))
            }
            return .object(members)
        case .array:
            var elements: [JSONValue] = []
            var cursor = try beginArray()
            while try nextElement(&cursor) { elements.append(try readValue()) }
            return .array(elements)
        case .string:
            return .string(string(try readString()))
        case .number:
            return .number(String(decoding: bytes(try readNumber()), as: UTF8.self))
        case .bool:
            return .bool(try readBool())
        case .null:
            try readNull()
            return .null
        }
    }
}
