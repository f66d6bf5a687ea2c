/// One problem in a job config: where (a JSON path like `sinks[1].dir`) and what was expected.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// The JSON path of the offending value (`$` for the root).
    public var path: String
    /// What is wrong and what was expected.
    public var message: String

    /// Creates an issue.
    ///
    /// - Parameters:
    ///   - path: The JSON path.
    ///   - message: What is wrong.
    /// Control characters in either (a key or a value quoted from the config) are written as
    /// escapes, so an issue is always one line of a log or a terminal.
    public init(path: String, _ message: String) {
        self.path = Self.oneLine(path)
        self.message = Self.oneLine(message)
    }

    /// The text with CR, LF, TAB and the other control characters written as JSON escapes.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        JSONValue.appendEscaped(text, controlsOnly: true, to: &out)
        return out
    }

    /// `path: message`, or the message alone for the whole document (`$`).
    public var description: String { path == "$" ? message : "\(path): \(message)" }
}

/// Every problem found in a job config, reported at once. Exit code 78.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The config file, when the config came from one.
    public var file: String?
    /// The problems, in document order.
    public var issues: [ConfigIssue]

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - file: The config file.
    ///   - issues: The problems.
    public init(file: String? = nil, issues: [ConfigIssue]) {
        self.file = file
        self.issues = issues
    }

    /// One line per issue, prefixed with the file.
    public var description: String {
        let prefix = file.map { "\($0): " } ?? ""
        return issues.map { prefix + $0.description }.joined(separator: "\n")
    }

    /// The same problems as a ``ChatExportError`` with code ``ChatExportError/Code/invalidConfig``.
    public var asChatExportError: ChatExportError { ChatExportError(.invalidConfig, description) }
}
