public import ConnectorKit
public import ConnectorRuntime

extension JobScheduler {
    /// A scheduled job.
    public struct Job: Sendable {
        /// A name for logs and metrics (the same on every worker of a fleet).
        public var name: String
        /// Its vendor instance, the unit a fleet's lease covers; its name for a lone service.
        public var unit: String
        /// When the job runs.
        public var schedule: JobSchedule
        /// One run, under the lease of its unit.
        public var run: @Sendable (any JobLease) async throws -> RunSummary
        /// Whether a failure may pass by itself (a vendor outage) rather than need a person (a
        /// rejected credential); with ``JobScheduler/once`` the latter ends the job's turn.
        public var isTemporary: @Sendable (any Error) -> Bool

        /// Creates a job.
        ///
        /// - Parameters:
        ///   - name: Its name.
        ///   - every: The time between the starts of two runs.
        ///   - isTemporary: Whether a failure may pass by itself.
        ///   - run: One run.
        public init(
            name: String, every: Duration, isTemporary: @escaping @Sendable (any Error) -> Bool = { _ in true },
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
            self.unit = name
            self.schedule = schedule
            self.isTemporary = isTemporary
            self.run = { _ in try await run() }
        }

        /// Creates a job of a fleet.
        ///
        /// - Parameters:
        ///   - name: Its name.
        ///   - unit: Its vendor instance.
        ///   - every: The time between the starts of two runs.
        ///   - isTemporary: Whether a failure may pass by itself.
        ///   - run: One run under a lease.
        public init(
            name: String, unit: String, every: Duration, isTemporary: @escaping @Sendable (any Error) -> Bool = { _ in true },
            run: @escaping @Sendable (any JobLease) async throws -> RunSummary
        ) {
            self.name = name
            self.unit = unit
            self.schedule = .every(every)
            self.isTemporary = isTemporary
            self.run = run
        }

        /// The time between the starts of two runs of an `every` schedule (for a cron schedule, an
        /// hour: only the longest wait before retrying a failed run uses it, and the next cron time
        /// comes first).
        public var every: Duration {
            if case .every(let period) = schedule { return period }
            return .seconds(3600)
        }
    }
}
