public import Foundation

/// A key given more than once in one object of a config or definition document, where which
/// value is meant would be a guess (most parsers keep the last, some the first).
public struct JSONDuplicateKey: Sendable, Hashable, CustomStringConvertible {
    /// The JSON path of the member (`source.base_url`; `$` members without the `$.`).
    public var path: String
    /// The 1-based line of the first occurrence of the key.
    public var firstLine: Int
    /// The 1-based column (in bytes) of the first occurrence.
    public var firstColumn: Int
    /// The 1-based line of the repeated occurrence.
    public var line: Int
    /// The 1-based column (in bytes) of the repeated occurrence.
    public var column: Int

    /// What a config issue at ``path`` says: both places of the key.
    public var message: String {
        "duplicate key: given at line \(firstLine), column \(firstColumn) and again at line \(line), column \(column) "
            + "(\(path) at both); a key may appear once in an object, remove one"
    }

    /// `path: message`
    public var description: String { "\(path): \(message)" }
}

/// A document that holds duplicate keys: every one of them, in document order.
public struct JSONDuplicateKeysError: Error, Sendable, CustomStringConvertible {
    /// The duplicates.
    public var duplicates: [JSONDuplicateKey]

    /// One line per duplicate.
    public var description: String { duplicates.map(\.description).joined(separator: "\n") }

    /// The duplicates as config issues, each path prefixed with `prefix` (`acme.json:`).
    ///
    /// - Parameter prefix: Prepended to each path.
    /// - Returns: The issues.
    public func issues(prefix: String = "") -> [ConfigIssue] {
        duplicates.map { ConfigIssue(path: prefix + $0.path, $0.message) }
    }
}

extension JSONValue {
    /// Parses a complete config or definition document, refusing a key given twice in one object.
    ///
    /// - Parameter bytes: UTF-8 JSON text.
    /// - Returns: The document's root value.
    /// - Throws: ``JSONSyntaxError`` for invalid JSON; ``JSONDuplicateKeysError`` listing every
    ///   duplicate key with its JSON path and both places.
    public static func parseRejectingDuplicateKeys<Bytes: ContiguousBytes>(_ bytes: Bytes) throws -> JSONValue {
        try JSONReader.withReader(bytes) { reader in
            var found: [(path: String, first: Int, again: Int)] = []
            let value = try reader.readValue(path: "$", duplicates: &found)
            try reader.finish()
            guard found.isEmpty else {
                throw JSONDuplicateKeysError(
                    duplicates: found.map { duplicate in
                        let first = reader.location(of: duplicate.first)
                        let again = reader.location(of: duplicate.again)
                        return JSONDuplicateKey(
                            path: duplicate.path, firstLine: first.line, firstColumn: first.column, line: again.line,
                            column: again.column)
                    })
            }
            return value
        }
    }
}

extension JSONReader {
    /// Reads the next value into a tree, noting each key already given in its object.
    mutating func readValue(path: String, duplicates: inout [(path: String, first: Int, again: Int)]) throws -> JSONValue {
        switch try peekKind() {
        case .object:
            var members: [(key: String, value: JSONValue)] = []
            var offsets: [String: Int] = [:]
            var cursor = try beginObject()
            while let span = try nextMember(&cursor) {
                let key = string(span)
                let memberPath = JSONPath.member(path, key)
                // The key's opening quote.
                let offset = span.range.lowerBound - 1
                if let first = offsets[key] {
                    duplicates.append((memberPath, first, offset))
                } else {
                    offsets[key] = offset
                }
                members.append((key, try readValue(path: memberPath, duplicates: &duplicates)))
            }
            return .object(members)
        case .array:
            var elements: [JSONValue] = []
            var cursor = try beginArray()
            while try nextElement(&cursor) {
                elements.append(try readValue(path: "\(path)[\(elements.count)]", duplicates: &duplicates))
            }
            return .array(elements)
        default:
            return try readValue()
        }
    }

    /// The 1-based line and column of a byte offset in the reader's buffer.
    package func location(of offset: Int) -> (line: Int, column: Int) {
        let error = JSONReader.syntaxError("", at: offset, in: UnsafeBufferPointer(start: base, count: end))
        return (error.line, error.column)
    }
}
