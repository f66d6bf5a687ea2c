public import ConnectorKit
import Foundation

/// Paces the requests to one vendor instance within its ``RateLimits``, and adapts when the
/// vendor throttles anyway.
///
/// - Per endpoint per second, requests are spaced evenly (a bucket of one token).
/// - Per instance per minute, a sliding window: a request may go while fewer than the limit went
///   out in the last ``minuteWindow`` (a minute and a second of slack, for requests that reach
///   the vendor a little later than they leave). A short job goes at once; a long one uses the
///   whole budget, and no minute, sliding or on the clock, ever holds more than the limit.
/// - A 429 with `Retry-After` pauses the instance for that long. A 429 without it (Ada never
///   sends one) means the vendor's real limit is lower than configured: the limiter lowers the
///   rate multiplicatively (×½, once per overload: requests paced before the decrease do not
///   decrease it again), spaces the per-minute requests evenly from then on (98 % of the lowered
///   rate, see ``minuteMargin``: no burst to find the limit again), and each success raises the
///   rate additively (+2 % of the configured rate) back to the limit. After ``calmPeriod`` at the
///   full rate without a 429, bursts are allowed again. An unknown or changed vendor limit is
///   found without a storm of 429s.
/// - Requests already waiting when the vendor throttles are re-paced: none goes out during a pause.
///
/// Each reservation says which limit it waits for (``Ticket/waitingFor``), and the first of a
/// wait of a second or more is marked to be announced (``Ticket/announce``), so a log and the
/// progress line say why requests wait, once per wait rather than once per request.
public actor RateLimiter {
    /// The limit a request waits for.
    public enum Constraint: String, Sendable, Hashable {
        /// The per-endpoint rate (``RateLimits/perEndpointPerSecond``).
        case perEndpoint = "per_endpoint_per_second"
        /// The per-minute budget of the instance (``RateLimits/perMinute``).
        case perMinute = "per_minute"
        /// A pause after the vendor throttled (429).
        case vendorPause = "vendor"
    }

    /// A reserved slot: when the request may go, and the pacing it was reserved under.
    public struct Ticket: Sendable, Hashable {
        /// When the request may be sent, on the limiter's clock.
        public var slot: Double
        /// The pacing generation (it changes whenever the vendor throttles).
        public var generation: Int
        /// The limit that made the request wait, or nil when it may go at once.
        public var waitingFor: Constraint?
        /// Whether this is the first request of a wait of ``announcedWait`` or more: say so once.
        public var announce = false
    }

    /// The configured limits (the per-day one is counted by ``RequestBudget``).
    public let limits: RateLimits
    /// The fraction of the configured rates in use (1 until the vendor throttles).
    public private(set) var factor: Double = 1
    /// Whether per-minute requests are spaced evenly (after a 429 without `Retry-After`) rather
    /// than allowed in bursts within the sliding window.
    public private(set) var spacing = false
    /// The smallest ``factor`` the limiter goes down to.
    public static let minimumFactor = 1.0 / 64
    /// What each success adds to ``factor``.
    public static let increase = 0.02
    /// The share of a per-minute limit used while requests are spaced evenly: requests arrive
    /// with jitter, and one arriving a moment early at a minute's edge would be the limit's
    /// 101st; 2 % slack avoids that 429.
    public static let minuteMargin = 0.98
    /// The sliding window of a per-minute limit, in seconds: a minute and a second, so a request
    /// that reaches the vendor up to a second later than it left is still counted in its minute.
    public static let minuteWindow = 61.0
    /// Seconds at the full rate without a 429 after which bursts are allowed again.
    public static let calmPeriod = 600.0
    /// The shortest wait that is announced (``Ticket/announce``), in seconds.
    public static let announcedWait = 1.0
    private let clock: SchedulingClock
    private var endpointSlots: [String: Double] = [:]
    /// The reserved per-minute slots not older than ``minuteWindow``, in time order.
    private var recent: [Double] = []
    /// How many of the first slots in ``recent`` are older than a window.
    private var expired = 0
    private var minuteSlot = -Double.infinity
    private var pausedUntil = -Double.infinity
    private var lastThrottle = -Double.infinity
    private var announcedUntil = -Double.infinity
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

    /// The current spacing between requests to one endpoint, and to the instance (0 while
    /// per-minute requests may burst), in seconds.
    public var intervals: (endpoint: Double, instance: Double) {
        (
            limits.perEndpointPerSecond.map { 1 / ($0 * factor) } ?? 0,
            spacing ? limits.perMinute.map { 60 / (Double($0) * RateLimiter.minuteMargin * factor) } ?? 0 : 0
        )
    }

    /// Requests allowed in one sliding window now (the per-minute limit times ``factor``).
    var allowedPerWindow: Int? {
        limits.perMinute.map { max(1, Int((Double($0) * factor).rounded(.down))) }
    }

    /// Reserves the next slot for a request to `endpoint`.
    ///
    /// - Parameter endpoint: The endpoint (path).
    /// - Returns: When the request may be sent, on the limiter's clock, the pacing generation,
    ///   and what it waits for.
    public func reserve(endpoint: String) -> Ticket {
        let now = clock.now
        if spacing, factor >= 1, now - lastThrottle >= RateLimiter.calmPeriod { spacing = false }
        var slot = now
        var reason: Constraint?
        func bind(_ time: Double, _ constraint: Constraint) {
            if time > slot {
                slot = time
                reason = constraint
            }
        }
        bind(pausedUntil, .vendorPause)
        let (endpointInterval, instanceInterval) = intervals
        if limits.perEndpointPerSecond != nil { bind(endpointSlots[endpoint] ?? -.infinity, .perEndpoint) }
        if let allowed = allowedPerWindow {
            let window = RateLimiter.minuteWindow
            // Slots older than a window count for nothing any more (dropped in one go when they
            // are half the list, so each reservation costs O(1) on average however high the limit).
            while expired < recent.count, recent[expired] <= now - window { expired += 1 }
            if expired > 0, expired * 2 >= recent.count {
                recent.removeFirst(expired)
                expired = 0
            }
            // Fewer than `allowed` reservations after `slot − window` (those still ahead
            // included): then no window holding `slot` can hold more than `allowed`.
            if recent.count - expired >= allowed { bind(recent[recent.count - allowed] + window, .perMinute) }
            if spacing {
                bind(minuteSlot, .perMinute)
                minuteSlot = slot + instanceInterval
            }
            var index = recent.count
            while index > expired, recent[index - 1] > slot { index -= 1 }
            recent.insert(slot, at: index)
        }
        if limits.perEndpointPerSecond != nil { endpointSlots[endpoint] = slot + endpointInterval }
        var ticket = Ticket(slot: slot, generation: generation, waitingFor: reason)
        if reason != nil, reason != .vendorPause, slot - now >= RateLimiter.announcedWait, now >= announcedUntil {
            ticket.announce = true
            announcedUntil = slot
        }
        return ticket
    }

    /// Waits until a request to `endpoint` may be sent.
    ///
    /// - Parameters:
    ///   - endpoint: The endpoint (path).
    ///   - announce: Called once, before waiting, when this request is the first of a wait to
    ///     announce (``Ticket/announce``), with the ticket.
    /// - Returns: The ticket it went out on (hand it to ``throttled(_:retryAfter:)``).
    /// - Throws: `CancellationError` when the waiting task is cancelled (its slot is then lost, harmlessly).
    @discardableResult
    public func acquire(endpoint: String = "", announce: @Sendable (Ticket) -> Void = { _ in }) async throws -> Ticket {
        while true {
            let ticket = reserve(endpoint: endpoint)
            if ticket.announce { announce(ticket) }
            try await clock.sleep(until: ticket.slot)
            // Throttled while waiting: pace again under the new rate, after the pause.
            if ticket.generation == generation { return ticket }
        }
    }

    /// The vendor answered 429 to the request sent on `ticket`.
    ///
    /// - Parameters:
    ///   - ticket: What ``acquire(endpoint:announce:)`` returned for it.
    ///   - retryAfter: The vendor's `Retry-After`, if it sent one.
    /// - Returns: When the next request may be sent, on the limiter's clock.
    @discardableResult
    public func throttled(_ ticket: Ticket, retryAfter: Duration?) -> Double {
        // A request paced before the last adjustment says nothing new about the vendor's limit.
        guard ticket.generation == generation else { return max(pausedUntil, clock.now) }
        generation += 1
        let now = clock.now
        // Requests waiting are paced again: their reservations no longer hold.
        recent.removeAll { $0 > now }
        expired = min(expired, recent.count)
        lastThrottle = now
        if let retryAfter, retryAfter > .zero {
            pausedUntil = max(pausedUntil, now + retryAfter.inSeconds)
            return pausedUntil
        }
        factor = max(RateLimiter.minimumFactor, factor / 2)
        spacing = true
        let (endpointInterval, instanceInterval) = intervals
        minuteSlot = now
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
