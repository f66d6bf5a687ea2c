import ConnectorKit

/// A bad command line: one line for the person, exit 64.
struct UsageError: Error, CustomStringConvertible {
    var message: String
    var command: String?
    var description: String { message }
}

/// A command line parsed against the options declared for its command (``CLIOption``).
struct Arguments {
    /// The values of options that take one (`--log-level info`, `--log-level=info`), in order.
    var options: [String: [String]] = [:]
    /// Flags given (`--help`).
    var flags: Set<String> = []
    /// Everything else, in order.
    var positionals: [String] = []
    /// The declarations by long name.
    private var declared: [String: CLIOption] = [:]

    /// Parses `arguments` against `options`: each value is checked against its option's kind, and
    /// an unknown option is refused with the closest declared name.
    ///
    /// - Parameters:
    ///   - arguments: The command line, without the program name.
    ///   - known: Every option and flag allowed here.
    /// - Returns: What was given.
    /// - Throws: ``UsageError``.
    static func parse(_ arguments: [String], options known: [CLIOption]) throws -> Arguments {
        var result = Arguments()
        var aliases: [String: String] = [:]
        for option in known {
            result.declared[option.name] = option
            if let short = option.short { aliases[short] = option.name }
        }
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                result.positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            name = aliases[name] ?? name
            guard let option = result.declared[name] else {
                let hint = Suggestion.hint(for: name, in: known.map(\.name), quoted: false)
                throw UsageError(message: "unknown option \(name)\(hint)")
            }
            guard option.takesValue else {
                guard inlineValue == nil else { throw UsageError(message: "\(name) takes no value") }
                result.flags.insert(name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw UsageError(message: "\(name) needs a value") }
                value = arguments[index]
                index += 1
            }
            try option.check(value)
            result.options[name, default: []].append(value)
        }
        return result
    }

    /// Whether a flag was given.
    ///
    /// - Parameter flag: The flag's declaration.
    /// - Returns: Whether it is on the command line.
    func isSet(_ flag: CLIOption) -> Bool { flags.contains(flag.name) }

    /// The option's value: the last one given, else its declared default value.
    ///
    /// - Parameter option: The option's declaration.
    /// - Returns: The value, or nil when neither given nor defaulted to a value.
    func value(_ option: CLIOption) -> String? { options[option.name]?.last ?? option.defaultText }

    /// The value of an option declared with a default value: the last one given, else that default.
    ///
    /// - Parameter option: The option's declaration.
    /// - Returns: The value.
    func string(_ option: CLIOption) -> String { value(option) ?? option.defaultString }

    /// Every value given for a repeatable option, in order; nil when none was given.
    ///
    /// - Parameter option: The option's declaration.
    /// - Returns: The values.
    func values(_ option: CLIOption) -> [String]? { options[option.name] }

    /// The value of an ``CLIOption/Kind/integer(_:)`` option, given or default.
    ///
    /// - Parameter option: The option's declaration.
    /// - Returns: The number, checked against the option's range when parsed.
    func integer(_ option: CLIOption) -> Int? { value(option).flatMap { Int($0) } }

    /// The last value given for an option, by name, checked against `allowed` when given. The
    /// declared default is not applied: callers that name an option by string read only what
    /// was given (prefer ``value(_:)-(CLIOption)``).
    ///
    /// - Parameters:
    ///   - name: The option's long name.
    ///   - allowed: The values allowed.
    /// - Returns: The value given, or nil.
    /// - Throws: ``UsageError`` for a value not allowed.
    func value(_ name: String, allowed: [String]? = nil) throws -> String? {
        assert(declared[name] != nil, "\(name) is not declared for this command")
        guard let value = options[name]?.last else { return nil }
        if let allowed, !allowed.contains(value) {
            throw UsageError(message: "\(name) must be one of \(allowed.joined(separator: ", ")), got \"\(value)\"")
        }
        return value
    }
}
