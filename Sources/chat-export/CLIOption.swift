import ConnectorKit

/// One option or flag of the command line, declared once: its name, the value it takes, its
/// default and its help. Parsing (`Arguments`), `--help` (`CLICommand.help`), usage errors with
/// "did you mean" and the shell completion scripts are all derived from these declarations, as
/// argument-parser derives them from `@Option` and `@Flag` (and the JSON options from
/// `OptionSpec`).
struct CLIOption: Sendable {
    /// What follows the option's name on the command line.
    enum Kind: Sendable {
        /// Nothing: a flag (`--json`).
        case flag
        /// Any text (a name, a time, `HOST:PORT`); completion offers nothing.
        case text
        /// A file or directory name; completion offers file names.
        case path
        /// A whole number in a range; checked when parsed.
        case integer(ClosedRange<Int>)
        /// One of a fixed set of words; checked when parsed and offered by completion.
        case oneOf([String])
    }

    /// The value used when the option is not given.
    enum Default: Sendable {
        /// This value: reading the option returns it, and `--help` shows it.
        case value(String)
        /// Worked out by the command (the host name, a free port): `--help` shows the words,
        /// reading the option returns nil.
        case described(String)
    }

    /// The long name, with its dashes (`--log-level`).
    var name: String
    /// A short alias (`-h`), if any.
    var short: String?
    /// What the value is called in help (`N`, `MODE`); empty for a flag.
    var placeholder: String
    /// The value it takes.
    var kind: Kind
    /// The value when absent.
    var defaultValue: Default?
    /// Whether it may be given more than once, each value kept (`--stream a --stream b`).
    var repeatable: Bool
    /// What it does, for `--help`; `\n` starts a new line.
    var help: String

    /// A flag: an option without a value.
    ///
    /// - Parameters:
    ///   - name: The long name (`--json`).
    ///   - short: A short alias (`-h`).
    ///   - help: What it does.
    /// - Returns: The declaration.
    static func flag(_ name: String, short: String? = nil, help: String) -> CLIOption {
        CLIOption(name: name, short: short, placeholder: "", kind: .flag, defaultValue: nil, repeatable: false, help: help)
    }

    /// An option that takes a value.
    ///
    /// - Parameters:
    ///   - name: The long name (`--limit`).
    ///   - placeholder: What the value is called in help (`N`).
    ///   - kind: The value it takes.
    ///   - defaultValue: The value when absent.
    ///   - repeatable: Whether every value given is kept.
    ///   - help: What it does.
    /// - Returns: The declaration.
    static func option(
        _ name: String, _ placeholder: String, _ kind: Kind = .text, default defaultValue: Default? = nil, repeatable: Bool = false,
        help: String
    ) -> CLIOption {
        CLIOption(
            name: name, short: nil, placeholder: placeholder, kind: kind, defaultValue: defaultValue, repeatable: repeatable, help: help)
    }

    /// Whether it takes a value.
    var takesValue: Bool {
        if case .flag = kind { return false }
        return true
    }

    /// The words completion offers for the value, if they are a fixed set.
    var choices: [String]? {
        if case .oneOf(let words) = kind { return words }
        return nil
    }

    /// The default value, when it is a value.
    var defaultText: String? {
        if case .value(let text) = defaultValue { return text }
        return nil
    }

    /// The default of an option declared with a default value, as text ("" without one).
    var defaultString: String { defaultText ?? "" }

    /// The default of an integer option declared with a default value (0 without one).
    var defaultInteger: Int { defaultText.flatMap { Int($0) } ?? 0 }

    /// The left column of `--help`: `--limit N`, `-h, --help`.
    var label: String {
        (short.map { $0 + ", " } ?? "") + name + (placeholder.isEmpty ? "" : " " + placeholder)
    }

    /// The help, with `(repeatable)` and the default added.
    var fullHelp: String {
        var text = help
        if repeatable { text += " (repeatable)" }
        switch defaultValue {
        case .value(let value): text += " (default \(value))"
        case .described(let words): text += " (default: \(words))"
        case nil: break
        }
        return text
    }

    /// Checks a value given on the command line against the kind.
    ///
    /// - Parameter value: The value given.
    /// - Throws: ``UsageError`` saying what was expected.
    func check(_ value: String) throws {
        switch kind {
        case .flag, .text, .path:
            return
        case .integer(let range):
            guard let number = Int(value), range.contains(number) else {
                let expected =
                    range.upperBound == Int.max
                    ? (range.lowerBound == 1 ? "a positive whole number" : "a whole number from \(range.lowerBound)")
                    : "a number from \(range.lowerBound) to \(range.upperBound)"
                throw UsageError(message: "\(name) must be \(expected), got \"\(value)\"")
            }
        case .oneOf(let words):
            guard words.contains(value) else {
                let hint = Suggestion.hint(for: value, in: words)
                throw UsageError(message: "\(name) must be one of \(words.joined(separator: ", ")), got \"\(value)\"\(hint)")
            }
        }
    }

    /// The options section of a help text: each label, then its help from a common column.
    ///
    /// - Parameter options: The options, in the order to show.
    /// - Returns: Lines indented by two spaces.
    static func helpLines(_ options: [CLIOption]) -> String {
        let column = max(22, (options.map(\.label.count).max() ?? 0) + 2)
        return options.map { option in
            let lines = option.fullHelp.split(separator: "\n", omittingEmptySubsequences: false)
            let first = "  " + option.label + String(repeating: " ", count: column - option.label.count) + (lines.first ?? "")
            return ([first] + lines.dropFirst().map { String(repeating: " ", count: column + 2) + $0 }).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
