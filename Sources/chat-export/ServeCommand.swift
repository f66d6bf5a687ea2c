import BuiltInComponents
import ChatExportService
import ConnectorKit
import ConnectorRuntime
import Foundation
import PostgresFleet
import PostgresSink
import ServiceHTTP

/// `chat-export serve JOB_OR_DIR... [--coordination postgresql://…] [--worker-id NAME]
/// [--lease-ttl 60s] [--once] [--metrics 127.0.0.1:PORT] [--max-concurrent N]`: keeps many jobs
/// current, in one process or as one worker of a fleet sharing the jobs through PostgreSQL (one
/// ``JobScheduler``, over an in-process or a PostgreSQL coordinator), sharing each vendor instance's rate limits
/// across jobs. SIGINT/SIGTERM stop every run at its last durable checkpoint and exit 0.
struct ServeCommand {
    var environment: [String: String]
    var logger: ExportLogger

    /// A job file, loaded and checked.
    struct JobFile {
        var name: String
        var file: String
        var config: JobConfig
    }

    func run(_ operands: [String], arguments: Arguments) async throws -> Int32 {
        let loader = JobConfigLoader(registry: BuiltIns.registry, environment: environment, logger: logger)
        if let pinned = environment[RunClock.variable], !pinned.isEmpty {
            logger.warning(
                "\(RunClock.variable)=\(pinned): every run plans at that instant, so jobs find nothing new after their first run")
        }
        let (loaded, invalid) = try load(try Self.jobFiles(operands), with: loader)
        if let coordination = try arguments.value("--coordination") {
            return try await runFleet(loaded, invalid: invalid, coordination: coordination, loader: loader, arguments: arguments)
        }
        for option in ["--worker-id", "--lease-ttl"] where try arguments.value(option) != nil {
            throw UsageError(message: "\(option) needs --coordination postgresql://…", command: "serve")
        }
        let jobs = loaded.map { job in
            let jobLogger = logger.with("job", job.name)
            return JobScheduler.Job(name: job.name, schedule: job.config.schedule, isTemporary: { Self.isTemporary($0) }) {
                // Loaded again for every run: fresh sources and sinks, and edits to the file apply.
                try await Self.runOnce(try loader.load(file: job.file), logger: jobLogger)
            }
        }
        let maxConcurrent = try Self.maxConcurrent(arguments)
        let metrics = ServiceMetrics(jobs: jobs.map(\.name))
        metrics.invalidJobFiles = invalid
        let server = try arguments.value("--metrics").map { try metricsServer($0, metrics: metrics) }
        defer { server?.stop() }
        let once = arguments.flags.contains("--once")
        logger.info(
            "serving \(jobs.count) \(jobs.count == 1 ? "job" : "jobs") (\(jobs.map { "\($0.name) \($0.schedule)" }.joined(separator: ", ")))"
                + (server.map { "; metrics on http://\($0.address)/metrics" } ?? ""))
        let scheduler = JobScheduler(jobs: jobs, maxConcurrent: maxConcurrent, metrics: metrics, once: once, logger: logger)
        return try await untilSignalled {
            try await scheduler.run()
            return jobs.allSatisfy { metrics[$0.name].lastSuccess != nil } && invalid.isEmpty ? 0 : 1
        }
    }

    /// Loads the job files found. A file found in a directory that is not a job (no `source`:
    /// a checkpoint, a connector definition, other JSON) is skipped; a job file that does not
    /// load is reported and skipped, so the others still run. None valid: exit 78.
    ///
    /// - Returns: The jobs, and the invalid files.
    func load(_ candidates: [(file: String, named: Bool)], with loader: JobConfigLoader) throws -> ([JobFile], [String]) {
        var loaded: [JobFile] = []
        var invalid: [String] = []
        var problems: [String] = []
        var names = Set<String>()
        for (file, named) in candidates {
            if !named, !Self.isJobFile(file) {
                logger.debug("\(file): not a job file (no \"source\"), skipped")
                continue
            }
            let config: JobConfig
            do {
                config = try loader.load(file: file)
            } catch {
                logger.error(
                    "\(file): invalid job file, skipped until it is fixed and serve restarted: \(error)",
                    ["event": "job_file_invalid", "file": .string(file)])
                invalid.append(file)
                problems.append("\(error)")
                continue
            }
            var name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            if names.contains(name) { name = file }
            names.insert(name)
            loaded.append(JobFile(name: name, file: file, config: config))
        }
        guard !loaded.isEmpty else {
            if let problem = problems.first { throw ChatExportError(.invalidConfig, "no valid job file: \(problem)") }
            throw UsageError(message: "no job files in \(candidates.map(\.file).joined(separator: ", "))", command: "serve")
        }
        return (loaded, invalid)
    }

