/// One option a source or sink accepts: its name, type, default and documentation.
///
/// Connectors and sinks declare their options as a list of specs; the runtime validates configs
/// against them (unknown keys, types, ranges, enums, required keys) and prints JSON Schema from
/// them (`chat-export spec TYPE`).
public struct OptionSpec: Sendable {
    /// The value type of an option.
    public indirect enum ValueType: Sendable {
        /// Any string.
        case string
        /// A credential: a non-empty string, never echoed in messages.
        case secret
        /// An absolute `http` or `https` URL.
        case url
        /// A file or directory path; relative paths resolve against the config file's directory.
        case path
        /// An integer within an optional range.
        case integer(ClosedRange<Int>?)
        /// A number within an optional range.
        case number(ClosedRange<Double>?)
        /// `true` or `false`.
        case boolean
        /// An ISO-8601 timestamp (`2026-01-01T00:00:00Z`, or a date `2026-01-01`).
        case timestamp
        /// A duration: seconds as a number, or text like `90s`, `30m`, `2h`, `7d`, `1h30m`, within
        /// a range of seconds (nil: ``Duration/defaultRange``, 0 to 366 days).
        case duration(ClosedRange<Double>?)
        /// One of a fixed set of strings.
        case oneOf([String])
        /// A non-empty array of distinct values of one type.
        case list(ValueType)
        /// An object with its own options (validated member by member, with JSON paths); a
        /// member it omits takes its value from the option's default object.
        case object([OptionSpec])
    }

    /// The key in the component's JSON object.
    public var name: String
    /// The value type.
    public var type: ValueType
    /// Whether the key must be present.
    public var required: Bool
    /// The value used when the key is absent (documented in the schema).
    public var defaultValue: JSONValue?
    /// One or two sentences for people.
    public var summary: String

    /// Creates an option spec.
    ///
    /// - Parameters:
    ///   - name: The key.
    ///   - type: The value type.
    ///   - required: Whether the key must be present.
    ///   - defaultValue: The default when absent.
    ///   - summary: Documentation.
    public init(
        _ name: String,
        _ type: ValueType,
        required: Bool = false,
        default defaultValue: JSONValue? = nil,
        summary: String
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.summary = summary
    }
}
