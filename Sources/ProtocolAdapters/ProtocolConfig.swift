public import ConnectorKit
import Foundation

/// A protocol executable's `--config` file: the `source` object of a job file, loaded and
/// validated by the same loader as `chat-export` (every option, `${VAR}`, every check), with the
/// protocol sink as the job's only sink; a `transforms` member is the job's transforms.
public enum ProtocolConfig {
    /// Loads the source config.
    ///
    /// Relative paths in it (a `rest` source's `definition`) resolve against the working
    /// directory, where orchestrators run their plugins (a Meltano project's root).
    ///
    /// - Parameters:
    ///   - file: The config file.
    ///   - registry: The source types.
    ///   - sink: The protocol sink the job writes to.
    ///   - environment: For `${NAME}`.
    ///   - logger: Handed to factories.
    /// - Returns: The job.
    /// - Throws: ``ConfigError`` whose paths are JSON paths in the file (`base_url`,
    ///   `rate_limits.per_minute`), or ``ChatExportError`` when the file cannot be read.
    public static func load(
        file: String, registry: Registry, sink: any Sink, environment: [String: String], logger: ExportLogger
    ) throws -> JobConfig {
        guard let bytes = try FileSystem.readFile(file) else {
            throw ConfigError(file: file, issues: [ConfigIssue(path: "$", "file not found")])
        }
        var source: JSONValue
        do {
            source = try JSONValue.parse(bytes)
        } catch let error as JSONSyntaxError {
            throw ConfigError(file: file, issues: [ConfigIssue(path: "$", "\(error)")])
        }
        // The job's transforms sit beside the source options (`"transforms": [...]`): every
        // record is transformed before it becomes a RECORD message.
        var transforms: JSONValue?
        if case .object(var members) = source, let index = members.firstIndex(where: { $0.key == "transforms" }) {
            transforms = members.remove(at: index).value
            source = .object(members)
        }
        var registry = registry
        registry.register(
            Registry.SinkEntry(type: sinkType, summary: "The protocol's standard output.", options: [], make: { _, _ in sink }))
        let document = JSONValue.object(
            [("source", source), ("sinks", .array([.object([("type", .string(sinkType))])]))]
                + (transforms.map { [("transforms", $0)] } ?? []))
        let loader = JobConfigLoader(registry: registry, environment: environment, logger: logger)
        do {
            return try loader.load(
                document: document, baseDirectory: FileManager.default.currentDirectoryPath, defaultCheckpoint: "/dev/null", file: file)
        } catch let error as ConfigError {
            throw ConfigError(file: file, issues: error.issues.map { ConfigIssue(path: relative($0.path), $0.message) })
        }
    }

    /// The sink type the wrapped job document names.
    static let sinkType = "protocol-output"

    /// `source.base_url` → `base_url`, `source` → `$`: a path in the config file itself.
    static func relative(_ path: String) -> String {
        if path == "source" { return "$" }
        if path.hasPrefix("source.") { return String(path.dropFirst("source.".count)) }
        if path.hasPrefix("source[") { return "$" + path.dropFirst("source".count) }
        return path
    }

    /// Reads a JSON file given on the command line (`--catalog`, `--state`).
    ///
    /// - Parameters:
    ///   - file: The file.
    ///   - option: The option that named it, for messages.
    /// - Returns: The parsed value.
    /// - Throws: ``ChatExportError`` (`usage`) when it is missing or not JSON.
    public static func readJSON(_ file: String, option: String) throws -> JSONValue {
        guard let bytes = try FileSystem.readFile(file) else { throw ChatExportError(.usage, "\(option) \(file): file not found") }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw ChatExportError(.usage, "\(option) \(file): not JSON: \(error)")
        }
    }
}
