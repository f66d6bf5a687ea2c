import Foundation

/// Spaces requests to one endpoint at a steady rate: the next request may start `1/rate` seconds
/// after the previous one's slot. A bucket of one token, so a vendor's per-second window never
/// sees a burst, and the rate is used fully.
public actor RateLimiter {
    /// Requests per second.
    public let rate: Double
    private var nextSlot: Double = 0

    /// Creates a limiter.
    ///
    /// - Parameter rate: Requests per second (> 0).
    public init(rate: Double) { self.rate = max(rate, 0.001) }

    /// Waits until the caller may send a request.
    ///
    /// - Throws: `CancellationError` when the waiting task is cancelled (its slot is then lost, harmlessly).
    public func acquire() async throws {
        let delay = reserve()
        if delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
    }

    /// Reserves the next slot and returns how long to wait for it.
    private func reserve() -> Double {
        let now = MonotonicClock.seconds()
        let slot = max(now, nextSlot)
        nextSlot = slot + 1 / rate
        return slot - now
    }
}

/// The process-wide limiters, one per origin and path, so everything in the process that calls an
/// endpoint shares its limit.
public actor RateLimiterRegistry {
    /// The registry every ``HTTPClient`` uses by default.
    public static let shared = RateLimiterRegistry()

    private var limiters: [String: RateLimiter] = [:]

    /// Creates an empty registry (tests use their own).
    public init() {}

    /// The limiter for `key`, created at `rate` on first use. A later, lower rate replaces it.
    ///
    /// - Parameters:
    ///   - key: The origin and path.
    ///   - rate: Requests per second.
    /// - Returns: The shared limiter.
    public func limiter(for key: String, rate: Double) -> RateLimiter {
        if let existing = limiters[key], existing.rate <= rate { return existing }
        let limiter = RateLimiter(rate: rate)
        limiters[key] = limiter
        return limiter
    }
}

/// Monotonic time in seconds, for measuring intervals.
public enum MonotonicClock {
    /// Seconds since an arbitrary start, never going backwards.
    public static func seconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
