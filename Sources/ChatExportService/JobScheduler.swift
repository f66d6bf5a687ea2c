import ConnectorKit
import ConnectorRuntime

/// Keeps many jobs current: runs each on its schedule, never two runs of one job at once and at
/// most ``maxConcurrent`` runs at a time; a due job starts as soon as a slot is free. Cancelling
/// the task that called ``run()`` cancels the runs in flight (each stops at its last durable
/// checkpoint) and returns. Waiting costs no CPU: the scheduler sleeps on its clock until the
/// next job is due or a run ends.
public struct JobScheduler: Sendable {
    /// A scheduled job.
    public struct Job: Sendable {
        /// A name for logs and metrics.
        public var name: String
        /// When the job runs.
        public var schedule: JobSchedule
        /// Seconds between the starts of two runs (for a cron schedule, an hour: only the
        /// longest wait before retrying a failed run uses it, and the next cron time comes first).
        /// One run.
        public var run: @Sendable () async throws -> RunSummary
        /// Whether a failure may pass by itself (a vendor outage) rather than need a person (a
        /// rejected credential); with ``JobScheduler/once`` the latter ends the job's turn.
        public var isTemporary: @Sendable (any Error) -> Bool

        /// Creates a job.
        ///
        /// - Parameters:
        ///   - name: Its name.
        ///   - every: Seconds between runs.
        ///   - isTemporary: Whether a failure may pass by itself.
        ///   - run: One run.
        public init(
            name: String, every: Double, isTemporary: @escaping @Sendable (any Error) -> Bool = { _ in true },
            run: @escaping @Sendable () async throws -> RunSummary
        ) {
            self.init(name: name, schedule: .every(every), isTemporary: isTemporary, run: run)
        }

        /// Creates a job on a schedule.
        ///
        /// - Parameters:
        ///   - name: Its name.
        ///   - schedule: When it runs.
        ///   - isTemporary: Whether a failure may pass by itself.
        ///   - run: One run.
        public init(
            name: String, schedule: JobSchedule, isTemporary: @escaping @Sendable (any Error) -> Bool = { _ in true },
            run: @escaping @Sendable () async throws -> RunSummary
        ) {
            self.name = name
            self.schedule = schedule
            self.isTemporary = isTemporary
            self.run = run
        }

        /// Seconds between the starts of two runs of an `every` schedule.
        public var every: Double {
            if case .every(let seconds) = schedule { return seconds }
            return 3600
        }
    }

    /// The jobs.
    public var jobs: [Job]
    /// Runs at a time.
    public var maxConcurrent: Int
    /// The clock schedules are kept on (tests inject a manual one).
    public var clock: SchedulingClock
    /// Where runs are counted.
    public var metrics: ServiceMetrics
    /// Return once every job has completed a successful run that started after ``run()`` began
    /// (or failed in a way that is not temporary).
    public var once: Bool
    /// Where starts, ends and failures are logged.
    public var logger: ExportLogger
    /// The wall clock cron schedules are read against (UTC); tests pin it.
    public var wallClock: @Sendable () -> Timestamp = { .now }

    /// Creates a scheduler.
    public init(
        jobs: [Job], maxConcurrent: Int = 4, clock: SchedulingClock = .continuous, metrics: ServiceMetrics? = nil, once: Bool = false,
        logger: ExportLogger
    ) {
        self.jobs = jobs
        self.maxConcurrent = max(1, maxConcurrent)
        self.clock = clock
        self.metrics = metrics ?? ServiceMetrics(jobs: jobs.map(\.name))
        self.once = once
        self.logger = logger
    }

    /// The wait after a failed run before the next attempt: doubling from 60 s, never longer than
    /// the job's own schedule.
    package static func retryDelay(failures: Int, every: Double) -> Double { min(every, 60 * Double(1 << min(failures - 1, 10))) }

    private enum Event: Sendable {
        case finished(Int, any Error & Sendable, temporary: Bool, Double)
        case succeeded(Int, RunSummary, Double)
        case woke
    }

