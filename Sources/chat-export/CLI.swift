import BuiltInComponents
import ConnectorKit
import Foundation

/// The `chat-export` command line: parses arguments, dispatches to a command, maps errors to exit codes.
struct CLI {
    /// `--log-level`, anywhere on the command line.
    static let logLevel = CLIOption.option(
        "--log-level", "LEVEL", .oneOf(ExportLogger.Level.allCases.map(\.description)),
        default: .value(ExportLogger.Level.info.description), help: "trace, debug, info, warning or error")
    /// `--log-format`, anywhere on the command line.
    static let logFormat = CLIOption.option(
        "--log-format", "FORMAT", .oneOf(ExportStreamLogHandler.Format.allCases.map(\.rawValue)),
        default: .value(ExportStreamLogHandler.Format.human.rawValue), help: "human or json; logs go to stderr")
    /// `-h`, `--help`: the help of the command, or the main help.
    static let help = CLIOption.flag("--help", short: "-h", help: "show help for the command")
    /// `--version`.
    static let version = CLIOption.flag("--version", help: "print the version")
    /// The options every command accepts.
    static let globalOptions = [logLevel, logFormat, help, version]

    /// The global options' part of every help text (`--version` is in the main help only).
    static var globalOptionsHelp: String { "Global options:\n" + CLIOption.helpLines([logLevel, logFormat, help]) }

    /// Every command, each declared once with its options.
    static let commands: [CLICommand] = [
        DemoCommand.command, Commands.runCommand, Commands.checkCommand, Commands.validateCommand, Commands.specCommand,
        Commands.listCommand, DiscoverCommand.command, InitCommand.command, NewConnectorCommand.command, Commands.stateCommand,
        ForgetCommand.command, ServeCommand.command, SandboxCommand.command, CompletionCommand.command,
    ]

    /// The declaration of a command, by name.
    static func command(named name: String) -> CLICommand? { commands.first { $0.name == name } }

    var environment: [String: String]
    var logger = ExportLogger(handler: ExportStreamLogHandler())

    /// Runs a command line and returns the exit status.
    static func main(arguments: [String], environment: [String: String]) async -> Int32 {
        var cli = CLI(environment: environment)
        return await cli.run(arguments)
    }

