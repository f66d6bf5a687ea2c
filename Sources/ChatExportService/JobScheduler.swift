public import ConnectorKit
import ConnectorRuntime
import Foundation

/// Keeps many jobs current: runs each when its ``JobCoordinator`` says it is due, never two runs of
/// one job at once and at most ``maxConcurrent`` runs at a time.
///
/// A lone service (`chat-export serve`) keeps its schedules in an ``InProcessCoordinator``: a due
/// job starts as soon as a slot is free, and waiting costs no CPU (the scheduler sleeps on its
/// clock until the next job is due or a run ends). A fleet (`serve --coordination`) shares its
/// jobs through a store any number of workers on any machines reach (`PostgresCoordinator`): a
/// worker claims the lease of a vendor instance (every job of it) that has a due job, renews it
/// every third of its time to live while it runs the instance's due jobs, and gives it up when
/// none is left. A worker that dies stops renewing; once the lease expires another worker claims
/// it, with a higher fence, and resumes the jobs from their checkpoints. A run under a lease the
/// worker learns it lost is cancelled, and its checkpoint store refuses every commit once the
/// lease is no longer its own, so a paused worker that wakes up stores nothing.
///
/// Cancelling the task that called ``run()`` cancels the runs in flight (each stops at its last
/// durable checkpoint) and returns.
public struct JobScheduler: Sendable {
    /// The jobs.
    public var jobs: [Job]
    /// Where the jobs' schedules are kept and their units claimed: nil for an
    /// ``InProcessCoordinator`` made by ``run()`` (a lone service).
    public var coordinator: (any JobCoordinator)?
    /// This worker's name in a fleet (unique in it), or nil for a lone service.
    public var worker: String?
    /// How long a fleet lease lives without a renewal.
    public var leaseTimeToLive: Duration
    /// Runs (and, in a fleet, leases) at a time.
    public var maxConcurrent: Int
    /// The clock schedules and renewals are kept on (tests inject a manual one).
    public var clock: SchedulingClock
    /// Where runs (and leases) are counted.
    public var metrics: ServiceMetrics
    /// Return once every job has completed a successful run that started (in a fleet: finished)
    /// after ``run()`` began, whichever worker ran it, or failed in a way that is not temporary.
    public var once: Bool
    /// Where starts, ends, failures and leases are logged.
    public var logger: ExportLogger
    /// The wall clock cron schedules are read against (UTC); tests pin it.
    public var wallClock: @Sendable () -> Timestamp = { .now }

    /// Creates the scheduler of a lone service.
    ///
    /// - Parameters:
    ///   - jobs: The jobs.
    ///   - maxConcurrent: Runs at a time.
    ///   - clock: The clock.
    ///   - metrics: Where runs are counted.
    ///   - once: Return once every job has succeeded once.
    ///   - logger: Where to log.
    public init(
        jobs: [Job], maxConcurrent: Int = 4, clock: SchedulingClock = .continuous, metrics: ServiceMetrics? = nil, once: Bool = false,
        logger: ExportLogger
    ) {
        self.jobs = jobs
        self.leaseTimeToLive = .seconds(60)
        self.maxConcurrent = max(1, maxConcurrent)
        self.clock = clock
        self.metrics = metrics ?? ServiceMetrics(jobs: jobs.map(\.name))
        self.once = once
        self.logger = logger
    }

    /// Creates one worker of a fleet.
    ///
    /// - Parameters:
    ///   - jobs: The jobs.
    ///   - coordinator: Where the fleet shares them.
    ///   - worker: This worker's name.
    ///   - leaseTimeToLive: How long a lease lives without a renewal.
    ///   - maxConcurrent: Runs at a time.
    ///   - clock: The clock.
    ///   - metrics: Where runs are counted.
    ///   - once: Return once every job has succeeded once.
    ///   - logger: Where to log.
    public init(
        jobs: [Job], coordinator: any JobCoordinator, worker: String, leaseTimeToLive: Duration = .seconds(60), maxConcurrent: Int = 4,
        clock: SchedulingClock = .continuous, metrics: ServiceMetrics? = nil, once: Bool = false, logger: ExportLogger
    ) {
        self.init(jobs: jobs, maxConcurrent: maxConcurrent, clock: clock, metrics: metrics, once: once, logger: logger)
        self.coordinator = coordinator
        self.worker = worker
        self.leaseTimeToLive = leaseTimeToLive
    }

