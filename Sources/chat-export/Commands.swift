import ConnectorRuntime
import ConnectorTesting
import Foundation
import StdoutSink

/// The commands' bodies. Each returns an exit status or throws an error the CLI maps to one.
struct Commands {
    var environment: [String: String]
    var logger: Logger

    private var loader: JobConfigLoader {
        JobConfigLoader(registry: BuiltIns.registry, environment: environment, logger: logger)
    }

    /// `run CONFIG`
    func run(config file: String, arguments: Arguments) async throws -> Int32 {
        let job = try loader.load(file: file)
        let streamNames = Set(job.source.streams.map(\.name))
        let only = arguments.options["--stream"].map(Set.init)
        if let only, let unknown = only.first(where: { !streamNames.contains($0) }) {
            throw UsageError(
                message: "--stream \(unknown): the job has no such stream (it has \(streamNames.sorted().joined(separator: ", ")))",
                command: "run")
        }
        let mode = try arguments.value("--progress", allowed: ProgressReporter.Mode.allCases.map(\.rawValue))
        if arguments.flags.contains("--dry-run") {
            return try await dryRun(job, only: only, limit: try arguments.value("--limit"), file: file)
        }
        if arguments.options["--limit"] != nil { throw UsageError(message: "--limit goes with --dry-run", command: "run") }
        let outcome = try await JobExecution.run(
            job, label: file, only: only, progress: mode.flatMap(ProgressReporter.Mode.init(rawValue:)) ?? .auto,
            fullRefresh: arguments.flags.contains("--full-refresh"), logger: logger)
        return outcome.status
    }

    /// `run CONFIG --dry-run [--limit N]`: up to N records per stream from the configured start
    /// to stdout; no sink is written and no checkpoint is read or stored.
    func dryRun(_ job: JobConfig, only: Set<String>?, limit text: String?, file: String) async throws -> Int32 {
        let limit =
            try text.map { text -> Int in
                guard let value = Int(text), value > 0 else {
                    throw UsageError(message: "--limit must be a positive whole number, got \"\(text)\"", command: "run")
                }
                return value
            } ?? 10
        var runner = JobRunner(
            source: job.source, sinks: [StdoutSink()], checkpoints: InMemoryCheckpointStore(), logger: logger, onlyStreams: only)
        runner.recordLimit = limit
        let summary = try await runner.run()
        let counts = summary.streams.sorted { $0.key < $1.key }.map { "\($0.value.records) \($0.key)" }.joined(separator: ", ")
        logger.info("dry run of \(file): \(counts) (at most \(limit) per stream); no sink written, no checkpoint stored")
        return 0
    }

    /// `check CONFIG`
    func check(config file: String) async throws -> Int32 {
        let job = try loader.load(file: file)
        // One try per request: check reports what is wrong now, it does not wait it out.
        let results = try await HTTPClient.$singleAttempt.withValue(true) { try await job.source.check(logger: logger) }
        for result in results { print("ok  \(result.subject): \(result.detail)") }
        for sink in job.sinks {
            for result in try await sink.check() { print("ok  \(result.subject): \(result.detail)") }
            try await sink.finish(succeeded: false)
        }
        print("config \(file) is valid; \(job.sourceOptions.type) source reachable; sinks writable")
        return 0
    }

    /// `validate CONFIG`
    func validate(config file: String) throws -> Int32 {
        let job = try loader.load(file: file)
        // Where the job writes must be writable: a read-only disk found now, not at the first batch.
        var problems: [ConfigIssue] = []
        for options in job.sinkOptions {
            for spec in BuiltIns.registry.sink(options.type)?.options ?? [] {
                guard case .path = spec.type else { continue }
                if let path = options.path(spec.name), let problem = FileSystem.writeProblem(at: path) {
                    problems.append(ConfigIssue(path: options.path + "." + spec.name, problem))
                }
            }
        }
        if job.checkpointingSink == nil, let problem = FileSystem.writeProblem(at: job.checkpointPath) {
            problems.append(ConfigIssue(path: job.checkpointIsExplicit ? "checkpoint.path" : "checkpoint", problem))
        }
        if !problems.isEmpty { throw ConfigError(file: file, issues: problems) }
        print(
            "config \(file) is valid: source \(job.sourceOptions.type) (\(job.source.streams.map(\.name).joined(separator: ", "))), "
                + "sinks \(job.sinkOptions.map(\.type).joined(separator: ", ")), checkpoint \(job.checkpointLocation)")
        return 0
    }

