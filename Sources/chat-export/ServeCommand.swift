import ConnectorRuntime
import Foundation
import VendorSandbox

/// `chat-export serve JOB_OR_DIR... [--once] [--metrics 127.0.0.1:PORT] [--max-concurrent N]`:
/// keeps many jobs current in one process (see ``JobScheduler``), sharing each vendor
/// instance's rate limits across jobs. SIGINT/SIGTERM stop every run at its last durable
/// checkpoint and exit 0.
struct ServeCommand {
    var environment: [String: String]
    var logger: ExportLogger

    static let options: Set<String> = ["--metrics", "--max-concurrent"]
    static let flags: Set<String> = ["--once"]

    func run(_ operands: [String], arguments: Arguments) async throws -> Int32 {
        let files = try Self.jobFiles(operands)
        let loader = JobConfigLoader(registry: BuiltIns.registry, environment: environment, logger: logger)
        var jobs: [JobScheduler.Job] = []
        var names = Set<String>()
        for file in files {
            // Checked now, so a broken config stops the service before it starts (exit 78).
            let config = try loader.load(file: file)
            var name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            if names.contains(name) { name = file }
            names.insert(name)
            let jobLogger = logger.with("job", name)
            jobs.append(
                JobScheduler.Job(name: name, every: config.scheduleEvery, isTemporary: { Self.isTemporary($0) }) {
                    // Loaded again for every run: fresh sources and sinks, and edits to the file apply.
                    try await Self.runOnce(try loader.load(file: file), logger: jobLogger)
                })
        }
        let maxConcurrent = try arguments.value("--max-concurrent").map { text -> Int in
            guard let value = Int(text), value > 0 else {
                throw UsageError(message: "--max-concurrent must be a positive whole number, got \"\(text)\"", command: "serve")
            }
            return value
        }
        let metrics = ServiceMetrics(jobs: jobs.map(\.name))
        let server = try arguments.value("--metrics").map { try Self.metricsServer($0, metrics: metrics) }
        defer { server?.stop() }
        let once = arguments.flags.contains("--once")
        logger.info(
            "serving \(jobs.count) jobs (\(jobs.map { "\($0.name) every \(Int($0.every)) s" }.joined(separator: ", ")))"
                + (server.map { "; metrics on http://127.0.0.1:\($0.port)/metrics" } ?? ""))
        let scheduler = JobScheduler(jobs: jobs, maxConcurrent: maxConcurrent ?? 4, metrics: metrics, once: once, logger: logger)
        let signalled = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                await scheduler.run()
                return nil
            }
            group.addTask { await SignalWatcher.next() }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let signalled {
            logger.warning("received \(signalled == SIGINT ? "SIGINT" : "SIGTERM"); every run stopped at its last durable checkpoint")
            return 0
        }
        let failed = jobs.filter { metrics[$0.name].lastSuccess == nil }.map(\.name)
        return failed.isEmpty ? 0 : 1
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

    /// One run of a job: its checkpoint store opened, locked and closed around the runner.
    static func runOnce(_ job: JobConfig, logger: ExportLogger) async throws -> RunSummary {
        let store = try await job.openCheckpointStore(logger: logger)
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
