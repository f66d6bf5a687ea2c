import ConnectorHTTP
public import ConnectorKit
import Foundation

extension RestSource {
    /// `definition`: a built-in definition's name or a definition file.
    ///
    /// - Parameter names: The built-in definitions' names, for the summary.
    /// - Returns: The option.
    public static func definitionOption(builtIn names: [String]) -> OptionSpec {
        OptionSpec(
            "definition", .string, required: true,
            summary:
                "A built-in connector definition (\(names.joined(separator: ", "))) or the path of one (relative to the config file)."
        )
    }

    /// The registry entry for `type: "rest"`: its options are the definition's, checked once
    /// the definition is read (see ``Registry/SourceEntry/resolve``).
    ///
    /// - Parameter builtIn: The definitions usable by name (`"definition": "ada-v2"`): the built-in
    ///   connectors' (`BuiltIns.definitions`), or an embedding tool's own.
    /// - Returns: The entry.
    public static func registryEntry(builtIn: [RestDefinition]) -> Registry.SourceEntry {
        let names = builtIn.map(\.name)
        return Registry.SourceEntry(
            type: "rest",
            summary:
                "Any vendor described by a connector definition (JSON): \(names.joined(separator: ", ")) built in, or your own file.",
            options: [definitionOption(builtIn: names)],
            resolve: { object, path, baseDirectory in
                let definition = try loadDefinition(
                    object["definition"], path: path + ".definition", baseDirectory: baseDirectory, builtIn: builtIn)
                return entry(for: definition, builtIn: builtIn)
            },
            make: { _, _ in throw ConfigError(issues: [ConfigIssue(path: "source.definition", "missing required key")]) })
    }

