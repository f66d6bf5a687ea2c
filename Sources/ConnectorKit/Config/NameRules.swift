/// The names the runtime turns into directories, tables, views and columns, checked at
/// `validate`: lowercase ASCII identifiers, so a name can never leave a sink's directory
/// (`../x`), never needs quoting in SQL, and stays within PostgreSQL's 63-byte identifiers once
/// the sinks add their prefixes and suffixes (`<table_prefix><stream>_view`, index names).
///
/// | name | rule |
/// | --- | --- |
/// | stream | `[a-z][a-z0-9_]{0,31}` |
/// | `table_prefix` | empty, or `[a-z_][a-z0-9_]{0,23}` |
/// | `schema` (PostgreSQL) | `[a-z_][a-z0-9_]{0,62}` |
/// | column and field (a definition's) | `[a-z_][a-z0-9_]{0,62}` |
public enum NameRules {
    /// The longest stream name.
    public static let maximumStreamLength = 32
    /// The longest table prefix.
    public static let maximumPrefixLength = 24

    /// Why `name` cannot be a stream's name, or nil.
    ///
    /// - Parameter name: The stream name.
    /// - Returns: The problem in words.
    public static func streamNameProblem(_ name: String) -> String? {
        problem(name, first: "a-z", maximum: maximumStreamLength, what: "a stream name")
    }

    /// Why `prefix` cannot be a table prefix, or nil.
    ///
    /// - Parameter prefix: The prefix.
    /// - Returns: The problem in words.
    public static func tablePrefixProblem(_ prefix: String) -> String? {
        prefix.isEmpty ? nil : problem(prefix, first: "a-z_", maximum: maximumPrefixLength, what: "a table prefix")
    }

    /// Why `name` cannot be a schema, column or field name, or nil.
    ///
    /// - Parameter name: The name.
    /// - Returns: The problem in words.
    public static func identifierProblem(_ name: String) -> String? {
        problem(name, first: "a-z_", maximum: 63, what: "an identifier")
    }

    private static func problem(_ name: String, first: String, maximum: Int, what: String) -> String? {
        let bytes = Array(name.utf8)
        func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let underscore = UInt8(ascii: "_")
        let startsWell = bytes.first.map { isLower($0) || (first.contains("_") && $0 == underscore) } ?? false
        let rest = bytes.dropFirst().allSatisfy { isLower($0) || isDigit($0) || $0 == underscore }
        guard startsWell, rest, bytes.count <= maximum else {
            return "\(JSONValue.quoted(name)) is not \(what): use [\(first)][a-z0-9_]*, at most \(maximum) characters "
                + "(lowercase ASCII letters, digits and underscores)"
        }
        return nil
    }
}
