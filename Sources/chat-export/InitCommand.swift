import BuiltInComponents
import ConnectorKit
import Foundation
import RestConnector

/// `chat-export init TYPE [--sink TYPE]`: prints a job config for a source with every required
/// option present, credentials as environment references, ready for `validate` once the
/// variable is set.
enum InitCommand {
    static let sinks = ["sqlite", "files", "postgres", "stdout"]

    /// `--sink`: the sink of the job printed.
    static let sink = CLIOption.option(
        "--sink", "SINK", .oneOf(sinks), default: .value("sqlite"), help: "the job's sink: sqlite, files, postgres or stdout")

    static let command = CLICommand(
        "init", usage: "Usage: chat-export init TYPE [--sink sqlite|files|postgres|stdout]",
        discussion: """
            Prints a job config for source TYPE with every required option present and credentials
            as environment references (${ADA_TOKEN}, ${DEEPCONVERSE_API_KEY}): save it, set the
            variable, edit the placeholders, and `chat-export validate` it. TYPE rest:NAME (a built-in
            connector definition: ada-v2, ada-v1.4, deepconverse) or rest:FILE.json prints a job for a
            "rest" source reading that definition.
            """,
        options: [sink])

    static func run(type: String, sink: String?) throws -> Int32 {
        print(try config(type: type, sink: sink))
        return 0
    }

    /// The config text for source `type` and a sink.
    static func config(type: String, sink: String?) throws -> String {
        let registry = BuiltIns.registry
        if type == "rest" {
            throw UsageError(
                message:
                    "init rest needs a definition: init rest:NAME (built in: \(BuiltIns.definitions.map(\.name).joined(separator: ", "))) or init rest:FILE.json",
                command: "init")
        }
        var definition: String?
        var entry = registry.source(type)
        if type.hasPrefix("rest:") {
            let name = String(type.dropFirst(5))
            do {
                entry = RestSource.entry(
                    for: try RestSource.loadDefinition(
                        .string(name), path: "rest:", baseDirectory: FileManager.default.currentDirectoryPath,
                        builtIn: BuiltIns.definitions),
                    builtIn: BuiltIns.definitions)
            } catch let error as ConfigError {
                throw UsageError(
                    message: "init: \(error.issues.map { "\($0.path) \($0.message)" }.joined(separator: "; "))", command: "init")
            }
            definition = name
        }
        guard let entry else {
            let known = registry.sources.map(\.type)
            let hint = Suggestion.hint(for: type, in: known)
            throw UsageError(message: "unknown source type \"\(type)\"\(hint) (known: \(known.joined(separator: ", ")))", command: "init")
        }
        let sinkType = sink ?? Self.sink.defaultString
        let vendor = definition.map { ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".json", with: "") } ?? type
        let stem = vendor.replacingOccurrences(of: ".", with: "")
        var source: [(key: String, value: JSONValue)] = [("type", .string(definition == nil ? type : "rest"))]
        for option in entry.options where option.required {
            source.append((option.name, option.name == "definition" ? .string(definition ?? "") : value(for: option, source: vendor)))
        }
        let sinkObject: JSONValue =
            switch sinkType {
            case "files": .object([("type", .string("files")), ("dir", .string("out/" + stem))])
            case "stdout": .object([("type", .string("stdout"))])
            // The password comes from PGPASSWORD or ~/.pgpass (or ${VAR} in the URL).
            case "postgres":
                .object([
                    ("type", .string("postgres")), ("url", .string("postgresql://chat_export@localhost:5432/chat")),
                    ("schema", .string("public")), ("table_prefix", .string(stem.replacingOccurrences(of: "-", with: "_") + "_")),
                ])
            default: .object([("type", .string("sqlite")), ("path", .string("out/\(stem).sqlite"))])
            }
        return JSONValue.object([("source", .object(source)), ("sinks", .array([sinkObject]))]).serialized(pretty: true)
    }

    /// A value that passes validation and says what to put there.
    static func value(for option: OptionSpec, source type: String) -> JSONValue {
        switch option.type {
        case .secret:
            return .string("${\(environmentName(for: option.name, source: type))}")
        case .url:
            return option.defaultValue ?? .string(type.hasPrefix("ada") ? "https://your-bot.ada.support" : "https://api.example.com")
        case .timestamp:
            return .string(String(Timestamp.now.adding(seconds: -30 * 86_400).iso8601().prefix(10)))
        case .oneOf(let allowed):
            return option.defaultValue ?? .string(allowed.first ?? "")
        case .integer(let range):
            return option.defaultValue ?? .integer(range?.lowerBound ?? 1)
        default:
            return option.defaultValue ?? .string(option.name == "bot_name" ? "your-bot" : "CHANGE-ME")
        }
    }

    /// The names the examples use: `ADA_TOKEN`, `DEEPCONVERSE_API_KEY`; otherwise `TYPE_OPTION`.
    static func environmentName(for option: String, source type: String) -> String {
        if type.hasPrefix("ada") { return "ADA_TOKEN" }
        let vendor = type.uppercased().filter { $0.isLetter || $0.isNumber }
        return vendor + "_" + option.uppercased()
    }
}