    /// Reads the definition a config names.
    ///
    /// - Parameters:
    ///   - value: The `definition` value.
    ///   - path: Its JSON path, for messages.
    ///   - baseDirectory: The config file's directory.
    ///   - builtIn: The definitions usable by name.
    /// - Returns: The definition.
    /// - Throws: ``ConfigError`` with JSON paths (in the config, or in the definition file).
    public static func loadDefinition(
        _ value: JSONValue?, path: String, baseDirectory: String, builtIn: [RestDefinition] = []
    ) throws -> RestDefinition {
        let names = builtIn.map(\.name)
        guard let value else {
            throw ConfigError(issues: [
                ConfigIssue(
                    path: path,
                    "missing required key (a built-in definition: \(names.joined(separator: ", ")), or a file)")
            ])
        }
        guard let name = value.stringValue, !name.isEmpty else {
            throw ConfigError(issues: [ConfigIssue(path: path, "expected a definition name or file path, got \(value.kindDescription)")])
        }
        if let definition = builtIn.first(where: { $0.name == name }) { return definition }
        let looksLikeFile = name.contains("/") || name.hasSuffix(".json")
        guard looksLikeFile else {
            let hint = Suggestion.hint(for: name, in: names)
            throw ConfigError(issues: [
                ConfigIssue(
                    path: path,
                    "no built-in definition \(JSONValue.quoted(name))\(hint) (built in: \(names.joined(separator: ", ")); a file path ends in .json)"
                )
            ])
        }
        let file = ComponentOptions.resolve(name, against: baseDirectory)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigError(issues: [ConfigIssue(path: path, "cannot read the definition file \(file)")])
        }
        let source = (name as NSString).lastPathComponent
        return try RestDefinition.parse(try parseDefinition(Array(data), source: source, file: file, path: path), source: source)
    }

    /// A definition's JSON, refusing duplicate keys (each named by its path in the definition).
    static func parseDefinition(_ bytes: [UInt8], source: String, file: String, path: String) throws -> JSONValue {
        do {
            return try JSONValue.parseRejectingDuplicateKeys(bytes)
        } catch let error as JSONDuplicateKeysError {
            throw ConfigError(issues: error.issues(prefix: source + ":"))
        } catch {
            throw ConfigError(issues: [ConfigIssue(path: path, "\(file) is not valid JSON: \(error)")])
        }
    }

    /// The registry entry a definition makes under `type: "rest"`: `definition`, the
    /// definition's options (and the HTTP ones), and a factory.
    ///
    /// - Parameters:
    ///   - definition: The definition.
    ///   - builtIn: The definitions usable by name, for the `definition` option's summary.
    /// - Returns: The entry.
    public static func entry(for definition: RestDefinition, builtIn: [RestDefinition] = []) -> Registry.SourceEntry {
        var entry = definition.registryEntry
        entry.type = "rest"
        entry.options.insert(definitionOption(builtIn: builtIn.map(\.name)), at: 0)
        return entry
    }

    static func make(_ definition: RestDefinition, _ options: ComponentOptions, _ context: Registry.Context) throws -> RestSource {
        var values: [String: String] = [:]
        var integers: [String: Int] = [:]
        var streams = definition.streams.map(\.name)
        for option in definition.options {
            switch option.type {
            case .integer: if let value = options.integer(option.name) { integers[option.name] = value }
            case .list: streams = options.strings(option.name) ?? streams
            case .secret: break
            default: if let value = options.string(option.name) { values[option.name] = value }
            }
        }
        let range = definition.range
        let start = range.start.flatMap { options.timestamp($0) }
        let end = range.end.flatMap { options.timestamp($0) }
        let issues = [
            range.windowHours.flatMap { hours in range.windowDays.flatMap { options.exclusiveIssue(hours, $0) } },
            range.start.flatMap { start in range.end.flatMap { options.orderIssue(start: start, end: $0) } },
        ].compactMap { $0 }
        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        let windowSeconds =
            range.windowHours.flatMap { options.number($0) }.map { $0 * 3600 } ?? (range.windowDays.flatMap { options.number($0) } ?? 1)
            * 86_400
        let lag = range.lag.flatMap { options.duration($0) } ?? 0
        let oldest = range.retentionDays.map { Timestamp.now.adding(seconds: -Int64($0) * 86_400) }
        let first = max(start ?? oldest ?? .now, oldest ?? start ?? .now)
        let windowOption = range.windowHours.flatMap { options.given.contains($0) ? $0 : nil } ?? range.windowDays ?? "window_days"
        let given = range.start.flatMap { options.given.contains($0) ? $0 : nil }
        if let issue = options.windowCountIssue(
            start: first, end: end, lag: lag, windowSeconds: max(1, windowSeconds), option: given ?? windowOption)
        {
            throw ConfigError(issues: [issue])
        }
        let settings = Settings(
            values: values, integers: integers, streams: streams, start: start, end: end,
            lag: .seconds(lag), windowSeconds: max(1, Int64(saturating: windowSeconds)),
            maxConcurrentWindows: range.maxConcurrentWindows.flatMap { options.integer($0) } ?? 4,
            lookback: .seconds(range.lookback.flatMap { options.duration($0) } ?? 0))
        let render = { (text: String) in RestTemplate.render(text) { values[$0] ?? "" } }
        for stream in definition.streams where stream.cursor.column.contains("{") {
            if let problem = NameRules.identifierProblem(render(stream.cursor.column)) {
                throw ConfigError(issues: [ConfigIssue(path: options.path, "stream \(stream.name)'s cursor column: " + problem)])
            }
        }
        let baseURL = render(definition.baseURL)
        // The definition's rule (`{url option}` and a fixed path) keeps the configured origin;
        // checked again here so no definition, however it was made, sends credentials elsewhere.
        let urlOption = RestTemplate.names(in: definition.baseURL).first ?? "base_url"
        guard let configured = options.string(urlOption).flatMap(HTTPOrigin.init), HTTPOrigin(baseURL) == configured else {
            throw ConfigError(issues: [
                ConfigIssue(
                    path: options.path + "." + urlOption,
                    "the definition's base_url (\(definition.baseURL)) does not keep this option's origin; credentials go only to the configured origin"
                )
            ])
        }
        let http = try HTTPOptions.configuration(
            from: options, baseURLKey: urlOption, baseURL: baseURL, credential: credential(definition.auth, options),
            errorMessage: errorReader(definition.errors.messagePaths))
        return RestSource(definition: definition, settings: settings, http: http, logger: context.logger)
    }

    static func credential(_ auth: RestDefinition.Auth, _ options: ComponentOptions) -> VendorHTTPClient.Credential? {
        func secret(_ name: String) -> Secret { options.secret(name) ?? Secret("") }
        switch auth {
        case .none: return nil
        case .bearer(let option): return .bearer(secret(option))
        case .header(let name, let option): return .header(name: name, value: secret(option))
        case .queryParameter(let name, let option): return .queryParameter(name: name, value: secret(option))
        case .basic(let user, let password): return .basic(user: options.string(user) ?? "", password: secret(password))
        }
    }

    /// Reads an error body's message at the definition's paths, else the common shapes.
    static func errorReader(_ paths: [[RestDefinition.PathStep]]) -> @Sendable (VendorHTTPResponse) -> String? {
        guard !paths.isEmpty else { return VendorHTTPClient.genericErrorMessage }
        return { response in
            if let json = try? JSONValue.parse(response.body) {
                for path in paths {
                    var value: JSONValue? = json
                    for step in path {
                        switch step {
                        case .key(let key): value = value?[key]
                        case .index(let index): value = value?.arrayValue.flatMap { index < $0.count ? $0[index] : nil }
                        }
                    }
                    if let text = value?.stringValue { return text }
                }
            }
            return VendorHTTPClient.genericErrorMessage(response)
        }
    }
}