    /// The wait after a failed run before the next attempt: doubling from 60 s, never longer than
    /// the job's own schedule.
    package static func retryDelay(failures: Int, every: Double) -> Double { min(every, 60 * Double(1 << min(failures - 1, 10))) }

    private enum Event: Sendable {
        case ended(Int, fence: Int64, RunSummary?, ServiceRunError?, temporary: Bool, seconds: Double)
        case woke
    }

    /// Units whose lease this worker lost; their runs cancel themselves.
    private final class LostUnits: @unchecked Sendable {
        private let lock = NSLock()
        private var units = Set<String>()
        func insert(_ unit: String) { lock.withLock { _ = units.insert(unit) } }
        func remove(_ unit: String) { lock.withLock { _ = units.remove(unit) } }
        func contains(_ unit: String) -> Bool { lock.withLock { units.contains(unit) } }
    }

    /// Runs the jobs until cancelled or, with ``once``, until every job is done.
    ///
    /// - Returns: With ``once``: whether every job succeeded (false when one needs a person).
    /// - Throws: ``ChatExportError`` when a fleet's coordination store cannot be reached at the start.
    @discardableResult
    public func run() async throws -> Bool {
        let coordinator =
            self.coordinator
            ?? InProcessCoordinator(
                schedules: Dictionary(jobs.map { ($0.name, $0.schedule) }) { first, _ in first }, clock: clock, wallClock: wallClock,
                once: once)
        let started = try await coordinator.register(jobs.map { FleetJob(name: $0.name, unit: $0.unit, every: $0.every) })
        let expiring = coordinator.leasesExpire
        let tick = max(.milliseconds(20), leaseTimeToLive / 3)
        let lost = LostUnits()
        let names = jobs.map(\.name)
        var leases: [String: any JobLease] = [:]
        var running = Set<Int>()
        var failures = [Int](repeating: 0, count: jobs.count)
        var allSucceeded = true
        var wakeAt: Double?
        await withTaskGroup(of: Event.self) { group in
            while !Task.isCancelled {
                // Keep the leases alive; a lost one cancels its runs.
                for (unit, lease) in leases where expiring {
                    do {
                        if try await coordinator.renew(lease) { continue }
                        lost.insert(unit)
                        leases[unit] = nil
                        logger.error(
                            "lost the lease on \(unit) (fence \(lease.fence)): it expired or another worker took it over; its runs stop",
                            [
                                "event": "lease_lost", "unit": .string(unit), "worker": .string(worker ?? ""),
                                "fence": .int(Int(lease.fence)),
                            ])
                    } catch {
                        logger.warning(
                            "cannot renew the lease on \(unit): \(error)", ["event": "lease_renewal_failed", "unit": .string(unit)])
                    }
                }
                var status: FleetStatus?
                do {
                    status = try await coordinator.status(of: names, since: once ? started : nil)
                } catch {
                    logger.warning("cannot read the fleet's job status: \(error)", ["event": "coordination_failed"])
                }
                if let status {
                    if worker != nil { metrics.fleetLastSuccess = status.lastSuccess }
                    if once, running.isEmpty, Set(names).isSubset(of: status.succeeded.union(status.gaveUp)) {
                        allSucceeded = status.gaveUp.intersection(names).isEmpty
                        break
                    }
                    // The longest-waiting first (in job order when the coordinator does not say).
                    let wanted = jobs.indices.filter { status.due.contains(jobs[$0].name) && !running.contains($0) }
                        .sorted { (status.dueAt[jobs[$0].name] ?? 0, $0) < (status.dueAt[jobs[$1].name] ?? 0, $1) }
                    // Give up the leases of instances with nothing left to do.
                    for (unit, lease) in leases where !running.union(wanted).contains(where: { jobs[$0].unit == unit }) {
                        await coordinator.release(lease)
                        leases[unit] = nil
                        if worker != nil {
                            logger.debug("released the lease on \(unit)", ["event": "lease_released", "unit": .string(unit)])
                        }
                    }
                    // Claim the instances of due jobs, as many as there are free slots.
                    for unit in units(of: wanted, status) where leases[unit] == nil && leases.count < maxConcurrent {
                        do {
                            guard let lease = try await coordinator.claim(unit, worker: worker ?? "", timeToLive: leaseTimeToLive) else {
                                continue
                            }
                            lost.remove(unit)
                            leases[unit] = lease
                            if let worker {
                                logger.info(
                                    "took the lease on \(unit) (fence \(lease.fence))",
                                    [
                                        "event": "lease_taken", "unit": .string(unit), "worker": .string(worker),
                                        "fence": .int(Int(lease.fence)),
                                    ])
                            }
                        } catch {
                            logger.warning("cannot claim \(unit): \(error)", ["event": "coordination_failed"])
                        }
                    }
                    for index in wanted where running.count < maxConcurrent {
                        guard let lease = leases[jobs[index].unit] else { continue }
                        running.insert(index)
                        let job = jobs[index]
                        metrics.started(job.name)
                        if let worker {
                            logger.info(
                                "\(job.name): run started under the lease on \(lease.unit) (fence \(lease.fence))",
                                [
                                    "job": .string(job.name), "event": "run_started", "worker": .string(worker),
                                    "fence": .int(Int(lease.fence)),
                                ])
                        } else {
                            logger.info("\(job.name): run started", ["job": .string(job.name), "event": "run_started"])
                        }
                        let runStarted = clock.now
                        group.addTask {
                            await self.runOne(index, lease: lease, lost: expiring ? lost : nil, tick: tick, started: runStarted)
                        }
                    }
                    // A coordinator on this clock says when the next idle job is due: sleep until then,
                    // unless a wake-up at or before it is pending.
                    let idle = jobs.indices.filter { !running.contains($0) }.compactMap { status.dueAt[jobs[$0].name] }
                    if !expiring, let next = idle.min(), running.count < maxConcurrent, wakeAt.map({ next < $0 }) ?? true {
                        wakeAt = next
                        group.addTask {
                            try? await clock.sleep(until: next)
                            return .woke
                        }
                    }
                }
                metrics.leasesHeld = leases.count
                // A shared store is polled (and leases renewed) every third of a lease's life.
                if expiring || status == nil, wakeAt == nil {
                    wakeAt = clock.now + tick.inSeconds
                    group.addTask {
                        try? await clock.sleep(for: tick)
                        return .woke
                    }
                }
                guard let event = await group.next() else { break }
                switch event {
                case .woke:
                    if let wake = wakeAt, wake <= clock.now || expiring { wakeAt = nil }
                case .ended(let index, let fence, let summary, let error, let temporary, let seconds):
                    running.remove(index)
                    // Recorded only under the lease the run held: not after it was lost.
                    let lease = leases[jobs[index].unit].flatMap { $0.fence == fence ? $0 : nil }
                    await ended(
                        index, summary, error, temporary: temporary, seconds: seconds, lease: lease, coordinator: coordinator,
                        failures: &failures)
                }
            }
            group.cancelAll()
            while let event = await group.next() {
                if case .ended(let index, _, let summary, _, _, let seconds) = event {
                    metrics.finished(jobs[index].name, summary: summary, duration: .seconds(seconds))
                }
            }
        }
        for lease in leases.values { await coordinator.release(lease) }
        metrics.leasesHeld = 0
        return allSucceeded
    }

