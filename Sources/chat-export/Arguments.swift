import ConnectorKit

/// A bad command line: one line for the person, exit 64.
struct UsageError: Error, CustomStringConvertible {
    var message: String
    var command: String?
    var description: String { message }
}

/// The options and flags a command accepts, and what was given.
struct Arguments {
    /// Options that take a value (`--log-level info`, `--log-level=info`), repeatable.
    var options: [String: [String]] = [:]
    /// Flags without a value (`--help`).
    var flags: Set<String> = []
    /// Everything else, in order.
    var positionals: [String] = []

    /// Parses `arguments` given the options (taking a value) and flags each command knows.
    static func parse(_ arguments: [String], options known: Set<String>, flags knownFlags: Set<String>) throws -> Arguments {
        var result = Arguments()
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
            if name == "-h" { name = "--help" }
            if knownFlags.contains(name) {
                guard inlineValue == nil else { throw UsageError(message: "\(name) takes no value") }
                result.flags.insert(name)
            } else if known.contains(name) {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count else { throw UsageError(message: "\(name) needs a value") }
                    value = arguments[index]
                    index += 1
                }
                result.options[name, default: []].append(value)
            } else {
                let hint = Suggestion.hint(for: name, in: Array(known.union(knownFlags)), quoted: false)
                throw UsageError(message: "unknown option \(name)\(hint)")
            }
        }
        return result
    }

    /// The last value of an option, checked against `allowed` when given.
    func value(_ name: String, allowed: [String]? = nil) throws -> String? {
        guard let value = options[name]?.last else { return nil }
        if let allowed, !allowed.contains(value) {
            throw UsageError(message: "\(name) must be one of \(allowed.joined(separator: ", ")), got \"\(value)\"")
        }
        return value
    }
}