    /// Runs the command line and returns the exit status.
    mutating func run(_ arguments: [String]) async -> Int32 {
        let command = CLI.command(in: arguments)
        do {
            let known = command.flatMap { CLI.command(named: $0)?.options } ?? []
            let parsed = try Arguments.parse(arguments, options: CLI.globalOptions + known)
            let level = parsed.value(CLI.logLevel)
            let format = parsed.value(CLI.logFormat)
            logger = ExportLogger(
                level: ExportLogger.Level.allCases.first { $0.description == level } ?? .info,
                handler: ExportStreamLogHandler(format: format.flatMap(ExportStreamLogHandler.Format.init(rawValue:)) ?? .human)
            )
            if parsed.isSet(CLI.version) || parsed.positionals == ["version"] {
                print(Help.version)
                return 0
            }
            if parsed.positionals.first == "help" {
                // `help` and `help COMMAND`, as `--help` and `COMMAND --help`.
                guard let topic = parsed.positionals.dropFirst().first else {
                    print(Help.main)
                    return 0
                }
                guard let text = Help.commands[topic] else {
                    let hint = Suggestion.hint(for: topic, in: Array(Help.commands.keys))
                    throw UsageError(message: "no help for \"\(topic)\"\(hint)")
                }
                print(text)
                return 0
            }
            guard let command = parsed.positionals.first else {
                if parsed.isSet(CLI.help) {
                    print(Help.main)
                    return 0
                }
                // A bare `chat-export`: the usage, on stderr (it is not what was asked for), exit 64.
                FileHandle.standardError.write(Data((Help.main + "\n").utf8))
                return 64
            }
            guard let help = Help.commands[command] else {
                let hint = Suggestion.hint(for: command, in: Array(Help.commands.keys))
                throw UsageError(message: "unknown command \"\(command)\"\(hint)")
            }
            if parsed.isSet(CLI.help) {
                print(help)
                return 0
            }
            let operands = Array(parsed.positionals.dropFirst())
            let commands = Commands(environment: environment, logger: logger)
            switch command {
            case "run": return try await commands.run(config: try single(operands, "CONFIG", command), arguments: parsed)
            case "check": return try await commands.check(config: try single(operands, "CONFIG", command))
            case "validate": return try commands.validate(config: try single(operands, "CONFIG", command))
            case "spec":
                guard operands.count <= 1 else { throw UsageError(message: "spec takes at most one TYPE", command: command) }
                return try commands.spec(type: operands.first)
            case "sandbox":
                guard operands.isEmpty else { throw UsageError(message: "sandbox takes no operands", command: command) }
                return try await SandboxCommand.run(parsed, logger: logger)
            case "demo":
                guard operands.isEmpty else { throw UsageError(message: "demo takes no operands", command: command) }
                return try await DemoCommand(environment: environment, logger: logger).run(parsed)
            case "list":
                guard operands.isEmpty else { throw UsageError(message: "list takes no operands", command: command) }
                return commands.list()
            case "serve":
                return try await ServeCommand(environment: environment, logger: logger).run(operands, arguments: parsed)
            case "forget":
                return try await ForgetCommand(environment: environment, logger: logger).run(
                    config: try single(operands, "CONFIG", command), arguments: parsed)
            case "new-connector":
                return try NewConnectorCommand.run(
                    name: try single(operands, "NAME", command), directory: parsed.value(NewConnectorCommand.directory))
            case "completion":
                let shell = try single(operands, "SHELL", command)
                guard CompletionCommand.shells.contains(shell) else {
                    throw UsageError(
                        message: "completion: expected \(CompletionCommand.shells.joined(separator: " or ")), got \"\(shell)\"",
                        command: command)
                }
                return CompletionCommand.run(shell: shell)
            case "discover":
                return try await DiscoverCommand(environment: environment, logger: logger).run(
                    target: try single(operands, "CONFIG or TYPE", command), limit: parsed.value(DiscoverCommand.Flags.limit),
                    json: parsed.isSet(DiscoverCommand.Flags.json))
            case "init":
                return try InitCommand.run(
                    type: try single(operands, "TYPE", command), sink: parsed.value(InitCommand.sink))
            default:  // state
                guard operands.count == 2, ["show", "reset", "set"].contains(operands[0]) else {
                    throw UsageError(
                        message: "expected \"state show CONFIG\", \"state set CONFIG\" or \"state reset CONFIG\"", command: command)
                }
                let flags = Commands.StateFlags.self
                if operands[0] == "show" {
                    if parsed.values(flags.stream) != nil {
                        throw UsageError(message: "\(flags.stream.name) goes with state set or reset", command: command)
                    }
                    return try await commands.stateShow(config: operands[1], json: parsed.isSet(flags.json))
                }
                if parsed.isSet(flags.json) { throw UsageError(message: "\(flags.json.name) goes with state show", command: command) }
                if operands[0] == "set" {
                    return try await commands.stateSet(
                        config: operands[1], streams: parsed.values(flags.stream), position: parsed.value(flags.position))
                }
                if parsed.value(flags.position) != nil {
                    throw UsageError(message: "\(flags.position.name) goes with state set", command: command)
                }
                return try await commands.stateReset(config: operands[1], streams: parsed.values(flags.stream))
            }
        } catch let error as UsageError {
            let known = (error.command ?? command).flatMap { Help.commands[$0] != nil ? $0 : nil }
            let helpCommand = known.map { "chat-export \($0) --help" } ?? "chat-export --help"
            FileHandle.standardError.write(Data("chat-export: error: \(error.message)\nRun '\(helpCommand)' for usage.\n".utf8))
            return 64
        } catch let error as ConfigError {
            for issue in error.issues {
                // A problem of the whole file (missing, not JSON) has no path to show.
                logger.error(
                    (issue.path == "$" ? "config " : "invalid config: ") + "\(error.file.map { "\($0): " } ?? "")\(issue)",
                    issue.path == "$" ? [:] : ["path": .string(issue.path)])
            }
            return ChatExportError.Code.invalidConfig.exitStatus
        } catch let error as ChatExportError where error.code == .outputClosed {
            // Not a failure: the reader (`| head`) has what it wanted.
            logger.info(error.message, ["code": .string(error.code.name)])
            return error.code.exitStatus
        } catch let error as ChatExportError {
            logger.error(error.message, ["code": .string(error.code.name)])
            return error.code.exitStatus
        } catch {
            logger.error("\(error)")
            return 1
        }
    }

    /// The command word: the first argument that is neither an option nor a global option's
    /// value, so global options may stand before it (`--log-level debug run job.json`).
    static func command(in arguments: [String]) -> String? {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return index + 1 < arguments.count ? arguments[index + 1] : nil }
            if !argument.hasPrefix("-") || argument == "-" { return argument }
            if globalOptions.contains(where: { $0.name == argument && $0.takesValue }) { index += 1 }
            index += 1
        }
        return nil
    }

    private func single(_ operands: [String], _ name: String, _ command: String) throws -> String {
        guard operands.count == 1 else {
            throw UsageError(
                message: operands.isEmpty ? "missing \(name)" : "expected one \(name), got \(operands.count) operands", command: command)
        }
        return operands[0]
    }
}
