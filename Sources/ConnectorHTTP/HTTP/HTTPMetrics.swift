import ConnectorKit
import Foundation

/// Counters of a source's HTTP traffic, for the run summary.
public final class HTTPMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var _requests = 0
    private var _retries = 0
    private var _throttled = 0
    private var _bytes = 0

    /// Creates zeroed counters.
    public init() {}

    func record(request bytes: Int) {
        lock.withLock {
            _requests += 1
            _bytes += bytes
        }
    }

    func recordRetry(throttled: Bool) {
        lock.withLock {
            _retries += 1
            if throttled { _throttled += 1 }
        }
    }

    /// The counters by name: `requests`, `retries`, `throttled` (429s), `bytes`.
    public var counters: [(name: String, value: Int)] {
        lock.withLock { [("requests", _requests), ("retries", _retries), ("throttled", _throttled), ("bytes", _bytes)] }
    }
}
