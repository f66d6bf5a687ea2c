/// A command of `chat-export`, declared once: its name, its usage lines, what it does and its
/// options. `COMMAND --help`, the options `Arguments` accepts for it and its shell completion
/// come from this declaration.
struct CLICommand: Sendable {
    /// The command word (`run`).
    var name: String
    /// The usage lines, `Usage: chat-export …` first.
    var usage: String
    /// What the command does, one or more paragraphs; empty for none.
    var discussion: String
    /// Its options and flags, in the order `--help` shows them (the global ones are added).
    var options: [CLIOption]

    /// Declares a command.
    ///
    /// - Parameters:
    ///   - name: The command word.
    ///   - usage: The usage lines.
    ///   - discussion: What it does.
    ///   - options: Its options and flags.
    init(_ name: String, usage: String, discussion: String = "", options: [CLIOption] = []) {
        self.name = name
        self.usage = usage
        self.discussion = discussion
        self.options = options
    }

    /// `COMMAND --help`: usage, discussion, options, then the global options.
    var help: String {
        var sections = [usage]
        if !discussion.isEmpty { sections.append(discussion) }
        if !options.isEmpty { sections.append("Options:\n" + CLIOption.helpLines(options)) }
        sections.append(CLI.globalOptionsHelp)
        return sections.joined(separator: "\n\n")
    }
}
