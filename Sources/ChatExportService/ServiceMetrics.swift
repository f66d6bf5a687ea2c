import ConnectorKit
public import ConnectorRuntime
public import Foundation

/// What a service's jobs have done, for `/metrics` (Prometheus text exposition) and logs.
public final class ServiceMetrics: @unchecked Sendable {
    /// One job's counters.
    public struct JobMetrics: Sendable, Hashable {
        /// Runs started.
        public var runs = 0
        /// Runs that failed.
        public var failures = 0
        /// Records exported over all runs.
        public var records = 0
        /// HTTP requests over all runs.
        public var requests = 0
        /// Throttled (429) answers over all runs.
        public var throttled = 0
        /// When the last successful run finished (Unix seconds).
        public var lastSuccess: Double?
        /// How long the last finished run took.
        public var lastDuration: Duration?
        /// Whether a run is in progress.
        public var running = false
        /// The record time every stream is complete through after the last successful run
        /// (Unix seconds), when the source keeps one.
        public var completeThrough: Double?
    }

    private let lock = NSLock()
    private var held = 0
    private var fleetSuccesses: [String: Double] = [:]
    private var jobs: [String: JobMetrics] = [:]
    /// The worker's name in a fleet (labels `chat_export_worker_leases_held`), or nil.
    public let worker: String?

    /// When each job last succeeded anywhere in the fleet (Unix seconds), as the coordination
    /// store last said: the same on every worker, whichever ran the job.
    public var fleetLastSuccess: [String: Double] {
        get { lock.withLock { fleetSuccesses } }
        set { lock.withLock { fleetSuccesses = newValue } }
    }

    /// Leases this worker holds (in a fleet).
    public var leasesHeld: Int {
        get { lock.withLock { held } }
        set { lock.withLock { held = newValue } }
    }
    private var order: [String] = []
    private var invalid: [String] = []

    /// Job files that did not load and are not served (`chat_export_job_file_invalid`).
    public var invalidJobFiles: [String] {
        get { lock.withLock { invalid } }
        set { lock.withLock { invalid = newValue } }
    }

    /// Creates empty metrics for `jobs`.
    ///
    /// - Parameters:
    ///   - jobs: The job names, in display order.
    ///   - worker: The worker's name in a fleet.
    public init(jobs names: [String], worker: String? = nil) {
        self.worker = worker
        order = names
        for name in names { jobs[name] = JobMetrics() }
    }

    /// A job's counters.
    ///
    /// - Parameter job: The job's name.
    /// - Returns: Its counters.
    public subscript(job: String) -> JobMetrics { lock.withLock { jobs[job] ?? JobMetrics() } }

    /// Records that a run started.
    public func started(_ job: String) {
        lock.withLock {
            jobs[job, default: JobMetrics()].runs += 1
            jobs[job, default: JobMetrics()].running = true
        }
    }

    /// Records a run's end: its summary, or its failure.
    ///
    /// - Parameters:
    ///   - job: The job's name.
    ///   - summary: What it did, nil when it failed.
    ///   - duration: How long it took.
    ///   - finishedAt: When it ended (Unix seconds).
    ///   - completeThrough: The record time every stream is complete through (Unix seconds), if known.
    public func finished(
        _ job: String, summary: RunSummary?, duration: Duration, finishedAt: Double = Date().timeIntervalSince1970,
        completeThrough: Double? = nil
    ) {
        lock.withLock {
            var metrics = jobs[job, default: JobMetrics()]
            metrics.running = false
            metrics.lastDuration = duration
            if let summary {
                metrics.records += summary.totalRecords
                metrics.requests += summary.counters.first { $0.name == "requests" }?.value ?? 0
                metrics.throttled += summary.counters.first { $0.name == "throttled" }?.value ?? 0
                metrics.lastSuccess = finishedAt
                if let completeThrough { metrics.completeThrough = completeThrough }
            } else {
                metrics.failures += 1
            }
            jobs[job] = metrics
        }
    }

    /// The Prometheus text exposition format (version 0.0.4).
    ///
    /// - Parameter now: The current Unix time (for `seconds_since_success`).
    /// - Returns: The text.
    public func prometheusText(now: Double = Date().timeIntervalSince1970) -> String {
        let snapshot = lock.withLock { order.map { ($0, jobs[$0] ?? JobMetrics()) } }
        let families: [(name: String, type: String, help: String, value: (JobMetrics) -> Double?)] = [
            ("chat_export_job_runs_total", "counter", "Runs started.", { Double($0.runs) }),
            ("chat_export_job_failures_total", "counter", "Runs that failed.", { Double($0.failures) }),
            ("chat_export_job_records_total", "counter", "Records exported.", { Double($0.records) }),
            ("chat_export_job_requests_total", "counter", "HTTP requests to the vendor.", { Double($0.requests) }),
            ("chat_export_job_throttled_total", "counter", "Answers throttled by the vendor (429).", { Double($0.throttled) }),
            ("chat_export_job_running", "gauge", "1 while a run is in progress.", { $0.running ? 1 : 0 }),
            ("chat_export_job_last_success_timestamp_seconds", "gauge", "When the last successful run ended.", { $0.lastSuccess }),
            (
                "chat_export_job_seconds_since_success", "gauge", "Seconds since the last successful run ended.",
                { $0.lastSuccess.map { now - $0 } }
            ),
            ("chat_export_job_last_run_duration_seconds", "gauge", "How long the last finished run took.", { $0.lastDuration?.inSeconds }),
            (
                "chat_export_job_seconds_behind", "gauge", "How far behind now the exported data is complete (all streams).",
                { $0.completeThrough.map { now - $0 } }
            ),
        ]
        var lines: [String] = []
        for family in families {
            lines.append("# HELP \(family.name) \(family.help)")
            lines.append("# TYPE \(family.name) \(family.type)")
            for (name, metrics) in snapshot {
                guard let value = family.value(metrics) else { continue }
                let label = Self.escape(name)
                lines.append(
                    "\(family.name){job=\"\(label)\"} \(value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value))"
                )
            }
        }
        let invalidFiles = invalidJobFiles
        if !invalidFiles.isEmpty {
            lines.append("# HELP chat_export_job_file_invalid 1 for a job file that did not load and is not served.")
            lines.append("# TYPE chat_export_job_file_invalid gauge")
            for file in invalidFiles { lines.append("chat_export_job_file_invalid{file=\"\(Self.escape(file))\"} 1") }
        }
        if let worker {
            lines.append("# HELP chat_export_worker_leases_held Vendor instances this worker holds the lease of.")
            lines.append("# TYPE chat_export_worker_leases_held gauge")
            lines.append("chat_export_worker_leases_held{worker=\"\(Self.escape(worker))\"} \(leasesHeld)")
            let fleet = fleetLastSuccess
            for (name, help, value) in [
                (
                    "chat_export_fleet_job_last_success_timestamp_seconds", "When the job's last successful run ended, on any worker.",
                    { (time: Double) in time }
                ),
                (
                    "chat_export_fleet_job_seconds_since_success", "Seconds since the job's last successful run ended, on any worker.",
                    { now - $0 }
                ),
            ] {
                lines.append("# HELP \(name) \(help)")
                lines.append("# TYPE \(name) gauge")
                for job in order {
                    guard let time = fleet[job] else { continue }
                    lines.append("\(name){job=\"\(Self.escape(job))\"} \(String(format: "%.3f", value(time)))")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ label: String) -> String {
        label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