    /// The units of `wanted` jobs, the longest-waiting first (by name when the coordinator does not say).
    private func units(of wanted: [Int], _ status: FleetStatus) -> [String] {
        var first: [String: Double] = [:]
        for index in wanted {
            let due = status.dueAt[jobs[index].name] ?? 0
            first[jobs[index].unit] = min(first[jobs[index].unit] ?? due, due)
        }
        return first.keys.sorted { (first[$0] ?? 0, $0) < (first[$1] ?? 0, $1) }
    }

    /// One run; in a fleet, cancelled when its lease is lost (`lost` is then given).
    private func runOne(_ index: Int, lease: any JobLease, lost: LostUnits?, tick: Duration, started: Double) async -> Event {
        let job = jobs[index]
        do {
            let summary: RunSummary?
            if let lost {
                summary = try await withThrowingTaskGroup(of: RunSummary?.self) { inner in
                    inner.addTask { try await job.run(lease) }
                    inner.addTask {
                        while !lost.contains(lease.unit) { try await clock.sleep(for: tick) }
                        throw lease.lostError(stopping: "its next batch")
                    }
                    defer { inner.cancelAll() }
                    return try await inner.next() ?? nil
                }
            } else {
                summary = try await job.run(lease)
            }
            guard let summary else { throw CancellationError() }
            return .ended(index, fence: lease.fence, summary, nil, temporary: true, seconds: clock.now - started)
        } catch {
            return .ended(
                index, fence: lease.fence, nil, ServiceRunError(description: "\(error)"), temporary: job.isTemporary(error),
                seconds: clock.now - started)
        }
    }

