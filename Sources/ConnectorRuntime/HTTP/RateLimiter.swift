import Foundation

/// Paces the requests to one vendor instance within its ``RateLimits``, and adapts when the
/// vendor throttles anyway.
///
/// - Per endpoint per second and per instance per minute, requests are spaced evenly (a bucket of
///   one token): a vendor's window never sees a burst, and the budget is used fully (98 % of a
///   per-minute limit, see ``minuteMargin``).
/// - A 429 with `Retry-After` pauses the instance for that long. A 429 without it (Ada never
///   sends one) lowers the rate multiplicatively (×½, once per overload: requests paced before
///   the decrease do not decrease it again) and spaces the next request by the new interval;
///   each success then raises it additively (+2 % of the configured rate) back to the limit.
///   An unknown or changed vendor limit is found without a storm of 429s.
/// - Requests already waiting when the vendor throttles are re-paced: none goes out during a pause.
public actor RateLimiter {
    /// A reserved slot: when the request may go, and the pacing it was reserved under.
    public struct Ticket: Sendable, Hashable {
        /// When the request may be sent, on the limiter's clock.
        public var slot: Double
        /// The pacing generation (it changes whenever the vendor throttles).
        public var generation: Int
    }

    /// The configured limits (the per-day one is counted by ``RequestBudget``).
    public let limits: RateLimits
    /// The fraction of the configured rates in use (1 until the vendor throttles).
    public private(set) var factor: Double = 1
    /// The smallest ``factor`` the limiter goes down to.
    public static let minimumFactor = 1.0 / 64
    /// What each success adds to ``factor``.
    public static let increase = 0.02
    /// The share of a per-minute limit used: requests arrive with jitter, and one arriving a
    /// moment early at a minute's edge would be the limit's 101st; 2 % slack avoids that 429.
    public static let minuteMargin = 0.98
    private let clock: SchedulingClock
    private var endpointSlots: [String: Double] = [:]
    private var minuteSlot = -Double.infinity
    private var pausedUntil = -Double.infinity
    private var generation = 0

    /// Creates a limiter.
    ///
    /// - Parameters:
    ///   - limits: The limits.
    ///   - clock: The clock it schedules on.
    public init(limits: RateLimits, clock: SchedulingClock = .continuous) {
        self.limits = limits
        self.clock = clock
    }

    /// The current spacing between requests to one endpoint, and to the instance, in seconds.
    public var intervals: (endpoint: Double, instance: Double) {
        (
            limits.perEndpointPerSecond.map { 1 / ($0 * factor) } ?? 0,
            limits.perMinute.map { 60 / (Double($0) * RateLimiter.minuteMargin * factor) } ?? 0
        )
    }

    /// Reserves the next slot for a request to `endpoint`.
    ///
    /// - Parameter endpoint: The endpoint (path).
    /// - Returns: When the request may be sent, on the limiter's clock, and the pacing generation.
    public func reserve(endpoint: String) -> Ticket {
        var slot = max(clock.now, pausedUntil)
        let (endpointInterval, instanceInterval) = intervals
        if limits.perEndpointPerSecond != nil { slot = max(slot, endpointSlots[endpoint] ?? -.infinity) }
        if limits.perMinute != nil { slot = max(slot, minuteSlot) }
        if limits.perEndpointPerSecond != nil { endpointSlots[endpoint] = slot + endpointInterval }
        if limits.perMinute != nil { minuteSlot = slot + instanceInterval }
        return Ticket(slot: slot, generation: generation)
    }

    /// Waits until a request to `endpoint` may be sent.
    ///
    /// - Parameter endpoint: The endpoint (path).
    /// - Returns: The ticket it went out on (hand it to ``throttled(_:retryAfter:)``).
    /// - Throws: `CancellationError` when the waiting task is cancelled (its slot is then lost, harmlessly).
    @discardableResult
    public func acquire(endpoint: String = "") async throws -> Ticket {
        while true {
            let ticket = reserve(endpoint: endpoint)
            try await clock.sleep(until: ticket.slot)
            // Throttled while waiting: pace again under the new rate, after the pause.
            if ticket.generation == generation { return ticket }
        }
    }

    /// The vendor answered 429 to the request sent on `ticket`.
    ///
    /// - Parameters:
    ///   - ticket: What ``acquire(endpoint:)`` returned for it.
    ///   - retryAfter: The vendor's `Retry-After` in seconds, if it sent one.
    /// - Returns: When the next request may be sent, on the limiter's clock.
    @discardableResult
    public func throttled(_ ticket: Ticket, retryAfter: Double?) -> Double {
        // A request paced before the last adjustment says nothing new about the vendor's limit.
        guard ticket.generation == generation else { return max(pausedUntil, clock.now) }
        generation += 1
        let now = clock.now
        if let retryAfter, retryAfter > 0 {
            pausedUntil = max(pausedUntil, now + retryAfter)
            return pausedUntil
        }
        factor = max(RateLimiter.minimumFactor, factor / 2)
        let (endpointInterval, instanceInterval) = intervals
        pausedUntil = max(pausedUntil, now + max(endpointInterval, instanceInterval, 0.001))
        return pausedUntil
    }

    /// The vendor answered a request without throttling it: probe back towards the limit.
    public func succeeded() {
        if factor < 1 { factor = min(1, factor + RateLimiter.increase) }
    }
}

/// The process-wide limiters and daily budgets, one per vendor instance (origin and
/// credential), so everything in the process that calls an instance shares its limits.
public actor RateLimiterRegistry {
    /// The registry every ``VendorHTTPClient`` uses by default.
    public static let shared = RateLimiterRegistry()

    private var limiters: [String: RateLimiter] = [:]
    private var budgets: [String: RequestBudget] = [:]

    /// Creates an empty registry (tests use their own).
    public init() {}

    /// The limiter for `key`, created on first use. Limits that are stricter in any field than
    /// the existing limiter's replace it with the combination.
    ///
    /// - Parameters:
    ///   - key: The instance (origin and credential; kept in memory only).
    ///   - limits: The limits.
    ///   - clock: The clock a new limiter schedules on.
    /// - Returns: The shared limiter.
    public func limiter(for key: String, limits: RateLimits, clock: SchedulingClock = .continuous) -> RateLimiter {
        if let existing = limiters[key] {
            let combined = existing.limits.tightened(by: limits)
            if combined == existing.limits { return existing }
            let limiter = RateLimiter(limits: combined, clock: clock)
            limiters[key] = limiter
            return limiter
        }
        let limiter = RateLimiter(limits: limits, clock: clock)
        limiters[key] = limiter
        return limiter
    }

    /// The daily budget for `key`, created on first use (a smaller limit replaces it).
    ///
    /// - Parameters:
    ///   - key: The instance (origin and credential; kept in memory only).
    ///   - limit: Requests per UTC day.
    ///   - instance: The instance's name, for messages and the stored count.
    /// - Returns: The shared budget.
    public func budget(for key: String, limit: Int, instance: String) -> RequestBudget {
        if let existing = budgets[key], existing.limit <= limit { return existing }
        let budget = RequestBudget(limit: limit, instance: instance)
        budgets[key] = budget
        return budget
    }
}
