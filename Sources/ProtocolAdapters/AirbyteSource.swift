import BuiltInComponents
import ConnectorHTTP
public import ConnectorKit
import Foundation

/// `source-chat-export`: an Airbyte source (https://docs.airbyte.com/understanding-airbyte/airbyte-protocol)
/// over every source of a registry.
///
/// ```
/// source-chat-export spec
/// source-chat-export check --config CONFIG
/// source-chat-export discover --config CONFIG
/// source-chat-export read --config CONFIG --catalog CONFIGURED_CATALOG [--state STATE]
/// ```
/// One Airbyte message per line on standard output, logs included (LOG); an error ends with a
/// TRACE message and `chat-export`'s exit status. `CHAT_EXPORT_SOURCE_TYPE` narrows `spec` to
/// one source type (an image built for one vendor).
public enum AirbyteSource {
    static let usage = """
        Usage: source-chat-export spec
               source-chat-export check --config CONFIG
               source-chat-export discover --config CONFIG
               source-chat-export read --config CONFIG --catalog CONFIGURED_CATALOG [--state STATE]

        An Airbyte source for every ChatExport source. CONFIG is the "source" object of a
        chat-export job file ({"type": "ada-v2", "base_url": …, "token": …}), validated as in a
        job. Every line of standard output is one Airbyte message.
        """

    /// The environment variable that narrows `spec` to one source type.
    public static let typeVariable = "CHAT_EXPORT_SOURCE_TYPE"

    /// Runs the source's command line.
    ///
    /// - Parameters:
    ///   - arguments: The arguments after the program name.
    ///   - environment: The environment.
    ///   - registry: The source types.
    /// - Returns: The exit status.
    public static func main(arguments: [String], environment: [String: String], registry: Registry) async -> Int32 {
        let output = ProtocolOutput()
        var logger = ExportLogger(handler: AirbyteLogHandler(output: output))
        do {
            let parsed = try ProtocolArguments(
                arguments, options: ["--config", "--catalog", "--state", "--log-level"], flags: ["--help"])
            logger = ExportLogger(level: try parsed.logLevel(), handler: AirbyteLogHandler(output: output))
            if parsed.flags.contains("--help") || parsed.positionals.first == "help" {
                print(usage)
                return 0
            }
            guard parsed.positionals.count == 1, let command = parsed.positionals.first else {
                throw ChatExportError(.usage, "expected one command: spec, check, discover or read")
            }
            let allowed: [String: Set<String>] = [
                "spec": [], "check": ["--config"], "discover": ["--config"], "read": ["--config", "--catalog", "--state"],
            ]
            guard let options = allowed[command] else {
                throw ChatExportError(.usage, "unknown command \"\(command)\" (expected spec, check, discover or read)")
            }
            if let extra = parsed.options.keys.sorted().first(where: { !options.contains($0) && $0 != "--log-level" }) {
                throw ChatExportError(.usage, "\(command) takes no \(extra)")
            }
            if command == "spec" {
                let type = environment[typeVariable].flatMap { $0.isEmpty ? nil : $0 }
                try output.write(message: try AirbyteMessages.spec(registry: registry, type: type))
                return 0
            }
            guard let configFile = parsed.options["--config"] else { throw ChatExportError(.usage, "\(command) needs --config CONFIG") }
            let sink = ProtocolRecordSink(output: output, dialect: .airbyte)
            let job: JobConfig
            do {
                job = try ProtocolConfig.load(file: configFile, registry: registry, sink: sink, environment: environment, logger: logger)
            } catch let error as ConfigError where command == "check" {
                try output.write(message: AirbyteMessages.connectionStatus(succeeded: false, message: "invalid config: \(error)"))
                return 0
            }
            switch command {
            case "check":
                return try await check(job, output: output, logger: logger)
            case "discover":
                try output.write(message: AirbyteMessages.catalog(job.source.streams))
                return 0
            default:
                guard let catalogFile = parsed.options["--catalog"] else {
                    throw ChatExportError(.usage, "read needs --catalog CONFIGURED_CATALOG")
                }
                let selection = try AirbyteMessages.selection(
                    try ProtocolConfig.readJSON(catalogFile, option: "--catalog"), streams: job.source.streams)
                let state = try parsed.options["--state"].map {
                    try ProtocolState.airbyte(try ProtocolConfig.readJSON($0, option: "--state"))
                }
                let store = ProtocolCheckpointStore(
                    dialect: .airbyte, output: output, initial: state ?? ProtocolState(),
                    location: parsed.options["--state"].map { "--state \($0)" } ?? "no state")
                let sync = ProtocolSync(
                    job: job, store: store, incremental: selection.incremental, fullRefresh: selection.fullRefresh, logger: logger)
                return try await sync.run()
            }
        } catch {
            let status = ProtocolFailure.report(error, logger: logger, program: "source-chat-export")
            if status != 0, status != ChatExportError.Code.outputClosed.exitStatus {
                let (message, code): (String, ChatExportError.Code) =
                    switch error {
                    case let error as ConfigError: ("invalid config: \(error)", .invalidConfig)
                    case let error as ChatExportError: (error.message, error.code)
                    default: ("\(error)", .failure)
                    }
                try? output.write(message: AirbyteMessages.errorTrace(message, code: code))
            }
            return status
        }
    }

    /// `check`: the source's own check (one try per request, as `chat-export check`), as a CONNECTION_STATUS.
    private static func check(_ job: JobConfig, output: ProtocolOutput, logger: ExportLogger) async throws -> Int32 {
        do {
            let results = try await job.source.check(CheckRequest(logger: logger, context: RunContext(mode: .check)))
            let detail = results.map { "\($0.subject): \($0.detail)" }.joined(separator: "; ")
            try output.write(
                message: AirbyteMessages.connectionStatus(
                    succeeded: true, message: "\(job.sourceOptions.type) source reachable" + (detail.isEmpty ? "" : ": " + detail)))
        } catch let error as ChatExportError where error.code != .outputClosed {
            try output.write(message: AirbyteMessages.connectionStatus(succeeded: false, message: error.message))
        }
        return 0
    }
}
