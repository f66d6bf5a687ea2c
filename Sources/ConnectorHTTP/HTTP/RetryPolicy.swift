public import ConnectorKit
import Foundation

/// When and how long to wait before retrying a failed request: exponential backoff with full
/// jitter, capped, honouring a positive `Retry-After`.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts, the first included.
    public var maxAttempts: Int
    /// The backoff base (the first retry waits up to this long).
    public var baseDelay: Duration
    /// The longest wait between attempts (also caps `Retry-After`).
    public var maxDelay: Duration
    /// How long one request may stay throttled (answered 429 again and again) before the run
    /// stops at its checkpoint. 429s never count as attempts.
    public var maxThrottledWait: Duration

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - maxAttempts: Total attempts.
    ///   - baseDelay: The backoff base.
    ///   - maxDelay: The cap.
    ///   - maxThrottledWait: How long one request may stay throttled.
    public init(
        maxAttempts: Int = 8, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(60),
        maxThrottledWait: Duration = .seconds(3600)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxThrottledWait = maxThrottledWait
    }

    /// Statuses worth retrying (429 is throttling, handled by the rate limiter, not an attempt).
    public static let retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    /// The wait before attempt `attempt + 1`, after `attempt` failed attempts.
    ///
    /// - Parameters:
    ///   - attempt: Failed attempts so far (1 after the first failure).
    ///   - retryAfter: The server's `Retry-After`, if any.
    ///   - random: The jitter source.
    /// - Returns: The wait.
    public func delay<R: RandomNumberGenerator>(afterAttempt attempt: Int, retryAfter: Duration?, using random: inout R) -> Duration {
        if let retryAfter, retryAfter > .zero { return min(retryAfter, maxDelay) }
        let maxDelay = maxDelay.inSeconds
        let ceiling = min(maxDelay, baseDelay.inSeconds * pow(2, Double(min(attempt - 1, 30))))
        // Full jitter, with a small floor so a storm of zero waits cannot happen.
        return .seconds(max(ceiling * 0.05, Double.random(in: 0...ceiling, using: &random)))
    }

    /// Parses `Retry-After`: delta seconds or an HTTP date.
    ///
    /// - Parameters:
    ///   - value: The header value.
    ///   - now: The current time.
    /// - Returns: The wait (negative for a date past; at most about 30 years either way), or nil
    ///   when absent or unparseable.
    public static func parseRetryAfter(_ value: String?, now: Timestamp = .now) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        // Bounded before it becomes a `Duration` (which cannot hold 1e300 s); any cap is shorter.
        func span(_ seconds: Double) -> Duration { .seconds(min(max(seconds, -1e9), 1e9)) }
        if let seconds = Double(value) { return seconds.isFinite ? span(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                return span(date.timeIntervalSince1970 - Double(now.microseconds) / 1e6)
            }
        }
        return nil
    }
}
