import ConnectorRuntime
import Foundation
import PostgresSink
import VendorSandbox

/// `chat-export serve JOB_OR_DIR... [--coordination postgresql://…] [--worker-id NAME]
/// [--lease-ttl 60s] [--once] [--metrics 127.0.0.1:PORT] [--max-concurrent N]`: keeps many jobs
/// current, in one process (see ``JobScheduler``) or as one worker of a fleet sharing the jobs
/// through PostgreSQL (see ``FleetScheduler``), sharing each vendor instance's rate limits
/// across jobs. SIGINT/SIGTERM stop every run at its last durable checkpoint and exit 0.
struct ServeCommand {
    var environment: [String: String]
    var logger: ExportLogger

    static let options: Set<String> = ["--metrics", "--max-concurrent", "--coordination", "--worker-id", "--lease-ttl"]
    static let flags: Set<String> = ["--once"]

    /// A job file, loaded and checked.
    struct JobFile {
        var name: String
        var file: String
        var config: JobConfig
    }

    func run(_ operands: [String], arguments: Arguments) async throws -> Int32 {
        let files = try Self.jobFiles(operands)
        let loader = JobConfigLoader(registry: BuiltIns.registry, environment: environment, logger: logger)
        var loaded: [JobFile] = []
        var names = Set<String>()
        for file in files {
            // Checked now, so a broken config stops the service before it starts (exit 78).
            let config = try loader.load(file: file)
            var name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            if names.contains(name) { name = file }
            names.insert(name)
            loaded.append(JobFile(name: name, file: file, config: config))
        }
        if let coordination = try arguments.value("--coordination") {
            return try await runFleet(loaded, coordination: coordination, loader: loader, arguments: arguments)
        }
        for option in ["--worker-id", "--lease-ttl"] where try arguments.value(option) != nil {
            throw UsageError(message: "\(option) needs --coordination postgresql://…", command: "serve")
        }
        let jobs = loaded.map { job in
            let jobLogger = logger.with("job", job.name)
            return JobScheduler.Job(name: job.name, every: job.config.scheduleEvery, isTemporary: { Self.isTemporary($0) }) {
                // Loaded again for every run: fresh sources and sinks, and edits to the file apply.
                try await Self.runOnce(try loader.load(file: job.file), logger: jobLogger)
            }
        }
        let maxConcurrent = try Self.maxConcurrent(arguments)
        let metrics = ServiceMetrics(jobs: jobs.map(\.name))
        let server = try arguments.value("--metrics").map { try Self.metricsServer($0, metrics: metrics) }
        defer { server?.stop() }
        let once = arguments.flags.contains("--once")
        logger.info(
            "serving \(jobs.count) jobs (\(jobs.map { "\($0.name) every \(Int($0.every)) s" }.joined(separator: ", ")))"
                + (server.map { "; metrics on http://127.0.0.1:\($0.port)/metrics" } ?? ""))
        let scheduler = JobScheduler(jobs: jobs, maxConcurrent: maxConcurrent, metrics: metrics, once: once, logger: logger)
        return try await untilSignalled {
            await scheduler.run()
            return jobs.allSatisfy { metrics[$0.name].lastSuccess != nil } ? 0 : 1
        }
    }

    /// Runs `body` until it returns or SIGINT/SIGTERM arrives (then cancels it and returns 0).
    func untilSignalled(_ body: @escaping @Sendable () async throws -> Int32) async throws -> Int32 {
        let first = try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask { try await body() }
            group.addTask { await SignalWatcher.next().map { -$0 } }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let first, first < 0 else { return first ?? 0 }
        logger.warning("received \(-first == SIGINT ? "SIGINT" : "SIGTERM"); every run stopped at its last durable checkpoint")
        return 0
    }

    static func maxConcurrent(_ arguments: Arguments) throws -> Int {
        try arguments.value("--max-concurrent").map { text -> Int in
            guard let value = Int(text), value > 0 else {
                throw UsageError(message: "--max-concurrent must be a positive whole number, got \"\(text)\"", command: "serve")
            }
            return value
        } ?? 4
    }