    /// Whether a `*.json` found in a directory is a job file: not hidden, not a checkpoint
    /// (`*.checkpoint.json`), and an object with a `source` (or not JSON at all, so that it is
    /// reported rather than ignored).
    static func isJobFile(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        guard !name.hasPrefix("."), !name.hasSuffix(".checkpoint.json") else { return false }
        guard let data = FileManager.default.contents(atPath: path), let value = try? JSONValue.parse(data) else { return true }
        guard case .object = value else { return false }
        return value["source"] != nil
    }

    /// Runs `body` until it returns or SIGINT/SIGTERM arrives (then cancels it and returns 0).
    func untilSignalled(_ body: @escaping @Sendable () async throws -> Int32) async throws -> Int32 {
        switch await SignalWatcher.run(body) {
        case .signalled(let number):
            logger.warning("received \(SignalWatcher.name(number)); every run stopped at its last durable checkpoint")
            return 0
        case .finished(let result):
            return try result.get()
        }
    }

    static func maxConcurrent(_ arguments: Arguments) throws -> Int {
        try arguments.value("--max-concurrent").map { text -> Int in
            guard let value = Int(text), value > 0 else {
                throw UsageError(message: "--max-concurrent must be a positive whole number, got \"\(text)\"", command: "serve")
            }
            return value
        } ?? Flags.maxConcurrent.defaultInteger
    }

    /// One worker of a fleet sharing the jobs through the PostgreSQL database at `coordination`.
    func runFleet(_ loaded: [JobFile], invalid: [String], coordination: String, loader: JobConfigLoader, arguments: Arguments)
        async throws -> Int32
    {
        var issues: [ConfigIssue] = []
        let url = EnvironmentSubstitution.substitute(coordination, environment: environment, path: "--coordination", issues: &issues)
        if let issue = issues.first { throw UsageError(message: "--coordination: \(issue.message)", command: "serve") }
        let coordinator = try PostgresCoordinator(url: url, logger: logger)
        let worker = try arguments.value("--worker-id") ?? (ProcessInfo.processInfo.hostName + ":" + String(getpid()))
        guard !worker.isEmpty, worker.count <= 200, !worker.contains(where: \.isNewline) else {
            throw UsageError(message: "--worker-id: expected a name of 1 to 200 characters on one line", command: "serve")
        }
        let ttlText = try arguments.value("--lease-ttl") ?? Flags.leaseTTL.defaultString
        guard let ttl = Duration.parseSeconds(.string(ttlText)), ttl >= 1, ttl <= 86_400 else {
            throw UsageError(message: "--lease-ttl: expected a duration from 1s to 24h (60s, 2m), got \"\(ttlText)\"", command: "serve")
        }
        for job in loaded {
            if job.config.scheduleCron != nil {
                throw ChatExportError(
                    .invalidConfig,
                    "\(job.file): schedule.cron is not supported with serve --coordination yet (the fleet keeps schedules as intervals): use schedule.every"
                )
            }
            if let problem = job.config.fleetProblem {
                throw ChatExportError(.invalidConfig, "\(job.file): cannot be shared by the fleet: \(problem)")
            }
        }
        let jobs = loaded.map { job in
            let jobLogger = logger.with("job", job.name)
            return JobScheduler.Job(
                name: job.name, unit: job.config.vendorInstance, every: job.config.scheduleEvery,
                isTemporary: { Self.isTemporary($0) }
            ) { lease in
                try await Self.runOnce(try loader.load(file: job.file), lease: lease, logger: jobLogger)
            }
        }
        let metrics = ServiceMetrics(jobs: jobs.map(\.name), worker: worker)
        metrics.invalidJobFiles = invalid
        let server = try arguments.value("--metrics").map { try metricsServer($0, metrics: metrics) }
        defer { server?.stop() }
        let units = Set(jobs.map(\.unit)).count
        logger.info(
            "worker \(worker) serving \(jobs.count) jobs of \(units) vendor instances with the fleet at \(coordinator.location) "
                + "(leases live \(Int(ttl)) s)" + (server.map { "; metrics on http://\($0.address)/metrics" } ?? ""),
            ["event": "worker_started", "worker": .string(worker)])
        let scheduler = JobScheduler(
            jobs: jobs, coordinator: coordinator, worker: worker, leaseTimeToLive: .seconds(ttl),
            maxConcurrent: try Self.maxConcurrent(arguments),
            metrics: metrics, once: arguments.flags.contains("--once"), logger: logger)
        let status = try await untilSignalled { try await scheduler.run() && invalid.isEmpty ? 0 : 1 }
        await coordinator.close()
        return status
    }

