import ConnectorKit
import ConnectorRuntime
import Foundation

/// Runs jobs as one worker of a fleet (`chat-export serve --coordination`): any number of
/// workers, on any machines, share the jobs through a ``JobCoordinator``.
///
/// A worker claims the lease of a vendor instance (every job of it) that has a due job, renews
/// it every third of its time to live while it runs the instance's due jobs, and gives it up
/// when none is left. A worker that dies stops renewing; once the lease expires another worker
/// claims it, with a higher fence, and resumes the jobs from their checkpoints. A run under a
/// lease the worker learns it lost is cancelled, and its checkpoint store refuses every commit
/// once the lease is no longer its own, so a paused worker that wakes up stores nothing.
public struct FleetScheduler: Sendable {
    /// A job as this worker runs it.
    public struct Job: Sendable {
        /// Its name (the same on every worker).
        public var name: String
        /// Its vendor instance (the lease unit).
        public var unit: String
        /// Seconds between the starts of two runs.
        public var every: Double
        /// Whether a failure may pass by itself rather than need a person.
        public var isTemporary: @Sendable (any Error) -> Bool
        /// One run under a lease.
        public var run: @Sendable (any JobLease) async throws -> RunSummary

        /// Creates a job.
        ///
        /// - Parameters:
        ///   - name: Its name.
        ///   - unit: Its vendor instance.
        ///   - every: Seconds between runs.
        ///   - isTemporary: Whether a failure may pass by itself.
        ///   - run: One run under a lease.
        public init(
            name: String, unit: String, every: Double, isTemporary: @escaping @Sendable (any Error) -> Bool = { _ in true },
            run: @escaping @Sendable (any JobLease) async throws -> RunSummary
        ) {
            self.name = name
            self.unit = unit
            self.every = every
            self.isTemporary = isTemporary
            self.run = run
        }
    }

    /// The jobs this worker can run.
    public var jobs: [Job]
    /// Where the fleet shares them.
    public var coordinator: any JobCoordinator
    /// This worker's name (unique in the fleet).
    public var worker: String
    /// Seconds a lease lives without a renewal.
    public var leaseTimeToLive: Double
    /// Runs (and so leases) at a time.
    public var maxConcurrent: Int
    /// The clock renewals are paced on.
    public var clock: SchedulingClock
    /// Where runs and leases are counted.
    public var metrics: ServiceMetrics
    /// Return once every job has completed a successful run that finished after ``run()``
    /// began, whichever worker ran it.
    public var once: Bool
    /// Where runs and leases are logged.
    public var logger: ExportLogger

    /// Creates a worker.
    ///
    /// - Parameters:
    ///   - jobs: The jobs.
    ///   - coordinator: Where the fleet shares them.
    ///   - worker: This worker's name.
    ///   - leaseTimeToLive: Seconds a lease lives without a renewal.
    ///   - maxConcurrent: Runs at a time.
    ///   - clock: The clock.
    ///   - metrics: Where runs are counted.
    ///   - once: Return once every job has succeeded once.
    ///   - logger: Where to log.
    public init(
        jobs: [Job], coordinator: any JobCoordinator, worker: String, leaseTimeToLive: Double = 60, maxConcurrent: Int = 4,
        clock: SchedulingClock = .continuous, metrics: ServiceMetrics? = nil, once: Bool = false, logger: ExportLogger
    ) {
        self.jobs = jobs
        self.coordinator = coordinator
        self.worker = worker
        self.leaseTimeToLive = leaseTimeToLive
        self.maxConcurrent = max(1, maxConcurrent)
        self.clock = clock
        self.metrics = metrics ?? ServiceMetrics(jobs: jobs.map(\.name))
        self.once = once
        self.logger = logger
    }

    private enum Event: Sendable {
        case ended(Int, fence: Int64, RunSummary?, ServiceRunError?, temporary: Bool, seconds: Double)
        case tick
    }

    /// Units whose lease this worker lost; their runs cancel themselves.
    private final class LostUnits: @unchecked Sendable {
        private let lock = NSLock()
        private var units = Set<String>()
        func insert(_ unit: String) { lock.withLock { _ = units.insert(unit) } }
        func remove(_ unit: String) { lock.withLock { _ = units.remove(unit) } }
        func contains(_ unit: String) -> Bool { lock.withLock { units.contains(unit) } }
    }

