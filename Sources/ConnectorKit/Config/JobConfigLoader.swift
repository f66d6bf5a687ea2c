public import Foundation

/// Reads, substitutes and validates a job config, reporting every problem at once.
///
/// The schema (a user interface, kept stable):
/// ```json
/// { "source": { "type": "…", … }, "sinks": [ { "type": "…", … } ], "transforms": [ { "type": "…", … } ],
///   "checkpoint": { "path": "…" } }
/// ```
/// `checkpoint` is optional: by default the checkpoint sits next to the config file, named after
/// it (`acme.json` → `acme.checkpoint.json`).
public struct JobConfigLoader: Sendable {
    /// The registered sources and sinks.
    public var registry: Registry
    /// The environment for `${NAME}` substitution.
    public var environment: [String: String]
    /// The logger handed to factories.
    public var logger: ExportLogger
    /// Source options that replace the config's (`run --since/--until` set `start` and `end`),
    /// validated like the rest; a nil value removes the option.
    public var sourceOverrides: [String: JSONValue?] = [:]
    /// Handed to factories as ``Registry/Context/generation``.
    public var generation: String?

    /// Creates a loader.
    ///
    /// - Parameters:
    ///   - registry: The registered sources and sinks.
    ///   - environment: The environment for `${NAME}`.
    ///   - logger: The logger handed to factories.
    public init(registry: Registry, environment: [String: String] = ProcessInfo.processInfo.environment, logger: ExportLogger) {
        self.registry = registry
        self.environment = environment
        self.logger = logger
    }

    /// Loads a config file.
    ///
    /// - Parameter file: The config file's path.
    /// - Returns: The job.
    /// - Throws: ``ConfigError`` listing every problem (exit 78); ``ChatExportError`` when the
    ///   file cannot be read.
    public func load(file: String) throws -> JobConfig {
        guard let bytes = try FileSystem.readFile(file) else {
            throw ConfigError(
                file: file, issues: [ConfigIssue(path: "$", "no such config file (`chat-export init TYPE > FILE` writes one)")])
        }
        let document: JSONValue
        do {
            document = try JSONValue.parseRejectingDuplicateKeys(bytes)
        } catch let error as JSONSyntaxError {
            throw ConfigError(file: file, issues: [ConfigIssue(path: "$", "\(error)")])
        } catch let error as JSONDuplicateKeysError {
            throw ConfigError(file: file, issues: error.issues())
        }
        let base = FileSystem.directory(of: file)
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let defaultCheckpoint = ComponentOptions.resolve(stem + ".checkpoint.json", against: base)
        do {
            return try load(document: document, baseDirectory: base, defaultCheckpoint: defaultCheckpoint, file: file)
        } catch var error as ConfigError {
            error.file = file
            throw error
        }
    }

    /// Loads a config document.
    ///
    /// - Parameters:
    ///   - document: The parsed config.
    ///   - baseDirectory: Where relative paths resolve.
    ///   - defaultCheckpoint: The checkpoint path when the config names none.
    ///   - file: The file name for messages.
    /// - Returns: The job.
    /// - Throws: ``ConfigError`` listing every problem.
    public func load(document: JSONValue, baseDirectory: String, defaultCheckpoint: String, file: String? = nil) throws -> JobConfig {
        var issues: [ConfigIssue] = []
        let document = EnvironmentSubstitution.apply(to: document, environment: environment, issues: &issues)
        JobConfigLoader.warnAboutBareVariables(in: document, path: "$", logger: logger)
        guard case .object(let members) = document else {
            throw ConfigError(
                issues: issues + [
                    ConfigIssue(path: "$", "expected an object with \"source\" and \"sinks\", got \(document.kindDescription)")
                ])
        }
        let topLevel = ["source", "sinks", "transforms", "checkpoint", "schedule"]
        var seen = Set<String>()
        for (key, _) in members {
            if !seen.insert(key).inserted {
                issues.append(ConfigIssue(path: JSONPath.member("$", key), "duplicate key"))
            } else if !topLevel.contains(key) {
                let hint = Suggestion.hint(for: key, in: topLevel)
                issues.append(
                    ConfigIssue(path: JSONPath.member("$", key), "unknown key\(hint) (known keys: \(topLevel.joined(separator: ", ")))"))
            }
        }
        let context = Registry.Context(logger: logger, environment: environment, generation: generation)

        // Source.
        var source: (any Source)?
        var sourceOptions: ComponentOptions?
        if var value = document["source"] {
            if case .object(var members) = value, !sourceOverrides.isEmpty {
                for (key, replacement) in sourceOverrides.sorted(by: { $0.key < $1.key }) {
                    members.removeAll { $0.key == key }
                    if let replacement { members.append((key, replacement)) }
                }
                value = .object(members)
            }
            var entries = registry.sources
            if let type = value["type"]?.stringValue, let resolve = registry.source(type)?.resolve {
                // The options depend on one of them (a `rest` source's definition).
                do {
                    let concrete = try resolve(value, "source", baseDirectory)
                    entries = [concrete]
                } catch let error as ConfigError {
                    issues += error.issues
                    entries = []
                } catch {
                    issues.append(ConfigIssue(path: "source", "\(error)"))
                    entries = []
                }
            }
            if !entries.isEmpty,
                let (type, options) = component(
                    value, path: "source", kinds: entries.map { ($0.type, $0.options) }, base: baseDirectory, issues: &issues),
                let factory = entries.first(where: { $0.type == type })
            {
                sourceOptions = options
                source = build(path: "source", issues: &issues) { try factory.make(options, context) }
                // Stream names become directories and tables: identifiers, whatever the connector.
                for stream in source?.streams ?? [] {
                    if let problem = NameRules.streamNameProblem(stream.name) { issues.append(ConfigIssue(path: "source", problem)) }
                }
            }
        } else {
            issues.append(ConfigIssue(path: "source", "missing required key (expected an object with a \"type\")"))
        }

        // Sinks.
        var sinks: [any Sink] = []
        var sinkOptions: [ComponentOptions] = []
        switch document["sinks"] {
        case nil:
            issues.append(ConfigIssue(path: "sinks", "missing required key (expected a non-empty array of sink objects)"))
        case .array(let elements) where elements.isEmpty:
            issues.append(ConfigIssue(path: "sinks", "expected at least one sink"))
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                let path = "sinks[\(index)]"
                guard
                    let (type, options) = component(
                        element, path: path, kinds: registry.sinks.map { ($0.type, $0.options) }, base: baseDirectory, issues: &issues),
                    let factory = registry.sink(type)
                else { continue }
                if let sink = build(path: path, issues: &issues, { try factory.make(options, context) }) {
                    if let twin = sinks.firstIndex(where: { $0.identity == sink.identity }) {
                        issues.append(ConfigIssue(path: path, "writes to the same place as sinks[\(twin)] (\(sink.identity))"))
                    }
                    sinks.append(sink)
                    sinkOptions.append(options)
                }
            }
        case .some(let other):
            issues.append(ConfigIssue(path: "sinks", "expected a non-empty array of sink objects, got \(other.kindDescription)"))
        }

