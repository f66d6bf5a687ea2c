public import ConnectorKit

/// A vendor's request limits, as scoped budgets: per endpoint per second, and per vendor instance
/// (origin and credential) per minute and per UTC day. nil means no such limit.
///
/// Every job and stream in one process calling the same instance shares one set of budgets
/// (``RateLimiterRegistry``); the per-day count also persists across runs in the job's state.
public struct RateLimits: Sendable, Hashable, CustomStringConvertible {
    /// Requests per second to one endpoint (path).
    public var perEndpointPerSecond: Double?
    /// Requests per minute to the whole instance.
    public var perMinute: Int?
    /// Requests per UTC day to the whole instance.
    public var perDay: Int?

    /// Creates limits.
    ///
    /// - Parameters:
    ///   - perEndpointPerSecond: Requests per second per endpoint.
    ///   - perMinute: Requests per minute per instance.
    ///   - perDay: Requests per UTC day per instance.
    public init(perEndpointPerSecond: Double? = nil, perMinute: Int? = nil, perDay: Int? = nil) {
        self.perEndpointPerSecond = perEndpointPerSecond
        self.perMinute = perMinute
        self.perDay = perDay
    }

    /// Each limit of both, the stricter one where both have it.
    ///
    /// - Parameter other: Other limits.
    /// - Returns: The combined limits.
    public func tightened(by other: RateLimits) -> RateLimits {
        func stricter<T: Comparable>(_ a: T?, _ b: T?) -> T? { a.map { a in b.map { min(a, $0) } ?? a } ?? b }
        return RateLimits(
            perEndpointPerSecond: stricter(perEndpointPerSecond, other.perEndpointPerSecond),
            perMinute: stricter(perMinute, other.perMinute), perDay: stricter(perDay, other.perDay))
    }

    /// As an option value: `{"per_endpoint_per_second": 10, "per_minute": 100, "per_day": 15000}`, 0 for none.
    public var json: JSONValue {
        .object([
            ("per_endpoint_per_second", perEndpointPerSecond.map(JSONValue.double) ?? .integer(0)),
            ("per_minute", .integer(perMinute ?? 0)),
            ("per_day", .integer(perDay ?? 0)),
        ])
    }

    /// `10/s per endpoint, 100/min, 15000/day`
    public var description: String {
        let parts = [
            perEndpointPerSecond.map { "\(JSONValue.double($0).jsonText)/s per endpoint" }, perMinute.map { "\($0)/min" },
            perDay.map { "\($0)/day" },
        ].compactMap { $0 }
        return parts.isEmpty ? "no limits" : parts.joined(separator: ", ")
    }

    /// The limit a request waits for, in words: `100 requests a minute`, `10 requests a second to
    /// /api/v2/export/messages`.
    ///
    /// - Parameters:
    ///   - constraint: What the request waits for.
    ///   - endpoint: The endpoint's path.
    /// - Returns: The words.
    public func waitDescription(_ constraint: RateLimiter.Constraint?, endpoint: String) -> String {
        switch constraint {
        case .perEndpoint:
            "\(perEndpointPerSecond.map { JSONValue.double($0).jsonText } ?? "?") requests a second to \(endpoint)"
        case .perMinute: "\(perMinute ?? 0) requests a minute"
        case .vendorPause, nil: "the vendor's pause"
        }
    }

    /// The lowest per-endpoint rate a config may set (one request per 100 s); 0 turns the limit off.
    public static let minimumPerSecond = 0.01
}
