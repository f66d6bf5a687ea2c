/// Time as the runtime's schedulers (rate limiter, retry backoff) use it: seconds since the clock
/// was adopted, and sleeping until such a second. Built from any `Clock<Duration>`, so tests
/// hand in a manual clock and assert exact schedules; production uses `ContinuousClock`, whose
/// sleeps cost no CPU.
public struct SchedulingClock: Sendable {
    private let reading: @Sendable () -> Double
    private let sleeping: @Sendable (Double) async throws -> Void

    /// Adopts a clock; its current instant becomes second 0.
    ///
    /// - Parameter clock: The clock.
    public init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        reading = { origin.duration(to: clock.now).inSeconds }
        sleeping = { deadline in
            // Clamped to 30 years from the clock's origin, so no deadline can overflow the conversion.
            let nanoseconds = Int64((min(max(deadline, 0), SchedulingClock.latest) * 1e9).rounded(.up))
            try await clock.sleep(until: origin.advanced(by: .nanoseconds(nanoseconds)), tolerance: nil)
        }
    }

    /// The system's monotonic clock, adopted once per process: every limiter and client on it
    /// reads the same seconds, so an instant one hands another (a limiter's resume time) means
    /// the same moment to both.
    public static let continuous = SchedulingClock(ContinuousClock())

    /// Seconds since the clock was adopted.
    public var now: Double { reading() }

    /// Sleeps until `deadline` (returns at once when it has passed).
    ///
    /// - Parameter deadline: Seconds since the clock was adopted.
    /// - Throws: `CancellationError`.
    public func sleep(until deadline: Double) async throws {
        try Task.checkCancellation()
        if deadline > now { try await sleeping(deadline) }
    }

    /// Sleeps for `duration`.
    ///
    /// - Parameter duration: How long.
    /// - Throws: `CancellationError`.
    public func sleep(for duration: Duration) async throws { try await sleep(until: now + duration.inSeconds) }

    /// The latest deadline a sleep honours, in seconds (about 30 years).
    static let latest = 1e9
}