        // Transforms, applied to every record after the source and before any sink.
        let transforms = loadTransforms(
            document["transforms"], streams: source?.streams, base: baseDirectory, context: context, issues: &issues)

        // Checkpoint.
        var checkpointPath = defaultCheckpoint
        if let value = document["checkpoint"] {
            let specs = [OptionSpec("path", .path, required: true, summary: "The checkpoint file.")]
            if case .object(let members) = value {
                let options = OptionValidator.validate(
                    members, specs: specs, type: "checkpoint", path: "checkpoint", baseDirectory: baseDirectory, issues: &issues)
                checkpointPath = options.path("path") ?? defaultCheckpoint
            } else {
                issues.append(
                    ConfigIssue(
                        path: "checkpoint", "expected an object like {\"path\": \"out/job.checkpoint.json\"}, got \(value.kindDescription)")
                )
            }
        }

        // Schedule (for `serve`).
        var every = JobConfig.defaultScheduleEvery
        var cron: CronSchedule?
        if let value = document["schedule"] {
            if case .object(let members) = value {
                let options = OptionValidator.validate(
                    members, specs: [JobConfigLoader.scheduleEvery.spec, JobConfigLoader.scheduleCron.spec], type: "schedule",
                    path: "schedule", baseDirectory: baseDirectory, issues: &issues)
                every = .seconds(options[JobConfigLoader.scheduleEvery])
                if members.contains(where: { $0.key == "cron" }), let text = options.string("cron") {
                    if members.contains(where: { $0.key == "every" }) {
                        issues.append(ConfigIssue(path: "schedule", "give either every or cron, not both"))
                    }
                    do {
                        cron = try CronSchedule(text)
                    } catch {
                        issues.append(ConfigIssue(path: "schedule.cron", "\(error)"))
                    }
                }
            } else {
                issues.append(
                    ConfigIssue(
                        path: "schedule",
                        "expected an object like {\"every\": \"15m\"} or {\"cron\": \"*/15 * * * *\"}, got \(value.kindDescription)"))
            }
        }