    /// Runs the jobs until cancelled (or, with ``once``, until each has succeeded once).
    public func run() async {
        // The cron time each job last ran for: the next is after it, even when a run ends before
        // the wall clock passes it (a sleep may wake a little early).
        var fired = [Timestamp?](repeating: nil, count: jobs.count)
        /// Seconds from now to a cron job's next time (nil for `every`), remembered as fired when `firing`.
        func untilNextCron(_ index: Int, firing: Bool) -> Double? {
            guard case .cron(let cron) = jobs[index].schedule else { return nil }
            let wall = wallClock()
            let next = cron.next(after: max(wall, fired[index] ?? wall)) ?? wall.adding(seconds: 366 * 86_400)
            if firing { fired[index] = next }
            return max(0, Double(next.microseconds - wall.microseconds) / 1e6)
        }
        let start = clock.now
        // `every` runs at once; cron at its first time (with `once`, every job runs at once).
        var due = jobs.indices.map { once ? start : start + (untilNextCron($0, firing: true) ?? 0) }
        var running = Set<Int>()
        var succeeded = Set<Int>()
        var gaveUp = Set<Int>()
        var failures = [Int](repeating: 0, count: jobs.count)
        var wakeAt: Double?
        await withTaskGroup(of: Event.self) { group in
            while !Task.isCancelled {
                if once, succeeded.count + gaveUp.count == jobs.count { break }
                let now = clock.now
                let ready = jobs.indices.filter {
                    due[$0] <= now && !running.contains($0) && !(once && (succeeded.contains($0) || gaveUp.contains($0)))
                }
                .sorted { due[$0] < due[$1] }
                for index in ready where running.count < maxConcurrent {
                    running.insert(index)
                    let job = jobs[index]
                    metrics.started(job.name)
                    logger.info("\(job.name): run started", ["job": .string(job.name), "event": "run_started"])
                    let started = clock.now
                    group.addTask {
                        do {
                            let summary = try await job.run()
                            return .succeeded(index, summary, clock.now - started)
                        } catch {
                            return .finished(
                                index, ServiceRunError(description: "\(error)"), temporary: job.isTemporary(error), clock.now - started)
                        }
                    }
                }
                // Sleep until the next idle job is due, unless a wake-up at or before it is pending.
                let idle = jobs.indices.filter { !running.contains($0) && !(once && (succeeded.contains($0) || gaveUp.contains($0))) }
                if let next = idle.map({ due[$0] }).min(), running.count < maxConcurrent, wakeAt.map({ next < $0 }) ?? true {
                    wakeAt = next
                    group.addTask {
                        try? await clock.sleep(until: next)
                        return .woke
                    }
                }
                guard let event = await group.next() else { break }
                switch event {
                case .woke:
                    if let wake = wakeAt, wake <= clock.now { wakeAt = nil }
                case .succeeded(let index, let summary, let seconds):
                    running.remove(index)
                    failures[index] = 0
                    succeeded.insert(index)
                    metrics.succeeded(jobs[index].name, summary, seconds: seconds, logger: logger)
                    let now = clock.now
                    due[index] = untilNextCron(index, firing: true).map { now + $0 } ?? max(now, due[index] + jobs[index].every)
                case .finished(let index, let error, let temporary, let seconds):
                    running.remove(index)
                    metrics.finished(jobs[index].name, summary: nil, seconds: seconds)
                    if Task.isCancelled { break }
                    if once, !temporary {
                        gaveUp.insert(index)
                        metrics.failed(jobs[index].name, "\(error); needs a person: not tried again by this --once run", logger: logger)
                        break
                    }
                    failures[index] += 1
                    // Never later than the schedule's next run.
                    let delay = Self.retryDelay(
                        failures: failures[index], every: max(1, untilNextCron(index, firing: false) ?? jobs[index].every))
                    due[index] = clock.now + delay
                    metrics.failed(
                        jobs[index].name,
                        "\(error); " + (temporary ? "temporary: " : "needs a person, meanwhile ") + "trying again in \(Int(delay)) s",
                        logger: logger)
                }
            }
            group.cancelAll()
            while let event = await group.next() {
                switch event {
                case .succeeded(let index, let summary, let seconds): metrics.finished(jobs[index].name, summary: summary, seconds: seconds)
                case .finished(let index, _, _, let seconds): metrics.finished(jobs[index].name, summary: nil, seconds: seconds)
                case .woke: break
                }
            }
        }
    }
}