    /// Works until cancelled or, with ``once``, until every job is done.
    ///
    /// - Returns: With ``once``: whether every job succeeded (false when one needs a person).
    /// - Throws: ``ChatExportError`` when the coordination store cannot be reached at the start.
    @discardableResult
    public func run() async throws -> Bool {
        let started = try await coordinator.register(jobs.map { FleetJob(name: $0.name, unit: $0.unit, every: $0.every) })
        let tick = max(0.02, leaseTimeToLive / 3)
        let lost = LostUnits()
        let names = jobs.map(\.name)
        var leases: [String: any JobLease] = [:]
        var running = Set<Int>()
        var failures = [Int](repeating: 0, count: jobs.count)
        var allSucceeded = true
        await withTaskGroup(of: Event.self) { group in
            var ticking = false
            while !Task.isCancelled {
                // Keep the leases alive; a lost one cancels its runs.
                for (unit, lease) in leases {
                    do {
                        if try await coordinator.renew(lease) { continue }
                        lost.insert(unit)
                        leases[unit] = nil
                        logger.error(
                            "lost the lease on \(unit) (fence \(lease.fence)): it expired or another worker took it over; its runs stop",
                            ["event": "lease_lost", "unit": .string(unit), "worker": .string(worker), "fence": .int(Int(lease.fence))])
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
                    metrics.fleetLastSuccess = status.lastSuccess
                    if once, running.isEmpty, Set(names).isSubset(of: status.succeeded.union(status.gaveUp)) {
                        allSucceeded = status.gaveUp.intersection(names).isEmpty
                        break
                    }
                    let wanted = jobs.indices.filter { status.due.contains(jobs[$0].name) && !running.contains($0) }
                    // Claim the instances of due jobs, as many as there are free slots.
                    for unit in Set(wanted.map { jobs[$0].unit }).sorted() where leases[unit] == nil && leases.count < maxConcurrent {
                        do {
                            guard let lease = try await coordinator.claim(unit, worker: worker, timeToLive: leaseTimeToLive) else {
                                continue
                            }
                            lost.remove(unit)
                            leases[unit] = lease
                            logger.info(
                                "took the lease on \(unit) (fence \(lease.fence))",
                                ["event": "lease_taken", "unit": .string(unit), "worker": .string(worker), "fence": .int(Int(lease.fence))])
                        } catch {
                            logger.warning("cannot claim \(unit): \(error)", ["event": "coordination_failed"])
                        }
                    }
                    for index in wanted where running.count < maxConcurrent {
                        guard let lease = leases[jobs[index].unit] else { continue }
                        running.insert(index)
                        group.addTask { await self.runOne(index, lease: lease, lost: lost, tick: tick) }
                    }
                    // Give up the leases of instances with nothing left to do.
                    for (unit, lease) in leases where !running.union(wanted).contains(where: { jobs[$0].unit == unit }) {
                        await coordinator.release(lease)
                        leases[unit] = nil
                        logger.debug("released the lease on \(unit)", ["event": "lease_released", "unit": .string(unit)])
                    }
                }
                metrics.leasesHeld = leases.count
                if !ticking {
                    ticking = true
                    group.addTask {
                        try? await clock.sleep(for: tick)
                        return .tick
                    }
                }
                guard let event = await group.next() else { break }
                switch event {
                case .tick: ticking = false
                case .ended(let index, let fence, let summary, let error, let temporary, let seconds):
                    running.remove(index)
                    // Recorded only under the lease the run held: not after it was lost.
                    let lease = leases[jobs[index].unit].flatMap { $0.fence == fence ? $0 : nil }
                    await ended(index, summary, error, temporary: temporary, seconds: seconds, lease: lease, failures: &failures)
                }
            }
            group.cancelAll()
            while let event = await group.next() {
                if case .ended(let index, _, let summary, _, _, let seconds) = event {
                    metrics.finished(jobs[index].name, summary: summary, seconds: seconds)
                }
            }
        }
        for lease in leases.values { await coordinator.release(lease) }
        metrics.leasesHeld = 0
        return allSucceeded
    }

    /// One run, cancelled when its lease is lost.
    private func runOne(_ index: Int, lease: any JobLease, lost: LostUnits, tick: Double) async -> Event {
        let job = jobs[index]
        metrics.started(job.name)
        logger.info(
            "\(job.name): run started under the lease on \(lease.unit) (fence \(lease.fence))",
            ["job": .string(job.name), "event": "run_started", "worker": .string(worker), "fence": .int(Int(lease.fence))])
        let started = clock.now
        do {
            let summary = try await withThrowingTaskGroup(of: RunSummary?.self) { inner in
                inner.addTask { try await job.run(lease) }
                inner.addTask {
                    while !lost.contains(lease.unit) { try await clock.sleep(for: tick) }
                    throw lease.lostError(stopping: "its next batch")
                }
                defer { inner.cancelAll() }
                return try await inner.next() ?? nil
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
        failures: inout [Int]
    ) async {
        let job = jobs[index]
        let outcome: FleetOutcome
        if let summary {
            failures[index] = 0
            outcome = .succeeded
            metrics.succeeded(job.name, summary, seconds: seconds, logger: logger, worker: worker)
        } else {
            failures[index] += 1
            let delay = JobScheduler.retryDelay(failures: failures[index], every: job.every)
            outcome = temporary ? .failed(retryIn: delay) : .gaveUp(retryIn: delay)
            metrics.finished(job.name, summary: nil, seconds: seconds)
            // Say what will happen next: this worker stops waiting for a job that needs a person
            // under --once, though the fleet's row still schedules a retry for other workers.
            let next: String
            if lease == nil {
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
            try await coordinator.finished(job.name, under: lease, outcome: outcome, seconds: seconds)
        } catch {
            logger.warning("cannot record the end of \(job.name)'s run: \(error)", ["event": "coordination_failed"])
        }
    }
}
