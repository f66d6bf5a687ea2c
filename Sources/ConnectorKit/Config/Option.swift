/// An option declared once: its key, type, bounds, default and summary make the JSON Schema
/// (`spec`), the validation, and the typed value a factory reads (`options[Self.perPage]`), so a
/// default can never drift between the three.
///
/// ```swift
/// static let perPage = Option.integer("per_page", 1...1000, default: 1000, summary: "Records per request.")
/// // options: [perPage.spec, …];   make: { options, _ in … options[perPage] … }
/// ```
public struct Option<Value: Sendable>: Sendable {
    /// The declaration the schema and the validation use.
    public let spec: OptionSpec
    /// The value when the key is absent (for a required option, never used: validation fails first).
    public let defaultValue: Value
    let read: @Sendable (ComponentOptions) -> Value?

    /// Creates an option from a spec, a reader and a default.
    ///
    /// - Parameters:
    ///   - spec: The declaration.
    ///   - defaultValue: The typed default.
    ///   - read: Reads the validated value.
    public init(spec: OptionSpec, default defaultValue: Value, read: @escaping @Sendable (ComponentOptions) -> Value?) {
        self.spec = spec
        self.defaultValue = defaultValue
        self.read = read
    }
}

extension ComponentOptions {
    /// The value of a typed option: as configured, else its declared default.
    ///
    /// - Parameter option: The option.
    /// - Returns: The value.
    public subscript<Value>(_ option: Option<Value>) -> Value { option.read(self) ?? option.defaultValue }
}

extension Option where Value == Int {
    /// A whole number within `range`, with a default.
    public static func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int, summary: String) -> Self {
        Self(spec: OptionSpec(name, .integer(range), default: .integer(value), summary: summary), default: value) { $0.integer(name) }
    }
}

extension Option where Value == Double {
    /// A number within `range`, with a default.
    public static func number(_ name: String, _ range: ClosedRange<Double>, default value: Double, summary: String) -> Self {
        let json: JSONValue = value == value.rounded() ? .integer(Int(value)) : .number(String(value))
        return Self(spec: OptionSpec(name, .number(range), default: json, summary: summary), default: value) { $0.number(name) }
    }

    /// A duration (`"90s"`, `"2h"`) read as seconds, from `minimum` up to `maximum` (written
    /// the same way: `"100ms"`, `"10m"`; without either, ``Duration/defaultRange``), with a default.
    public static func duration(
        _ name: String, from minimum: String? = nil, upTo maximum: String? = nil, default text: String, summary: String
    ) -> Self {
        let seconds = { (text: String?) in text.flatMap { Duration.parseSeconds(.string($0)) } }
        let range =
            minimum == nil && maximum == nil
            ? nil : (seconds(minimum) ?? 0)...(seconds(maximum) ?? Duration.defaultRange.upperBound)
        return Self(
            spec: OptionSpec(name, .duration(range), default: .string(text), summary: summary),
            default: Duration.parseSeconds(.string(text)) ?? 0
        ) {
            $0.duration(name)
        }
    }
}

extension Option where Value == String {
    /// Text, with a default.
    public static func string(_ name: String, default value: String, summary: String) -> Self {
        Self(spec: OptionSpec(name, .string, default: .string(value), summary: summary), default: value) { $0.string(name) }
    }

    /// Text that must be given.
    public static func required(_ name: String, summary: String) -> Self {
        Self(spec: OptionSpec(name, .string, required: true, summary: summary), default: "") { $0.string(name) }
    }

    /// One of `allowed`, with a default.
    public static func oneOf(_ name: String, _ allowed: [String], default value: String, summary: String) -> Self {
        Self(spec: OptionSpec(name, .oneOf(allowed), default: .string(value), summary: summary), default: value) { $0.string(name) }
    }
}

extension Option where Value == [String] {
    /// A list of values from `allowed`, with a default.
    public static func list(_ name: String, of allowed: [String], default value: [String], summary: String) -> Self {
        Self(spec: OptionSpec(name, .list(.oneOf(allowed)), default: .array(value.map { .string($0) }), summary: summary), default: value) {
            $0.strings(name)
        }
    }
}

extension Option where Value == Bool {
    /// A flag, with a default.
    public static func boolean(_ name: String, default value: Bool, summary: String) -> Self {
        Self(spec: OptionSpec(name, .boolean, default: .bool(value), summary: summary), default: value) { $0.bool(name) }
    }
}

extension Option where Value == Timestamp? {
    /// A time without a default (nil when absent), or required.
    public static func timestamp(_ name: String, required: Bool = false, summary: String) -> Self {
        Self(spec: OptionSpec(name, .timestamp, required: required, summary: summary), default: nil) { $0.timestamp(name) }
    }
}

extension Option where Value == Secret {
    /// A credential that must be given (never echoed by validation or logs).
    public static func secret(_ name: String, summary: String) -> Self {
        Self(spec: OptionSpec(name, .secret, required: true, summary: summary), default: Secret("")) { $0.secret(name) }
    }
}
