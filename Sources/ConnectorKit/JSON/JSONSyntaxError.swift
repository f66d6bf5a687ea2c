/// Invalid JSON, with the place it was found.
///
/// The offset is a byte offset into the scanned buffer; line and column are 1-based and count
/// bytes, which is what a person opening the document in an editor needs to find it.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset of the first offending byte.
    public var offset: Int
    /// The 1-based line of ``offset``.
    public var line: Int
    /// The 1-based column (in bytes) of ``offset``.
    public var column: Int
    /// What was wrong there.
    public var reason: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - offset: The byte offset of the first offending byte.
    ///   - line: The 1-based line.
    ///   - column: The 1-based column.
    ///   - reason: What was wrong.
    public init(offset: Int, line: Int, column: Int, reason: String) {
        self.offset = offset
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `invalid JSON at line L, column C (byte O): reason`.
    public var description: String {
        "invalid JSON at line \(line), column \(column) (byte \(offset)): \(reason)"
    }
}