    /// One worker of a fleet sharing the jobs through the PostgreSQL database at `coordination`.
    func runFleet(_ loaded: [JobFile], coordination: String, loader: JobConfigLoader, arguments: Arguments) async throws -> Int32 {
        var issues: [ConfigIssue] = []
        let url = EnvironmentSubstitution.substitute(coordination, environment: environment, path: "--coordination", issues: &issues)
        if let issue = issues.first { throw UsageError(message: "--coordination: \(issue.message)", command: "serve") }
        let coordinator = try PostgresCoordinator(url: url, logger: logger)
        let worker = try arguments.value("--worker-id") ?? (ProcessInfo.processInfo.hostName + ":" + String(getpid()))
        guard !worker.isEmpty, worker.count <= 200, !worker.contains(where: \.isNewline) else {
            throw UsageError(message: "--worker-id: expected a name of 1 to 200 characters on one line", command: "serve")
        }
        let ttlText = try arguments.value("--lease-ttl") ?? "60s"
        guard let ttl = Duration.parseSeconds(.string(ttlText)), ttl >= 1, ttl <= 86_400 else {
            throw UsageError(message: "--lease-ttl: expected a duration from 1s to 24h (60s, 2m), got \"\(ttlText)\"", command: "serve")
        }
        for job in loaded {
            if let problem = job.config.fleetProblem {
                throw ChatExportError(.invalidConfig, "\(job.file): cannot be shared by the fleet: \(problem)")
            }
        }
        let jobs = loaded.map { job in
            let jobLogger = logger.with("job", job.name)
            return FleetScheduler.Job(
                name: job.name, unit: job.config.vendorInstance, every: job.config.scheduleEvery, isTemporary: { Self.isTemporary($0) }
            ) { lease in
                try await Self.runOnce(try loader.load(file: job.file), lease: lease, logger: jobLogger)
            }
        }
        let metrics = ServiceMetrics(jobs: jobs.map(\.name), worker: worker)
        let server = try arguments.value("--metrics").map { try Self.metricsServer($0, metrics: metrics) }
        defer { server?.stop() }
        let units = Set(jobs.map(\.unit)).count
        logger.info(
            "worker \(worker) serving \(jobs.count) jobs of \(units) vendor instances with the fleet at \(coordinator.location) "
                + "(leases live \(Int(ttl)) s)" + (server.map { "; metrics on http://127.0.0.1:\($0.port)/metrics" } ?? ""),
            ["event": "worker_started", "worker": .string(worker)])
        let scheduler = FleetScheduler(
            jobs: jobs, coordinator: coordinator, worker: worker, leaseTimeToLive: ttl, maxConcurrent: try Self.maxConcurrent(arguments),
            metrics: metrics, once: arguments.flags.contains("--once"), logger: logger)
        let status = try await untilSignalled { try await scheduler.run() ? 0 : 1 }
        await coordinator.close()
        return status
    }

    /// Whether a run's failure may pass by itself (exit status 75) rather than need a person.
    static func isTemporary(_ error: any Error) -> Bool {
        guard let error = error as? ChatExportError else { return !(error is ConfigError) }
        return error.code.exitStatus == 75
    }

    /// The config files named: files as given, and every `*.json` in a directory.
    static func jobFiles(_ operands: [String]) throws -> [String] {
        guard !operands.isEmpty else { throw UsageError(message: "missing JOB_OR_DIR", command: "serve") }
        var files: [String] = []
        for operand in operands {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: operand, isDirectory: &isDirectory) else {
                throw UsageError(message: "\(operand): no such job file or directory", command: "serve")
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: operand)) ?? []
                files += names.filter { $0.hasSuffix(".json") }.sorted().map { operand + "/" + $0 }
            } else {
                files.append(operand)
            }
        }
        guard !files.isEmpty else {
            throw UsageError(message: "no job files (*.json) in \(operands.joined(separator: ", "))", command: "serve")
        }
        return files
    }

    /// One run of a job: its checkpoint store opened, locked (or under the fleet's `lease`) and
    /// closed around the runner.
    static func runOnce(_ job: JobConfig, lease: (any JobLease)? = nil, logger: ExportLogger) async throws -> RunSummary {
        let store = try await job.openCheckpointStore(under: lease, logger: logger)
        do {
            var summary = try await JobRunner(source: job.source, sinks: job.sinks, checkpoints: store, logger: logger).run()
            // How far the data is complete: the least `done_through` over the job's streams.
            let states = (try? await store.load()) ?? [:]
            let throughs = job.source.streams.map { states[$0.name].flatMap { Commands.readThrough($0.checkpoint.state) } }
            if !throughs.isEmpty, throughs.allSatisfy({ $0 != nil }) { summary.completeThrough = throughs.compactMap { $0 }.min() }
            await store.close()
            return summary
        } catch {
            await store.close()
            throw error
        }
    }

    /// `/metrics` (Prometheus text) and `/healthz` on a loopback port.
    static func metricsServer(_ address: String, metrics: ServiceMetrics) throws -> SandboxServer {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, ["127.0.0.1", "localhost"].contains(String(parts[0])), let port = UInt16(parts[1]) else {
            throw UsageError(
                message: "--metrics: expected 127.0.0.1:PORT (metrics are served on loopback only), got \"\(address)\"", command: "serve")
        }
        do {
            return try SandboxServer(port: port) { request in
                switch request.path {
                case "/metrics":
                    return .init(
                        status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")], body: Array(metrics.prometheusText().utf8))
                case "/healthz": return .init(status: 200, headers: [("Content-Type", "text/plain")], body: Array("ok\n".utf8))
                default: return .init(status: 404, body: Array("not found\n".utf8))
                }
            }
        } catch {
            throw ChatExportError(.temporaryFailure, "--metrics: cannot listen on 127.0.0.1:\(port): \(error)")
        }
    }
}