extension RestSource {
    /// Builds a source from a `source` object as a job config gives it (`{"type": "rest",
    /// "definition": "ada-v2", "base_url": …}`), validated as the config loader would: for tools
    /// that embed the runtime and tests.
    ///
    /// - Parameters:
    ///   - object: The component's JSON object (variables already substituted).
    ///   - baseDirectory: Where relative paths (a definition file) resolve.
    ///   - builtIn: The definitions usable by name.
    ///   - logger: The source's logger.
    /// - Returns: The source.
    /// - Throws: ``ConfigError`` with JSON paths under `source`.
    public static func make(
        config object: JSONValue, baseDirectory: String = ".", builtIn: [RestDefinition] = [], logger: ExportLogger = .disabled
    ) throws -> RestSource {
        let definition = try loadDefinition(
            object["definition"], path: "source.definition", baseDirectory: baseDirectory, builtIn: builtIn)
        return try make(
            definition, config: object, entry: entry(for: definition, builtIn: builtIn), baseDirectory: baseDirectory,
            logger: logger)
    }

    /// Builds a source of `definition` from a `source` object as a job config gives it under the
    /// definition's own type (`{"type": "ada-v2", "base_url": …}`), validated as the config loader
    /// would.
    ///
    /// - Parameters:
    ///   - definition: The definition (`AdaV2.definition`).
    ///   - object: The component's JSON object (variables already substituted).
    ///   - baseDirectory: Where relative paths resolve.
    ///   - logger: The source's logger.
    /// - Returns: The source.
    /// - Throws: ``ConfigError`` with JSON paths under `source`.
    public static func make(
        _ definition: RestDefinition, config object: JSONValue, baseDirectory: String = ".", logger: ExportLogger = .disabled
    ) throws -> RestSource {
        try make(definition, config: object, entry: definition.registryEntry, baseDirectory: baseDirectory, logger: logger)
    }

    static func make(
        _ definition: RestDefinition, config object: JSONValue, entry: Registry.SourceEntry, baseDirectory: String, logger: ExportLogger
    ) throws -> RestSource {
        var issues: [ConfigIssue] = []
        let members = (object.objectValue ?? []).filter { $0.key != "type" }
        let options = OptionValidator.validate(
            members, specs: entry.options, type: entry.type, path: "source", baseDirectory: baseDirectory, issues: &issues)
        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        return try make(definition, options, Registry.Context(logger: logger, environment: [:]))
    }
}
