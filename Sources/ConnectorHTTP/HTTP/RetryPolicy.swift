public import ConnectorKit
import Foundation

/// When and how long to wait before retrying a failed request: exponential backoff with full
/// jitter, capped, honouring a positive `Retry-After`.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts, the first included.
    public var maxAttempts: Int
    /// The backoff base in seconds (the first retry waits up to this long).
    public var baseDelay: Double
    /// The longest wait between attempts, in seconds (also caps `Retry-After`).
    public var maxDelay: Double
    /// How long one request may stay throttled (answered 429 again and again) before the run
    /// stops at its checkpoint, in seconds. 429s never count as attempts.
    public var maxThrottledWait: Double

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - maxAttempts: Total attempts.
    ///   - baseDelay: The backoff base.
    ///   - maxDelay: The cap.
    ///   - maxThrottledWait: How long one request may stay throttled.
    public init(maxAttempts: Int = 8, baseDelay: Double = 0.5, maxDelay: Double = 60, maxThrottledWait: Double = 3600) {
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
    ///   - retryAfter: The server's `Retry-After` in seconds, if any.
    ///   - random: The jitter source.
    /// - Returns: Seconds to wait.
    public func delay<R: RandomNumberGenerator>(afterAttempt attempt: Int, retryAfter: Double?, using random: inout R) -> Double {
        if let retryAfter, retryAfter > 0 { return min(retryAfter, maxDelay) }
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(min(attempt - 1, 30))))
        // Full jitter, with a small floor so a storm of zero waits cannot happen.
        return max(ceiling * 0.05, Double.random(in: 0...ceiling, using: &random))
    }

    /// Parses `Retry-After`: delta seconds or an HTTP date.
    ///
    /// - Parameters:
    ///   - value: The header value.
    ///   - now: The current time.
    /// - Returns: Seconds to wait, or nil when absent or unparseable.
    public static func parseRetryAfter(_ value: String?, now: Timestamp = .now) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return seconds.isFinite ? seconds : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                return date.timeIntervalSince1970 - Double(now.microseconds) / 1e6
            }
        }
        return nil
    }
}
