public import ConnectorKit
import ConnectorRuntime

/// Where a ``JobScheduler`` learns which jobs are due and claims the right to run them: who holds
/// which vendor instance, and when each job last succeeded and is next due.
///
/// A lone `serve` keeps it in memory (``InProcessCoordinator``); the workers of a fleet share it,
/// and every time it compares is then its own clock's, so workers' clocks need not agree
/// (`PostgresCoordinator` keeps it in PostgreSQL).
public protocol JobCoordinator: Sendable {
    /// Records the jobs this worker can run (adding new ones, due at once) and returns the
    /// coordination clock's current time.
    ///
    /// - Parameter jobs: Name, vendor instance and schedule of each job.
    /// - Returns: Unix seconds, by the coordination store's clock.
    /// - Throws: ``ChatExportError`` when the store cannot be reached.
    func register(_ jobs: [FleetJob]) async throws -> Double

    /// Which of `jobs` want a run now, and which have completed one since a time.
    ///
    /// - Parameters:
    ///   - jobs: Job names.
    ///   - since: With `--once`: a job that has succeeded (or given up) after this time is
    ///     done, and a job that has not is due whatever its schedule.
    /// - Returns: The due jobs, and (with `since`) the done ones.
    /// - Throws: ``ChatExportError`` when the store cannot be reached.
    func status(of jobs: [String], since: Double?) async throws -> FleetStatus

    /// Claims `unit` when nobody holds it or its lease expired.
    ///
    /// - Parameters:
    ///   - unit: The vendor instance.
    ///   - worker: This worker.
    ///   - timeToLive: How long the lease lives without a renewal.
    /// - Returns: The lease, or nil when another worker holds it.
    /// - Throws: ``ChatExportError`` when the store cannot be reached.
    func claim(_ unit: String, worker: String, timeToLive: Duration) async throws -> (any JobLease)?

    /// Extends a lease by its time to live.
    ///
    /// - Parameter lease: The lease.
    /// - Returns: False when it was lost (expired or taken over).
    /// - Throws: ``ChatExportError`` when the store cannot be reached.
    func renew(_ lease: any JobLease) async throws -> Bool

    /// Gives a lease up, so another worker may claim the unit at once.
    ///
    /// - Parameter lease: The lease.
    func release(_ lease: any JobLease) async

    /// Records the end of a run made under `lease` (nothing when the lease was lost meanwhile).
    ///
    /// - Parameters:
    ///   - job: The job.
    ///   - lease: The lease it ran under.
    ///   - outcome: How it ended.
    ///   - duration: How long it took (the next run is due `every` after this one started).
    /// - Throws: ``ChatExportError`` when the store cannot be reached.
    func finished(_ job: String, under lease: any JobLease, outcome: FleetOutcome, duration: Duration) async throws

    /// Closes the store's connection.
    func close() async

    /// Whether a lease expires unless renewed, so the scheduler renews it every third of its time
    /// to live and cancels the runs of one it lost: true for a shared store.
    var leasesExpire: Bool { get }

    /// The wait until a job that failed `failures` times in a row is tried again.
    ///
    /// - Parameters:
    ///   - job: The job.
    ///   - failures: Failures in a row (at least 1).
    ///   - every: The job's period.
    /// - Returns: The delay (``JobScheduler/retryDelay(failures:every:)`` by default).
    func retryDelay(of job: String, failures: Int, every: Duration) async -> Duration
}

extension JobCoordinator {
    /// A shared store's leases expire.
    public var leasesExpire: Bool { true }

    /// Doubling from 60 s, never longer than the job's period.
    ///
    /// - Parameters:
    ///   - job: Unused.
    ///   - failures: Failures in a row.
    ///   - every: The job's period.
    /// - Returns: ``JobScheduler/retryDelay(failures:every:)``.
    public func retryDelay(of job: String, failures: Int, every: Duration) async -> Duration {
        .seconds(JobScheduler.retryDelay(failures: failures, every: every.inSeconds))
    }
}

/// A job as a fleet shares it.
public struct FleetJob: Sendable, Hashable {
    /// Its name (the same job file on every worker has the same name).
    public var name: String
    /// The vendor instance; its lease covers every job of it.
    public var unit: String
    /// The time between the starts of two runs.
    public var every: Duration

    /// Creates a job.
    ///
    /// - Parameters:
    ///   - name: The name.
    ///   - unit: The vendor instance.
    ///   - every: The schedule.
    public init(name: String, unit: String, every: Duration) {
        self.name = name
        self.unit = unit
        self.every = every
    }
}

/// Which jobs want a run (see ``JobCoordinator/status(of:since:)``).
public struct FleetStatus: Sendable, Hashable {
    /// Jobs due now.
    public var due: Set<String>
    /// Jobs that succeeded after `since`.
    public var succeeded: Set<String>
    /// Jobs that failed after `since` in a way that needs a person.
    public var gaveUp: Set<String>
    /// When each job's last successful run ended, whichever worker ran it (Unix seconds).
    public var lastSuccess: [String: Double]
    /// When each job not done is due, on the scheduler's own clock: given by a coordinator that
    /// shares that clock (``InProcessCoordinator``), so the scheduler sleeps until the next one and
    /// starts the longest-waiting first; empty from a shared store, which the scheduler polls.
    public var dueAt: [String: Double] = [:]

    /// Creates a status.
    ///
    /// - Parameters:
    ///   - due: Due jobs.
    ///   - succeeded: Jobs that succeeded.
    ///   - gaveUp: Jobs given up.
    ///   - lastSuccess: When each job last succeeded.
    public init(due: Set<String>, succeeded: Set<String> = [], gaveUp: Set<String> = [], lastSuccess: [String: Double] = [:]) {
        self.due = due
        self.succeeded = succeeded
        self.gaveUp = gaveUp
        self.lastSuccess = lastSuccess
    }
}

/// How a fleet run ended.
public enum FleetOutcome: Sendable, Hashable {
    /// It succeeded; the job is next due after its schedule.
    case succeeded
    /// It failed; the job is due again after `retryIn`.
    case failed(retryIn: Duration)
    /// It failed in a way that needs a person (a rejected credential); `--once` stops waiting for it.
    case gaveUp(retryIn: Duration)
}
