public import ConnectorKit
import ConnectorRuntime
import Foundation

/// The coordinator of a lone `chat-export serve` (``JobScheduler`` without a shared store): the
/// jobs' schedules kept in memory on the scheduler's own clock, every claim granted, no lease that
/// can expire.
///
/// It tells the scheduler when each job is due (``FleetStatus/dueAt``), so the scheduler sleeps
/// until the next one instead of polling, and it reads cron schedules against the wall clock:
/// a cron job is next due at its next matching minute, and a failed one is tried again no later.
public actor InProcessCoordinator: JobCoordinator {
    /// A job's schedule and state.
    private struct Entry {
        var schedule: JobSchedule
        var due: Double
        /// The cron time the job last ran for: the next is after it, even when a run ends before
        /// the wall clock passes it (a sleep may wake a little early).
        var fired: Timestamp?
        var succeeded = false
        var gaveUp = false
    }

    private let clock: SchedulingClock
    private let wallClock: @Sendable () -> Timestamp
    private let once: Bool
    private var entries: [String: Entry] = [:]

    /// The lease of a lone service: it never expires (its time to live is the longest a
    /// `Duration` holds in whole seconds) and is never taken over.
    struct Lease: JobLease {
        let unit: String
        var worker: String { "this process" }
        var fence: Int64 { 0 }
        var timeToLive: Duration { .seconds(Int64.max) }
        func verify() throws {}
    }

    /// Creates a coordinator.
    ///
    /// - Parameters:
    ///   - schedules: Each job's schedule, by name.
    ///   - clock: The scheduler's clock, which due times are kept on.
    ///   - wallClock: The wall clock cron schedules are read against (UTC).
    ///   - once: Every job is due at once (`serve --once`), whatever its schedule.
    public init(
        schedules: [String: JobSchedule], clock: SchedulingClock, wallClock: @escaping @Sendable () -> Timestamp = { .now },
        once: Bool = false
    ) {
        self.clock = clock
        self.wallClock = wallClock
        self.once = once
        let start = clock.now
        for (name, schedule) in schedules { entries[name] = Entry(schedule: schedule, due: start) }
    }

    /// Leases here never expire: the scheduler need not renew them nor watch for their loss.
    public nonisolated var leasesExpire: Bool { false }

    /// Makes the jobs due: `every` ones at once, cron ones at their first time (all at once with `once`).
    ///
    /// - Parameter jobs: The jobs (their schedules were given at creation).
    /// - Returns: The scheduler clock's current time.
    public func register(_ jobs: [FleetJob]) async throws -> Double {
        let start = clock.now
        for job in jobs {
            var entry = entries[job.name] ?? Entry(schedule: .every(job.every), due: start)
            entry.due = once ? start : start + (untilNextCron(&entry, firing: true) ?? 0)
            entries[job.name] = entry
        }
        return start
    }

    /// The due jobs, each job's due time, and (with `since`) the ones done.
    ///
    /// - Parameters:
    ///   - jobs: Job names.
    ///   - since: Set with `once`: a job that succeeded or gave up is done and no longer due.
    /// - Returns: The status.
    public func status(of jobs: [String], since: Double?) async throws -> FleetStatus {
        let now = clock.now
        var status = FleetStatus(due: [])
        for name in jobs {
            guard let entry = entries[name] else { continue }
            if entry.succeeded { status.succeeded.insert(name) }
            if entry.gaveUp { status.gaveUp.insert(name) }
            if since != nil, entry.succeeded || entry.gaveUp { continue }
            status.dueAt[name] = entry.due
            if entry.due <= now { status.due.insert(name) }
        }
        return status
    }

    /// Always granted.
    ///
    /// - Parameters:
    ///   - unit: The unit.
    ///   - worker: Unused.
    ///   - timeToLive: Unused.
    /// - Returns: A lease that never expires.
    public func claim(_ unit: String, worker: String, timeToLive: Duration) async throws -> (any JobLease)? { Lease(unit: unit) }

    /// Always still held.
    ///
    /// - Parameter lease: The lease.
    /// - Returns: true.
    public func renew(_ lease: any JobLease) async throws -> Bool { true }

    /// Nothing to give up.
    ///
    /// - Parameter lease: The lease.
    public func release(_ lease: any JobLease) async {}

    /// The next due time: after a success, the next cron time or one period after the last due
    /// time (never in the past); after a failure, `retryIn` from now.
    ///
    /// - Parameters:
    ///   - job: The job.
    ///   - lease: Unused.
    ///   - outcome: How it ended.
    ///   - duration: Unused.
    public func finished(_ job: String, under lease: any JobLease, outcome: FleetOutcome, duration: Duration) async throws {
        guard var entry = entries[job] else { return }
        let now = clock.now
        switch outcome {
        case .succeeded:
            entry.succeeded = true
            let every: Double
            if case .every(let period) = entry.schedule { every = period.inSeconds } else { every = 3600 }
            entry.due = untilNextCron(&entry, firing: true).map { now + $0 } ?? max(now, entry.due + every)
        case .failed(let retryIn):
            entry.due = now + retryIn.inSeconds
        case .gaveUp(let retryIn):
            entry.gaveUp = true
            entry.due = now + retryIn.inSeconds
        }
        entries[job] = entry
    }

    /// Doubling from 60 s, never later than the job's next cron time (or its period).
    ///
    /// - Parameters:
    ///   - job: The job.
    ///   - failures: Failures in a row.
    ///   - every: The job's period.
    /// - Returns: The wait until the next attempt.
    public func retryDelay(of job: String, failures: Int, every: Duration) async -> Duration {
        guard var entry = entries[job] else { return .seconds(JobScheduler.retryDelay(failures: failures, every: every.inSeconds)) }
        return .seconds(JobScheduler.retryDelay(failures: failures, every: max(1, untilNextCron(&entry, firing: false) ?? every.inSeconds)))
    }

    /// Nothing to close.
    public func close() async {}

    /// Seconds from now to a cron job's next time (nil for `every`), remembered as fired when `firing`.
    private func untilNextCron(_ entry: inout Entry, firing: Bool) -> Double? {
        guard case .cron(let cron) = entry.schedule else { return nil }
        let wall = wallClock()
        let next = cron.next(after: max(wall, entry.fired ?? wall)) ?? wall.adding(seconds: 366 * 86_400)
        if firing { entry.fired = next }
        return max(0, Double(next.microseconds - wall.microseconds) / 1e6)
    }
}