        guard issues.isEmpty, let source, let sourceOptions else { throw ConfigError(issues: issues) }
        var job = JobConfig(
            source: TransformedSource(base: source, transforms: transforms),
            sourceOptions: sourceOptions,
            sinks: sinks,
            sinkOptions: sinkOptions,
            checkpointPath: checkpointPath,
            checkpointIsExplicit: document["checkpoint"] != nil,
            file: file
        )
        job.scheduleEvery = every
        job.scheduleCron = cron
        job.transforms = transforms
        return job
    }

    /// `schedule.cron`: when `serve` runs the job, as a five-field cron expression in UTC.
    static let scheduleCron = Option.string(
        "cron", default: "",
        summary:
            "When `chat-export serve` runs the job: a standard five-field cron expression (minute hour day-of-month month day-of-week), in UTC, instead of `every`."
    )

    /// Validates and builds the `transforms` array: each element's type and options, and each
    /// transform against the streams it applies to (it may not touch an id, cursor or parent).
    private func loadTransforms(
        _ value: JSONValue?, streams: [StreamDescriptor]?, base: String, context: Registry.Context, issues: inout [ConfigIssue]
    ) -> [any RecordTransform] {
        guard let value else { return [] }
        guard case .array(let elements) = value else {
            issues.append(
                ConfigIssue(
                    path: "transforms", "expected an array of transform objects like {\"type\": \"redact\"}, got \(value.kindDescription)"))
            return []
        }
        var transforms: [any RecordTransform] = []
        for (index, element) in elements.enumerated() {
            let path = "transforms[\(index)]"
            guard
                let (type, options) = component(
                    element, path: path, kinds: registry.transforms.map { ($0.type, $0.options) }, base: base, issues: &issues),
                let factory = registry.transform(type),
                let transform = build(path: path, issues: &issues, { try factory.make(options, context) })
            else { continue }
            // Only once the source is known (its problems are reported on their own).
            if let streams {
                let names = streams.map(\.name)
                for (position, name) in (options.strings("streams") ?? []).enumerated() where !names.contains(name) {
                    let hint = Suggestion.hint(for: name, in: names)
                    issues.append(
                        ConfigIssue(
                            path: "\(path).streams[\(position)]",
                            "\(JSONValue.quoted(name)) is not a stream of this job\(hint) (its streams: \(names.joined(separator: ", ")))"))
                }
                for stream in streams where transform.applies(to: stream.name) {
                    for problem in transform.issues(for: stream) {
                        issues.append(ConfigIssue(path: path + problem.suffix, problem.message))
                    }
                }
            }
            transforms.append(transform)
        }
        return transforms
    }

    /// `schedule.every`: how often `serve` runs the job.
    static let scheduleEvery = Option.duration(
        "every", from: "1s", upTo: "31d", default: "1h", summary: "How often `chat-export serve` runs the job.")

    /// Warns about strings that look like an environment reference without braces (`$ADA_TOKEN`):
    /// they are used literally, which a person rarely means.
    static func warnAboutBareVariables(in value: JSONValue, path: String, logger: ExportLogger) {
        switch value {
        case .string(let text):
            guard text.count > 1, text.first == "$", let first = text.dropFirst().first, first == "_" || first.isLetter,
                text.dropFirst().allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            else { return }
            let name = String(text.dropFirst())
            logger.warning(
                "\(path): \"\(text)\" is used literally; write \"${\(name)}\" to read the environment variable \(name)",
                ["path": .string(path)])
        case .array(let elements):
            for (index, element) in elements.enumerated() { warnAboutBareVariables(in: element, path: "\(path)[\(index)]", logger: logger) }
        case .object(let members):
            for (key, member) in members {
                warnAboutBareVariables(in: member, path: path == "$" ? key : path + "." + key, logger: logger)
            }
        default:
            return
        }
    }

    /// Validates one component object: its `type` and its options.
    private func component(
        _ value: JSONValue,
        path: String,
        kinds: [(type: String, options: [OptionSpec])],
        base: String,
        issues: inout [ConfigIssue]
    ) -> (String, ComponentOptions)? {
        let known = kinds.map(\.type)
        guard case .object(let members) = value else {
            issues.append(ConfigIssue(path: path, "expected an object with a \"type\", got \(value.kindDescription)"))
            return nil
        }
        guard let typeValue = value["type"] else {
            issues.append(ConfigIssue(path: path + ".type", "missing required key (expected one of \(known.joined(separator: ", ")))"))
            return nil
        }
        guard let type = typeValue.stringValue else {
            issues.append(ConfigIssue(path: path + ".type", "expected a string, got \(typeValue.kindDescription)"))
            return nil
        }
        guard let kind = kinds.first(where: { $0.type == type }) else {
            let hint = Suggestion.hint(for: type, in: known)
            issues.append(
                ConfigIssue(path: path + ".type", "unknown type \(JSONValue.quoted(type))\(hint) (known: \(known.joined(separator: ", ")))")
            )
            return nil
        }
        let before = issues.count
        let options = OptionValidator.validate(members, specs: kind.options, type: type, path: path, baseDirectory: base, issues: &issues)
        for spec in kind.options where spec.type.isSecret {
            guard let text = options.values[spec.name]?.stringValue, !text.isEmpty, text.count < Secret.minimumLength else { continue }
            // Masked only where it stands alone, so a value this short may show inside other words.
            logger.warning(
                "\(path).\(spec.name): the given value is \(text.count) character\(text.count == 1 ? "" : "s") long, too short to be told "
                    + "apart from other text in messages (at least \(Secret.minimumLength)); is it the real credential?",
                ["path": .string(path + "." + spec.name)])
        }
        return issues.count == before ? (type, options) : nil
    }

    private func build<T>(path: String, issues: inout [ConfigIssue], _ make: () throws -> T) -> T? {
        do {
            return try make()
        } catch let error as ConfigError {
            issues += error.issues
        } catch {
            issues.append(ConfigIssue(path: path, "\(error)"))
        }
        return nil
    }
}
