extension ExportLogger {
    /// A metadata value that keeps its type, so JSON logs carry numbers as numbers.
    ///
    /// A string literal or interpolation makes a ``string(_:)``; write `.int(records)` or
    /// `.double(seconds)` for counts and durations.
    public enum MetadataValue: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
        /// Text.
        case string(String)
        /// A whole number (a count, a byte size).
        case int(Int)
        /// A real number (seconds, a rate).
        case double(Double)
        /// A flag.
        case bool(Bool)

        /// Creates a string value from a literal.
        ///
        /// - Parameter value: The text.
        public init(stringLiteral value: String) { self = .string(value) }

        /// Creates a string value from an interpolation.
        ///
        /// - Parameter stringInterpolation: The interpolated text.
        public init(stringInterpolation: DefaultStringInterpolation) {
            self = .string(String(stringInterpolation: stringInterpolation))
        }

        /// The value as text (numbers in their shortest round-trip form).
        public var description: String {
            switch self {
            case .string(let text): text
            case .int(let number): String(number)
            case .double(let number):
                number.isFinite && number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
            case .bool(let flag): flag ? "true" : "false"
            }
        }

        /// The value as JSON: numbers and flags unquoted.
        var json: JSONValue {
            switch self {
            case .string(let text): .string(text)
            case .int(let number): .number(String(number))
            case .double(let number): number.isFinite ? .number(description) : .string(description)
            case .bool(let flag): .bool(flag)
            }
        }
    }

    /// Metadata of an event: keys and typed values.
    public typealias Metadata = [String: MetadataValue]
}