    /// Whether a run's failure may pass by itself (exit status 75) rather than need a person.
    static func isTemporary(_ error: any Error) -> Bool {
        guard let error = error as? ChatExportError else { return !(error is ConfigError) }
        return error.code.exitStatus == 75
    }

    /// The config files named: files as given (`named`), and every `*.json` in a directory.
    static func jobFiles(_ operands: [String]) throws -> [(file: String, named: Bool)] {
        guard !operands.isEmpty else { throw UsageError(message: "missing JOB_OR_DIR", command: "serve") }
        var files: [(file: String, named: Bool)] = []
        for operand in operands {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: operand, isDirectory: &isDirectory) else {
                throw UsageError(message: "\(operand): no such job file or directory", command: "serve")
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: operand)) ?? []
                files += names.filter { $0.hasSuffix(".json") }.sorted().map { (operand + "/" + $0, false) }
            } else {
                files.append((operand, true))
            }
        }
        guard !files.isEmpty else {
            throw UsageError(message: "no job files (*.json) in \(operands.joined(separator: ", "))", command: "serve")
        }
        return files
    }

    /// One run of a job: its checkpoint store opened, locked (or under the fleet's `lease`) and
    /// closed around the runner, by a ``JobSession``.
    static func runOnce(_ job: JobConfig, lease: (any JobLease)? = nil, logger: ExportLogger) async throws -> RunSummary {
        var session = JobSession(job: job, checkpoints: lease.map(JobSession.Checkpoints.leased) ?? .job, logger: logger)
        session.now = try RunClock.current()
        return try await session.run()
    }

    /// `/metrics` (Prometheus text) and `/healthz` on `HOST:PORT`, by the service's own bounded
    /// server (its limits are in the README, "Limits of the metrics endpoint"): loopback
    /// (`127.0.0.1`, `localhost`), or any IPv4 address given explicitly (`0.0.0.0`: every
    /// interface, for a scraper in another container or host).
    func metricsServer(_ address: String, metrics: ServiceMetrics) throws -> ServiceHTTPServer {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        var ipv4 = in_addr()
        guard parts.count == 2, let port = UInt16(parts[1]),
            parts[0] == "localhost" || inet_pton(AF_INET, String(parts[0]), &ipv4) == 1
        else {
            throw UsageError(
                message:
                    "--metrics: expected HOST:PORT with an IPv4 address, 127.0.0.1:9464 (this machine) or 0.0.0.0:9464 (every interface), got \"\(address)\"",
                command: "serve")
        }
        let host = parts[0] == "localhost" ? "127.0.0.1" : String(parts[0])
        if !host.hasPrefix("127.") {
            logger.info(
                "--metrics \(host):\(port): /metrics and /healthz are reachable from other hosts, without authentication "
                    + "(they show job names, counts and times, never credentials); use 127.0.0.1 to keep them on this machine")
        }
        let routes: [String: ServiceHTTPServer.Route] = [
            "/metrics": { .init(contentType: "text/plain; version=0.0.4", body: Array(metrics.prometheusText().utf8)) },
            "/healthz": { .init(body: Array("ok\n".utf8)) },
        ]
        do {
            return try ServiceHTTPServer(host: host, port: port, routes: routes) { [logger] in logger.warning("--metrics \($0)") }
        } catch {
            throw ChatExportError(.temporaryFailure, "--metrics: \(error)")
        }
    }
}
