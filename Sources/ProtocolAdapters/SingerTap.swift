import BuiltInComponents
public import ConnectorKit
import Foundation

/// `tap-chat-export`: a Singer tap (https://hub.meltano.com/singer/spec) over every source of a
/// registry.
///
/// ```
/// tap-chat-export --config CONFIG --discover
/// tap-chat-export --config CONFIG [--catalog CATALOG | --properties CATALOG] [--state STATE]
/// ```
/// Standard output carries only Singer messages; logs go to standard error; exit statuses are
/// `chat-export`'s.
public enum SingerTap {
    static let usage = """
        Usage: tap-chat-export --config CONFIG --discover
               tap-chat-export --config CONFIG [--catalog CATALOG | --properties CATALOG] [--state STATE]

        A Singer tap for every ChatExport source. CONFIG is the "source" object of a chat-export
        job file ({"type": "ada-v2", "base_url": …, "token": …}), validated as in a job.
        Standard output carries SCHEMA, RECORD and STATE messages only; logs go to standard error.

        Options:
          --config FILE        the source config (required)
          --discover           print the catalog and exit
          --catalog FILE       the streams to sync (selected in their metadata); all when absent
          --properties FILE    the same, for orchestrators that pass it under this name
          --state FILE         the STATE value of the last sync, to resume from
          --log-level LEVEL    trace, debug, info, warning or error (default: info)
          --log-format FORMAT  human or json (default: human)

        Exit status: 0 done, 64 usage, 78 invalid config, 77 credentials rejected,
        75 temporary (run again to resume), 141 standard output closed, 1 other.
        """

    /// Runs the tap's command line.
    ///
    /// - Parameters:
    ///   - arguments: The arguments after the program name.
    ///   - environment: The environment (`${VAR}` in the config, `CHAT_EXPORT_NOW`).
    ///   - registry: The source types.
    /// - Returns: The exit status.
    public static func main(arguments: [String], environment: [String: String], registry: Registry) async -> Int32 {
        var logger = ExportLogger(handler: ExportStreamLogHandler())
        do {
            let parsed = try ProtocolArguments(
                arguments, options: ["--config", "--catalog", "--properties", "--state", "--log-level", "--log-format"],
                flags: ["--discover", "--help"])
            if parsed.flags.contains("--help") {
                print(usage)
                return 0
            }
            let format = try parsed.options["--log-format"].map { text in
                guard let format = ExportStreamLogHandler.Format(rawValue: text) else {
                    throw ChatExportError(.usage, "--log-format: expected human or json, got \"\(text)\"")
                }
                return format
            }
            logger = ExportLogger(level: try parsed.logLevel(), handler: ExportStreamLogHandler(format: format ?? .human))
            guard parsed.positionals.isEmpty else { throw ChatExportError(.usage, "unexpected operand \"\(parsed.positionals[0])\"") }
            guard let configFile = parsed.options["--config"] else { throw ChatExportError(.usage, "--config CONFIG is required") }
            if parsed.options["--catalog"] != nil, parsed.options["--properties"] != nil {
                throw ChatExportError(.usage, "give --catalog or --properties, not both")
            }
            let output = ProtocolOutput()
            let sink = ProtocolRecordSink(output: output, dialect: .singer)
            let job = try ProtocolConfig.load(file: configFile, registry: registry, sink: sink, environment: environment, logger: logger)
            let streams = job.source.streams
            if parsed.flags.contains("--discover") {
                try output.write(message: SingerCatalog.catalog(streams))
                return 0
            }
            var selection = (incremental: Set(streams.map(\.name)), fullRefresh: Set<String>())
            if let file = parsed.options["--catalog"] ?? parsed.options["--properties"] {
                let option = parsed.options["--catalog"] != nil ? "--catalog" : "--properties"
                selection = try SingerCatalog.selection(try ProtocolConfig.readJSON(file, option: option), streams: streams)
            }
            let state = try parsed.options["--state"].map { try ProtocolState.singer(try ProtocolConfig.readJSON($0, option: "--state")) }
            let store = ProtocolCheckpointStore(
                dialect: .singer, output: output, initial: state ?? ProtocolState(),
                location: parsed.options["--state"].map { "--state \($0)" } ?? "no state")
            for stream in streams where selection.incremental.contains(stream.name) || selection.fullRefresh.contains(stream.name) {
                try output.write(message: SingerCatalog.schemaMessage(stream))
            }
            if selection.incremental.isEmpty, selection.fullRefresh.isEmpty {
                logger.warning("the catalog selects no stream; nothing to sync")
            }
            let sync = ProtocolSync(
                job: job, store: store, incremental: selection.incremental, fullRefresh: selection.fullRefresh, logger: logger)
            return try await sync.run()
        } catch {
            return ProtocolFailure.report(error, logger: logger, program: "tap-chat-export")
        }
    }
}

/// How a protocol executable ends on an error: logged, mapped to `chat-export`'s exit status.
enum ProtocolFailure {
    /// Logs `error` and returns its exit status.
    static func report(_ error: any Error, logger: ExportLogger, program: String) -> Int32 {
        switch error {
        case let error as ConfigError:
            for issue in error.issues {
                logger.error("invalid config: \(error.file.map { "\($0): " } ?? "")\(issue)", ["path": .string(issue.path)])
            }
            return ChatExportError.Code.invalidConfig.exitStatus
        case let error as ChatExportError where error.code == .outputClosed:
            logger.info(error.message, ["code": .string(error.code.name)])
            return error.code.exitStatus
        case let error as ChatExportError where error.code == .usage:
            logger.error("\(error.message) (run '\(program) --help' for usage)", ["code": .string(error.code.name)])
            return error.code.exitStatus
        case let error as ChatExportError:
            logger.error(error.message, ["code": .string(error.code.name)])
            return error.code.exitStatus
        default:
            logger.error("\(error)")
            return 1
        }
    }
}