    private func ended(
        _ index: Int, _ summary: RunSummary?, _ error: ServiceRunError?, temporary: Bool, seconds: Double, lease: (any JobLease)?,
        coordinator: any JobCoordinator, failures: inout [Int]
    ) async {
        let job = jobs[index]
        let outcome: FleetOutcome
        if let summary {
            failures[index] = 0
            outcome = .succeeded
            metrics.succeeded(job.name, summary, seconds: seconds, logger: logger, worker: worker)
        } else {
            metrics.finished(job.name, summary: nil, duration: .seconds(seconds))
            // A lone service says nothing of a run its own shutdown cancelled.
            if worker == nil, Task.isCancelled { return }
            failures[index] += 1
            let retryIn = await coordinator.retryDelay(of: job.name, failures: failures[index], every: job.every)
            let delay = retryIn.inSeconds
            outcome = temporary ? .failed(retryIn: retryIn) : .gaveUp(retryIn: retryIn)
            // Say what will happen next: under --once a job that needs a person is not waited for,
            // though a fleet's row still schedules a retry for other workers.
            let next: String
            if worker == nil {
                next =
                    once && !temporary
                    ? "; needs a person: not tried again by this --once run"
                    : "; " + (temporary ? "temporary: " : "needs a person, meanwhile ") + "trying again in \(Int(delay)) s"
            } else if lease == nil {
                next = "; not recorded: this worker no longer holds the lease on \(job.unit), its holder runs the job"
            } else if temporary {
                next = "; temporary: the fleet tries again in \(Int(delay)) s"
            } else if once {
                next = "; needs a person: not tried again by this --once worker (workers without --once try again in \(Int(delay)) s)"
            } else {
                next = "; needs a person: the fleet tries again in \(Int(delay)) s, and keeps failing until it is fixed"
            }
            metrics.failed(job.name, "\(error.map { "\($0)" } ?? "cancelled")" + next, logger: logger, worker: worker)
        }
        guard let lease else { return }
        do {
            try await coordinator.finished(job.name, under: lease, outcome: outcome, duration: .seconds(seconds))
        } catch {
            logger.warning("cannot record the end of \(job.name)'s run: \(error)", ["event": "coordination_failed"])
        }
    }
}

/// The scheduler of a fleet worker: the one ``JobScheduler``, given a shared ``JobCoordinator``.
@available(*, deprecated, renamed: "JobScheduler")
public typealias FleetScheduler = JobScheduler
