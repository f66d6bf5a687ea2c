import BuiltInComponents
import ConnectorHTTP
import ConnectorKit
import ConnectorRuntime
import Foundation
import RestConnector
import StdoutSink

/// The commands' bodies. Each returns an exit status or throws an error the CLI maps to one.
struct Commands {
    var environment: [String: String]
    var logger: ExportLogger

    private var loader: JobConfigLoader {
        JobConfigLoader(registry: BuiltIns.registry, environment: environment, logger: logger)
    }

    /// `run CONFIG`
    func run(config file: String, arguments: Arguments) async throws -> Int32 {
        let backfill = try backfillRange(config: file, arguments: arguments)
        var loader = self.loader
        if let backfill {
            loader.sourceOverrides = ["start": .string(backfill.since.iso8601()), "end": backfill.until.map { .string($0.iso8601()) }]
            loader.generation = "backfill-" + Timestamp.now.compactStamp
        }
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
            fullRefresh: arguments.flags.contains("--full-refresh"), detached: backfill != nil, logger: logger)
        if let backfill, outcome.status == 0 {
            logger.info(
                "backfill of \(backfill.since.iso8601()) to \(backfill.until?.iso8601() ?? "now") written; the job's checkpoint is unchanged"
                    + (loader.generation.map { " (a files sink keeps it in DIR/<stream>/\($0)/)" } ?? ""))
        }
        return outcome.status
    }

    /// `--since T [--until T]`: the range a backfill reads, checked against the job's source.
    private func backfillRange(config file: String, arguments: Arguments) throws -> (since: Timestamp, until: Timestamp?)? {
        let since = try arguments.value("--since")
        let until = try arguments.value("--until")
        guard since != nil || until != nil else { return nil }
        guard let since else { throw UsageError(message: "--until goes with --since", command: "run") }
        if arguments.flags.contains("--full-refresh") {
            throw UsageError(message: "--since reads a range beside the checkpoint; --full-refresh replaces it: use one", command: "run")
        }
        let now = try RunClock.current()()
        func parse(_ text: String, _ name: String) throws -> Timestamp {
            guard let time = Self.relativeTime(text, now: now) else {
                throw UsageError(
                    message:
                        "\(name): expected a time (2026-10-01, 2026-10-01T12:00:00Z), a duration back from now (7d, 12h, 90m, up to 366d) or today, yesterday, now; got \"\(text)\"",
                    command: "run")
            }
            return time
        }
        let range = (since: try parse(since, "--since"), until: try until.map { try parse($0, "--until") })
        if let end = range.until, end <= range.since {
            throw UsageError(message: "--until \(end.iso8601()) is not after --since \(range.since.iso8601())", command: "run")
        }
        if let type = (try? FileSystem.readFile(file)).flatMap({ $0 }).flatMap({ try? JSONValue.parse($0) })?["source"]?["type"]?
            .stringValue,
            let entry = BuiltIns.registry.source(type), !entry.options.contains(where: { $0.name == "start" })
        {
            throw UsageError(message: "--since: source \(type) reads no time range", command: "run")
        }
        return range
    }

    /// A time given on the command line: ISO-8601, a duration back from `now` (`7d`, `12h`,
    /// `1h30m`, at most 366 days), or `today`, `yesterday` (00:00 UTC of that day), `now`.
    static func relativeTime(_ text: String, now: Timestamp) -> Timestamp? {
        if let time = Timestamp(iso8601: text) { return time }
        let midnight = Timestamp(epochSeconds: now.epochSeconds - (now.epochSeconds % 86_400 + 86_400) % 86_400)
        switch text.lowercased() {
        case "now": return now
        case "today": return midnight
        case "yesterday": return midnight.adding(seconds: -86_400)
        default:
            // Text only: a bare number is not taken for seconds back.
            guard text.contains(where: \.isLetter), let seconds = Duration.parseSeconds(.string(text)), seconds > 0, seconds <= 366 * 86_400
            else { return nil }
            return Timestamp(microseconds: now.microseconds - Int64((seconds * 1e6).rounded()))
        }
    }

    /// `run CONFIG --dry-run [--limit N]`: up to N records per stream, the most recent first, to
    /// stdout (a preview: small pages, one request per stream when the vendor has data); no sink
    /// is written and no checkpoint is read or stored.
    func dryRun(_ job: JobConfig, only: Set<String>?, limit text: String?, file: String) async throws -> Int32 {
        let limit =
            try text.map { text -> Int in
                guard let value = Int(text), value > 0 else {
                    throw UsageError(message: "--limit must be a positive whole number, got \"\(text)\"", command: "run")
                }
                return value
            } ?? RunFlags.limit.defaultInteger
        var session = JobSession(job: job, checkpoints: .preview, logger: logger)
        session.sinks = [StdoutSink()]
        session.passes = [JobSession.Pass(streams: only)]
        session.recordLimit = limit
        let summary = try await session.run()
        let counts = summary.streams.sorted { $0.key < $1.key }.map { "\($0.value.records) \($0.key)" }.joined(separator: ", ")
        logger.info("dry run of \(file): \(counts) (at most \(limit) per stream); no sink written, no stream position stored")
        return 0
    }

    /// `check CONFIG`: what `validate` checks, then the vendor and every sink, changing nothing.
    func check(config file: String) async throws -> Int32 {
        let job = try loader.load(file: file)
        let places = try writablePlaces(job, file: file)
        // One try per request: check reports what is wrong now, it does not wait it out.
        let results = try await job.source.check(CheckRequest(logger: logger, context: RunContext(mode: .check)))
        for result in results { print("ok  \(result.subject): \(result.detail)") }
        for sink in job.sinks {
            for result in try await sink.check() { print("ok  \(result.subject): \(result.detail)") }
            try await sink.finish(succeeded: false)
        }
        if job.checkpointingSink == nil {
            let missing = places.first { $0.jsonPath.hasPrefix("checkpoint") }?.missingDirectory
            print(
                "ok  checkpoint \(job.checkpointPath): "
                    + (missing.map { "directory \($0) does not exist yet: run creates it" } ?? "writable"))
        }
        print("config \(file) is valid; \(job.sourceOptions.type) source reachable; sinks writable")
        return 0
    }

    /// A place the job writes (a sink's path option, the checkpoint file), and the directory that
    /// would hold it when that does not exist yet.
    struct WritablePlace {
        var jsonPath: String
        var path: String
        var missingDirectory: String?
    }

    /// Where the job writes, each checked by looking only: a read-only disk or a path that cannot
    /// be created is found now, not at the first batch; nothing is created (`run` makes missing
    /// directories).
    ///
    /// - Throws: ``ConfigError`` listing every place that cannot be written.
    func writablePlaces(_ job: JobConfig, file: String) throws -> [WritablePlace] {
        var places: [WritablePlace] = []
        for options in job.sinkOptions {
            for spec in BuiltIns.registry.sink(options.type)?.options ?? [] {
                guard case .path = spec.type, let path = options.path(spec.name) else { continue }
                places.append(WritablePlace(jsonPath: options.path + "." + spec.name, path: path))
            }
        }
        if job.checkpointingSink == nil {
            places.append(WritablePlace(jsonPath: job.checkpointIsExplicit ? "checkpoint.path" : "checkpoint", path: job.checkpointPath))
        }
        var problems: [ConfigIssue] = []
        for index in places.indices {
            if let problem = FileSystem.writeProblem(at: places[index].path) {
                problems.append(ConfigIssue(path: places[index].jsonPath, problem))
            }
            let directory = FileSystem.directory(of: places[index].path)
            if !FileSystem.exists(places[index].path), !FileSystem.exists(directory) { places[index].missingDirectory = directory }
        }
        if !problems.isEmpty { throw ConfigError(file: file, issues: problems) }
        return places
    }

    /// `validate CONFIG`
    func validate(config file: String) throws -> Int32 {
        let job = try loader.load(file: file)
        for place in try writablePlaces(job, file: file) {
            guard let directory = place.missingDirectory else { continue }
            logger.warning("\(place.jsonPath): directory \(directory) does not exist yet: `chat-export run` creates it")
        }
        print(
            "config \(file) is valid: source \(job.sourceOptions.type)\(job.sourceOptions.string("definition").map { " (definition \($0))" } ?? "") (\(job.source.streams.map(\.name).joined(separator: ", "))), "
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
        if type == "rest-definition" {
            print(RestDefinition.jsonSchema.serialized(pretty: true))
        } else if let entry = registry.source(type) {
            print(OptionSpec.jsonSchema(type: entry.type, summary: entry.summary, options: entry.options).serialized(pretty: true))
        } else if let entry = registry.sink(type) {
            print(OptionSpec.jsonSchema(type: entry.type, summary: entry.summary, options: entry.options).serialized(pretty: true))
        } else if let entry = registry.transform(type) {
            print(OptionSpec.jsonSchema(type: entry.type, summary: entry.summary, options: entry.options).serialized(pretty: true))
        } else {
            let known = registry.sources.map(\.type) + registry.sinks.map(\.type) + registry.transforms.map(\.type) + ["rest-definition"]
            let hint = Suggestion.hint(for: type, in: known)
            throw UsageError(message: "unknown type \"\(type)\"\(hint) (known: \(known.joined(separator: ", ")))", command: "spec")
        }
        return 0
    }

    /// `list`
    func list() -> Int32 {
        let registry = BuiltIns.registry
        let width = (registry.sources.map(\.type) + registry.sinks.map(\.type) + registry.transforms.map(\.type)).map(\.count).max() ?? 0
        func pad(_ text: String) -> String { text + String(repeating: " ", count: width - text.count) }
        print("Sources:")
        for entry in registry.sources { print("  \(pad(entry.type))  \(entry.summary)") }
        print("Sinks:")
        for entry in registry.sinks { print("  \(pad(entry.type))  \(entry.summary)") }
        print("Transforms:")
        for entry in registry.transforms { print("  \(pad(entry.type))  \(entry.summary)") }
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
        let streams = Dictionary(job.source.streams.map { ($0.name, $0) }) { first, _ in first }
        for (name, state) in states.sorted(by: { $0.key < $1.key }) {
            // Deliveries count every record sent, a record read again included; a SQL sink's
            // table holds each once.
            var parts = ["\(Readable.count(state.records, "record")) delivered in \(Readable.count(state.sequence, "batch"))"]
            if let stream = streams[name] {
                for sink in job.sinks {
                    guard let rows = try await sink.storedRows(of: stream) else { continue }
                    parts.append("\(Readable.count(rows, "row")) stored in \(sink.identity)")
                }
            }
            parts.append("last committed \(state.updatedAt.iso8601()) (\(Commands.age(from: state.updatedAt, to: now)) ago)")
            if let through = streams[name].flatMap({ job.source.progress(of: state.checkpoint, for: $0)?.completeThrough }) {
                parts.append("complete through \(through.iso8601()) (\(Commands.age(from: through, to: now)) behind now)")
            }
            if let identity = state.identity { parts.append("source \(identity)") }
            print("\(name): " + parts.joined(separator: ", "))
        }
        return 0
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

    /// `state set CONFIG --stream NAME --position TIME`: a manual repair. The stream counts as
    /// read up to TIME and the next run reads from there; the sinks' positions are kept.
    func stateSet(config file: String, streams: [String]?, position text: String?) async throws -> Int32 {
        guard let streams, !streams.isEmpty, let text else {
            throw UsageError(message: "state set needs --stream NAME and --position TIME", command: "state")
        }
        guard let position = Timestamp(iso8601: text) else {
            throw UsageError(
                message: "--position: expected a time like 2026-10-01 or 2026-10-01T12:00:00Z, got \"\(text)\"", command: "state")
        }
        if position > .now { throw UsageError(message: "--position \(position.iso8601()) is in the future", command: "state") }
        let job = try loader.load(file: file)
        let descriptors = Dictionary(uniqueKeysWithValues: job.source.streams.map { ($0.name, $0) })
        if let unknown = streams.first(where: { descriptors[$0] == nil }) {
            throw UsageError(
                message: "--stream \(unknown): the job has no such stream (it has \(descriptors.keys.sorted().joined(separator: ", ")))",
                command: "state")
        }
        let store = try await job.openCheckpointStore(logger: logger)
        do {
            let states = try await store.load()
            for name in streams {
                guard let stream = descriptors[name] else { continue }
                let old = states[name]
                let identity = job.source.identity(of: stream)
                if let stored = old?.identity, case let differences = identity.differences(from: stored), !differences.isEmpty {
                    throw ChatExportError(
                        .invalidConfig,
                        "\(name): the stored state describes another source (\(differences.joined(separator: "; "))); reset it instead of setting it"
                    )
                }
                var state = StreamState(
                    checkpoint: try job.source.checkpoint(position: position, for: stream), sinkStates: old?.sinkStates ?? [:],
                    sequence: (old?.sequence ?? 0) + 1, records: old?.records ?? 0, identity: identity)
                state.updatedAt = .now
                try await store.save(state, for: name)
                let was =
                    old.flatMap { job.source.progress(of: $0.checkpoint, for: stream)?.completeThrough }.map {
                        " (was complete through \($0.iso8601()))"
                    } ?? ""
                logger.info("\(name): set to read from \(position.iso8601())\(was) in \(job.checkpointLocation)")
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        return 0
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
