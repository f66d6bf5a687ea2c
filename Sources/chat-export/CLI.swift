import BuiltInComponents
import ConnectorKit
import Foundation

/// The `chat-export` command line: parses arguments, dispatches to a command, maps errors to exit codes.
struct CLI {
    static let globalOptions: Set<String> = ["--log-level", "--log-format"]
    static let globalFlags: Set<String> = ["--help", "--version"]
    static let commandOptions: [String: Set<String>] = [
        "run": ["--stream", "--progress", "--limit", "--since", "--until"],
        "check": [], "validate": [], "spec": [], "list": [], "init": ["--sink"],
        "state": ["--stream", "--position"],
        "discover": ["--limit"],
        "completion": [],
        "serve": ServeCommand.options,
        "sandbox": SandboxCommand.options,
        "demo": ["--dir", "--progress"],
        "new-connector": ["--dir"],
        "forget": ForgetCommand.options,
    ]
    static let commandFlags: [String: Set<String>] = [
        "run": ["--full-refresh", "--dry-run"], "state": ["--json"], "discover": ["--json"], "serve": ServeCommand.flags,
    ]

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
            let known = command.flatMap { CLI.commandOptions[$0] } ?? []
            let flags = command.flatMap { CLI.commandFlags[$0] } ?? []
            let parsed = try Arguments.parse(arguments, options: CLI.globalOptions.union(known), flags: CLI.globalFlags.union(flags))
            let level = try parsed.value("--log-level", allowed: ExportLogger.Level.allCases.map(\.description))
            let format = try parsed.value("--log-format", allowed: ExportStreamLogHandler.Format.allCases.map(\.rawValue))
            logger = ExportLogger(
                level: ExportLogger.Level.allCases.first { $0.description == level } ?? .info,
                handler: ExportStreamLogHandler(format: format.flatMap(ExportStreamLogHandler.Format.init(rawValue:)) ?? .human)
            )
            if parsed.flags.contains("--version") || parsed.positionals == ["version"] {
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
                if parsed.flags.contains("--help") {
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
            if parsed.flags.contains("--help") {
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
                return try NewConnectorCommand.run(name: try single(operands, "NAME", command), directory: try parsed.value("--dir"))
            case "completion":
                let shell = try single(operands, "SHELL", command)
                guard CompletionCommand.shells.contains(shell) else {
                    throw UsageError(message: "completion: expected bash or zsh, got \"\(shell)\"", command: command)
                }
                return CompletionCommand.run(shell: shell)
            case "discover":
                return try await DiscoverCommand(environment: environment, logger: logger).run(
                    target: try single(operands, "CONFIG or TYPE", command), limit: try parsed.value("--limit"),
                    json: parsed.flags.contains("--json"))
            case "init":
                return try InitCommand.run(
                    type: try single(operands, "TYPE", command), sink: try parsed.value("--sink", allowed: InitCommand.sinks))
            default:  // state
                guard operands.count == 2, ["show", "reset", "set"].contains(operands[0]) else {
                    throw UsageError(
                        message: "expected \"state show CONFIG\", \"state set CONFIG\" or \"state reset CONFIG\"", command: command)
                }
                if operands[0] == "show" {
                    if parsed.options["--stream"] != nil {
                        throw UsageError(message: "--stream goes with state set or reset", command: command)
                    }
                    return try await commands.stateShow(config: operands[1], json: parsed.flags.contains("--json"))
                }
                if parsed.flags.contains("--json") { throw UsageError(message: "--json goes with state show", command: command) }
                if operands[0] == "set" {
                    return try await commands.stateSet(
                        config: operands[1], streams: parsed.options["--stream"], position: try parsed.value("--position"))
                }
                if parsed.options["--position"] != nil { throw UsageError(message: "--position goes with state set", command: command) }
                return try await commands.stateReset(config: operands[1], streams: parsed.options["--stream"])
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
            if globalOptions.contains(argument) { index += 1 }
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
