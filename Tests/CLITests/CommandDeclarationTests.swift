import Foundation
import Testing

@testable import chat_export

/// The command line is declared once (``CLICommand``, ``CLIOption``); these check that the
/// declarations hold together and that parsing, help and completion follow them.
@Suite("Command-line declarations")
struct CommandDeclarationTests {
    /// Every `--name` a text mentions.
    static func mentionedOptions(_ text: String) -> Set<String> {
        let regex = try? NSRegularExpression(pattern: "(?<![A-Za-z0-9-])--[a-z][a-z0-9-]*")
        let range = NSRange(text.startIndex..., in: text)
        return Set((regex?.matches(in: text, range: range) ?? []).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    @Test("each command declares each option once, and its help mentions only options it accepts")
    func declarationsHoldTogether() {
        let global = Set(CLI.globalOptions.map(\.name))
        #expect(Set(CLI.commands.map(\.name)).count == CLI.commands.count)
        for command in CLI.commands {
            let names = command.options.map(\.name)
            #expect(Set(names).count == names.count, "\(command.name) declares an option twice")
            #expect(global.isDisjoint(with: names), "\(command.name) redeclares a global option")
            let unknown = Self.mentionedOptions(command.help).subtracting(names).subtracting(global)
            #expect(unknown.isEmpty, "\(command.name)'s help mentions \(unknown.sorted())")
            #expect(command.help.hasPrefix("Usage: chat-export \(command.name)"))
        }
        let everyOption = global.union(CLI.commands.flatMap { $0.options.map(\.name) })
        #expect(Self.mentionedOptions(Help.main).subtracting(everyOption).isEmpty)
    }

    @Test("defaults are valid values of their option, and the help shows them")
    func defaults() throws {
        for option in CLI.globalOptions + CLI.commands.flatMap(\.options) {
            if let value = option.defaultText {
                try option.check(value)
                #expect(option.fullHelp.hasSuffix("(default \(value))"), "\(option.name)")
            }
        }
        #expect(Commands.RunFlags.limit.defaultInteger == 10)
        #expect(DiscoverCommand.Flags.limit.defaultInteger == 100)
        #expect(ServeCommand.Flags.maxConcurrent.defaultInteger == 4)
    }

    @Test("parsing follows the declarations: values checked, defaults applied, repeats kept, typos hinted")
    func parsing() throws {
        let options = CLI.globalOptions + Commands.runCommand.options
        let parsed = try Arguments.parse(
            ["run", "job.json", "--stream", "a", "--stream=b", "--limit", "3", "-h", "--dry-run"], options: options)
        #expect(parsed.positionals == ["run", "job.json"])
        #expect(parsed.values(Commands.RunFlags.stream) == ["a", "b"])
        #expect(parsed.integer(Commands.RunFlags.limit) == 3)
        #expect(parsed.isSet(CLI.help) && parsed.isSet(Commands.RunFlags.dryRun))
        #expect(parsed.value(CLI.logLevel) == "info")
        #expect(parsed.value(Commands.RunFlags.until) == nil)
        #expect(try Arguments.parse([], options: options).integer(Commands.RunFlags.limit) == 10)
        let failures: [([String], String)] = [
            (["--limit", "0"], "--limit must be a positive whole number, got \"0\""),
            (["--progress", "loud"], "--progress must be one of auto, live, log, off, got \"loud\""),
            (["--progress", "lvie"], "--progress must be one of auto, live, log, off, got \"lvie\"; did you mean \"live\"?"),
            (["--dry-run=yes"], "--dry-run takes no value"),
            (["--stream"], "--stream needs a value"),
            (["--sream", "x"], "unknown option --sream; did you mean --stream?"),
        ]
        for (arguments, message) in failures {
            let error = #expect(throws: UsageError.self) { try Arguments.parse(arguments, options: options) }
            #expect(error?.message == message)
        }
        let port = #expect(throws: UsageError.self) { try Arguments.parse(["--port", "70000"], options: SandboxCommand.command.options) }
        #expect(port?.message == "--port must be a number from 0 to 65535, got \"70000\"")
    }

    @Test("help lays out each option's label, help, repeatability and default from its declaration")
    func helpLayout() {
        let help = Commands.runCommand.help
        #expect(help.contains("\n  --stream NAME         run only this stream (repeatable)\n"))
        #expect(help.contains("\n  --limit N             records per stream for --dry-run (default 10)\n"))
        #expect(help.contains("\n  --until TIME          the end of a backfill, exclusive (default: now − lag)\n"))
        #expect(help.hasSuffix(CLI.globalOptionsHelp))
        #expect(CLI.globalOptionsHelp.contains("\n  -h, --help            show help for the command"))
        #expect(Help.main.contains("\n  --version             print the version\n"))
        // A long label moves the column for the whole section.
        #expect(
            SandboxCommand.command.help.contains("\n  --port PORT" + String(repeating: " ", count: 24) + "the port (default: a free one)\n")
        )
        #expect(SandboxCommand.command.help.contains("\n  --messages-per-conversation VALUE  average messages"))
    }

    @Test("completion offers each option's fixed values, files for paths, and nothing for free values")
    func completionFollowsDeclarations() {
        #expect(CompletionCommand.optionValues.contains { $0.option == "--sink" && $0.values == InitCommand.sinks })
        #expect(CompletionCommand.pathOptions.contains("--from-file"))
        #expect(CompletionCommand.pathOptions.contains("--dir"))
        #expect(CompletionCommand.freeTextOptions.contains("--limit"))
        #expect(!CompletionCommand.freeTextOptions.contains("--progress"))
        #expect(CompletionCommand.options(of: "serve").contains("--lease-ttl"))
        #expect(CompletionCommand.options(of: "run").contains("--log-level"))
        #expect(CompletionCommand.bash.contains("--from-file|"))
    }
}