    /// `spec [TYPE]`
    func spec(type: String?) throws -> Int32 {
        let registry = BuiltIns.registry
        guard let type else {
            print(JobSchema.document(registry: registry).serialized(pretty: true))
            return 0
        }
        if let entry = registry.source(type) {
            print(OptionSpec.jsonSchema(type: entry.type, summary: entry.summary, options: entry.options).serialized(pretty: true))
        } else if let entry = registry.sink(type) {
            print(OptionSpec.jsonSchema(type: entry.type, summary: entry.summary, options: entry.options).serialized(pretty: true))
        } else {
            let known = registry.sources.map(\.type) + registry.sinks.map(\.type)
            let hint = Suggestion.closest(to: type, in: known).map { "; did you mean \"\($0)\"?" } ?? ""
            throw UsageError(message: "unknown type \"\(type)\"\(hint) (known: \(known.joined(separator: ", ")))", command: "spec")
        }
        return 0
    }

    /// `list`
    func list() -> Int32 {
        let registry = BuiltIns.registry
        let width = (registry.sources.map(\.type) + registry.sinks.map(\.type)).map(\.count).max() ?? 0
        func pad(_ text: String) -> String { text + String(repeating: " ", count: width - text.count) }
        print("Sources:")
        for entry in registry.sources { print("  \(pad(entry.type))  \(entry.summary)") }
        print("Sinks:")
        for entry in registry.sinks { print("  \(pad(entry.type))  \(entry.summary)") }
        return 0
    }

    /// `state show CONFIG`
    func stateShow(config file: String, json: Bool) async throws -> Int32 {
        let job = try loader.load(file: file)
        let states: [String: StreamState]
        if let sink = job.checkpointingSink {
            // Reading needs no lock: a running job's checkpoint can be shown.
            states = try await sink.peekCheckpoint()
        } else {
            states = try FileCheckpointStore.read(path: job.checkpointPath)
        }
        if json {
            if states.isEmpty { logger.info("no checkpoint yet in \(job.checkpointLocation)") }
            print(CheckpointFileFormat.encode(states).serialized(pretty: true))
            return 0
        }
        print("checkpoint: \(job.checkpointLocation)")
        if states.isEmpty { print("no checkpoint yet: the next run starts from the configured start") }
        let now = Timestamp.now
        for (name, state) in states.sorted(by: { $0.key < $1.key }) {
            var parts = ["\(state.records) records in \(state.sequence) batches"]
            parts.append("last committed \(state.updatedAt.iso8601()) (\(Commands.age(from: state.updatedAt, to: now)) ago)")
            if let through = Commands.readThrough(state.checkpoint.state) {
                parts.append("complete through \(through.iso8601()) (\(Commands.age(from: through, to: now)) behind now)")
            }
            if let identity = state.identity { parts.append("source \(identity)") }
            print("\(name): " + parts.joined(separator: ", "))
        }
        return 0
    }

    /// How far a windowed reader's state is complete (`done_through`, at the top or under `reader`).
    static func readThrough(_ state: JSONValue) -> Timestamp? {
        (state["done_through"] ?? state["reader"]?["done_through"])?.stringValue.flatMap(Timestamp.init(iso8601:))
    }

    /// `3d 4h`, `2h 5m`, `4m`, `12s`.
    static func age(from earlier: Timestamp, to later: Timestamp) -> String {
        let seconds = max(0, later.epochSeconds - earlier.epochSeconds)
        let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m" }
        return "\(seconds)s"
    }

    /// `state reset CONFIG [--stream NAME]...`
    func stateReset(config file: String, streams: [String]?) async throws -> Int32 {
        let job = try loader.load(file: file)
        let store = try await job.openCheckpointStore(ifCorrupt: .setAside, logger: logger)
        let known = Set(job.source.streams.map(\.name))
        if let streams, let unknown = streams.first(where: { !known.contains($0) }) {
            await store.close()
            throw UsageError(
                message: "--stream \(unknown): the job has no such stream (it has \(known.sorted().joined(separator: ", ")))",
                command: "state")
        }
        try await store.reset(streams: streams.map(Set.init))
        await store.close()
        logger.info("reset \(streams?.joined(separator: ", ") ?? "all streams") in \(job.checkpointLocation)")
        return 0
    }
}
