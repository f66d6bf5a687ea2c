import ConnectorKit

/// The command line of a protocol executable: `--name VALUE` (or `--name=VALUE`) options, flags
/// and positional words, each checked against what the command accepts.
struct ProtocolArguments {
    var options: [String: String] = [:]
    var flags: Set<String> = []
    var positionals: [String] = []

    /// Parses `arguments`.
    ///
    /// - Throws: ``ChatExportError`` (`usage`) naming an unknown option, a missing value or a repeat.
    init(_ arguments: [String], options known: Set<String>, flags knownFlags: Set<String>) throws {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                positionals.append(argument)
                continue
            }
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            if knownFlags.contains(name), value == nil {
                flags.insert(name)
                continue
            }
            guard known.contains(name) else {
                throw ChatExportError(
                    .usage, "unknown option \(name) (known: \((known.union(knownFlags)).sorted().joined(separator: ", ")))")
            }
            if value == nil {
                guard index < arguments.count else { throw ChatExportError(.usage, "\(name) needs a value") }
                value = arguments[index]
                index += 1
            }
            guard options[name] == nil else { throw ChatExportError(.usage, "\(name) given twice") }
            options[name] = value
        }
    }

    /// The level `--log-level` asks for (info by default).
    func logLevel() throws -> ExportLogger.Level {
        guard let text = options["--log-level"] else { return .info }
        guard let level = ExportLogger.Level.allCases.first(where: { $0.description == text }) else {
            throw ChatExportError(
                .usage,
                "--log-level: expected one of \(ExportLogger.Level.allCases.map(\.description).joined(separator: ", ")), got \"\(text)\"")
        }
        return level
    }
}
