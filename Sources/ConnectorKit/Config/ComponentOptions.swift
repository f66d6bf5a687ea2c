/// A component's validated options, with defaults applied and paths resolved.
///
/// Getters never fail for options that were declared and validated; they return nil for an
/// absent option without a default.
public struct ComponentOptions: Sendable {
    /// The component's `type`.
    public var type: String
    /// The JSON path of the component's object (`source`, `sinks[1]`), for messages.
    public var path: String
    /// The directory relative paths resolve against (the config file's directory).
    public var baseDirectory: String
    var values: [String: JSONValue]
    /// The options the config actually gave (defaults excluded); members of object options as
    /// `name.member`.
    public var given: Set<String> = []

    /// Creates options directly (for embedding tools and tests); normally built by the loader.
    ///
    /// - Parameters:
    ///   - type: The component type.
    ///   - path: The JSON path of the component.
    ///   - baseDirectory: Where relative paths resolve.
    ///   - values: The option values.
    public init(type: String, path: String, baseDirectory: String, values: [String: JSONValue]) {
        self.type = type
        self.path = path
        self.baseDirectory = baseDirectory
        self.values = values
    }

    /// The raw value of an option.
    public subscript(name: String) -> JSONValue? { values[name] }

    /// An object option's members as options of their own (path `path.name`).
    ///
    /// - Parameter name: The option.
    /// - Returns: The members, or nil when the option is absent.
    public func object(_ name: String) -> ComponentOptions? {
        guard let members = values[name]?.objectValue else { return nil }
        var nested = ComponentOptions(
            type: type, path: path + "." + name, baseDirectory: baseDirectory, values: Dictionary(members, uniquingKeysWith: { $1 }))
        nested.given = Set(given.filter { $0.hasPrefix(name + ".") }.map { String($0.dropFirst(name.count + 1)) })
        return nested
    }

    /// A string, URL or enum option.
    ///
    /// - Parameter name: The option.
    /// - Returns: The value.
    public func string(_ name: String) -> String? { values[name]?.stringValue }

    /// A secret option.
    ///
    /// - Parameter name: The option.
    /// - Returns: The secret.
    public func secret(_ name: String) -> Secret? { values[name]?.stringValue.map(Secret.init) }

    /// An integer option.
    ///
    /// - Parameter name: The option.
    /// - Returns: The value.
    public func integer(_ name: String) -> Int? { values[name]?.intValue }

    /// A number option.
    ///
    /// - Parameter name: The option.
    /// - Returns: The value.
    public func number(_ name: String) -> Double? { values[name]?.doubleValue }

    /// A boolean option.
    ///
    /// - Parameter name: The option.
    /// - Returns: The value.
    public func bool(_ name: String) -> Bool? { values[name]?.boolValue }

    /// A timestamp option.
    ///
    /// - Parameter name: The option.
    /// - Returns: The value.
    public func timestamp(_ name: String) -> Timestamp? { values[name]?.stringValue.flatMap(Timestamp.init(iso8601:)) }

    /// A duration option, in seconds.
    ///
    /// - Parameter name: The option.
    /// - Returns: The value in seconds.
    public func duration(_ name: String) -> Double? { values[name].flatMap(Duration.parseSeconds) }

    /// A list of strings option.
    ///
    /// - Parameter name: The option.
    /// - Returns: The values.
    public func strings(_ name: String) -> [String]? { values[name]?.arrayValue?.compactMap(\.stringValue) }

    /// A path option resolved against ``baseDirectory``.
    ///
    /// - Parameter name: The option.
    /// - Returns: The absolute or base-relative path.
    public func path(_ name: String) -> String? {
        guard let raw = string(name) else { return nil }
        return ComponentOptions.resolve(raw, against: baseDirectory)
    }

    /// Resolves `path` against `base` unless it is absolute.
    ///
    /// - Parameters:
    ///   - path: A path.
    ///   - base: A directory.
    /// - Returns: The resolved path.
    public static func resolve(_ path: String, against base: String) -> String {
        if path.hasPrefix("/") { return path }
        if base.isEmpty || base == "." { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }
}

extension Duration {
    /// The range of a duration option that declares none: 0 to 366 days (long enough for any
    /// lag or lookback, short enough that no arithmetic on it can overflow).
    public static let defaultRange: ClosedRange<Double> = 0...(366 * 86_400)

    /// Seconds written the way a config writes them: `0s`, `250ms`, `90s`, `10m`, `2h`, `365d`.
    ///
    /// - Parameter seconds: A non-negative number of seconds.
    /// - Returns: The shortest exact text in one unit, or seconds with a fraction.
    public static func text(_ seconds: Double) -> String {
        if seconds > 0, seconds < 1, (seconds * 1000).rounded() == seconds * 1000 { return "\(Int(seconds * 1000))ms" }
        guard seconds == seconds.rounded(), seconds < 1e15 else { return JSONValue.double(seconds).jsonText + "s" }
        let whole = Int(seconds)
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] where whole > 0 && whole % size == 0 { return "\(whole / size)\(unit)" }
        return "\(whole)s"
    }

    /// Parses a duration option: a number of seconds, or text like `250ms`, `90s`, `30m`, `2h`,
    /// `7d`, `1h30m`.
    ///
    /// - Parameter value: The JSON value.
    /// - Returns: Seconds, or nil when the value is not a duration.
    public static func parseSeconds(_ value: JSONValue) -> Double? {
        if let number = value.doubleValue { return number >= 0 ? number : nil }
        guard let text = value.stringValue, !text.isEmpty else { return nil }
        let units: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86_400]
        var total = 0.0
        var rest = Substring(text)
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            guard let amount = Double(digits), let scale = units[String(unit)] else { return nil }
            total += amount * scale
        }
        return total
    }
}
