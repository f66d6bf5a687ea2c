public import ConnectorKit
import Foundation

/// A faithful local fake of the Ada Data Export (v2 and v1.4) and DeepConverse export APIs,
/// served over HTTP on loopback.
///
/// It applies the vendors' parameter rules (and rejects violations the same way), their response
/// shapes, pagination, auth checks and timestamp formats, over a deterministic dataset, with
/// deterministic fault injection. Every request is logged for tests to assert on.
public final class VendorSandbox: @unchecked Sendable {
    /// One request the sandbox received.
    public struct LoggedRequest: Sendable {
        /// Monotonic seconds when it arrived.
        public var time: Double
        /// The path.
        public var path: String
        /// The query items.
        public var query: [(name: String, value: String)]
        /// The status answered.
        public var status: Int
        /// Whether it carried the right credentials.
        public var authorized: Bool

        /// The first value of a query parameter.
        public func parameter(_ name: String) -> String? { query.first { $0.name == name }?.value }
    }

    private let lock = NSLock()
    private var _dataset: SandboxDataset
    private var log: [LoggedRequest] = []
    private var attempts: [String: Int] = [:]
    private var buckets: [String: (tokens: Double, time: Double)] = [:]
    private var scripted: [String: [SandboxServer.Response]] = [:]
    private var acceptedTimes: [Double] = []
    private var acceptedDay: Int64 = -1
    private var acceptedToday = 0
    private var cursorEpoch = 0
    private var pageCache: [String: SandboxServer.Response] = [:]
    private var server: SandboxServer?
    private var clock: Timestamp?
    private var holdCountdown: Int?
    private let heldArrived = DispatchSemaphore(value: 0)
    private let heldReleased = DispatchSemaphore(value: 0)
    /// The settings.
    public let settings: SandboxSettings

    /// Generates the dataset and starts serving.
    ///
    /// - Parameters:
    ///   - settings: The settings.
    ///   - port: The port, or 0 for a free one.
    /// - Throws: ``SandboxError`` when it cannot listen.
    public init(settings: SandboxSettings = SandboxSettings(), port: UInt16 = 0) throws {
        self.settings = settings
        self._dataset = SandboxDataset(settings: settings)
        self.server = nil
        self.server = try SandboxServer(port: port) { [unowned self] request in self.handle(request) }
    }

    /// Stops serving and closes every connection (answering a held request first).
    public func stop() {
        heldReleased.signal()
        server?.stop()
    }

    /// Holds the `count`-th request from now, unanswered, until ``releaseHeld()``: a client is
    /// then stopped in the middle of its run, for as long as a test needs.
    ///
    /// - Parameter count: Which request (1: the next one).
    public func hold(request count: Int) { lock.withLock { holdCountdown = max(1, count) } }

    /// Waits until the held request has arrived.
    ///
    /// - Parameter seconds: The longest wait.
    /// - Returns: False when it did not arrive in time.
    public func waitUntilHeld(seconds: Double) -> Bool { heldArrived.wait(timeout: .now() + seconds) == .success }

    /// Lets the held request be answered.
    public func releaseHeld() { heldReleased.signal() }

    /// The port the sandbox listens on.
    public var port: UInt16 { server?.port ?? 0 }

    /// The base URL of every vendor API (`http://127.0.0.1:PORT`).
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The current dataset (it changes when conversations are touched).
    public var dataset: SandboxDataset { lock.withLock { _dataset } }

    /// Every request received so far, in arrival order.
    public var requests: [LoggedRequest] { lock.withLock { log } }

    /// Moves the update time of `count` conversations to `time`; see ``SandboxDataset/touchConversations(count:at:)``.
    ///
    /// - Parameters:
    ///   - count: How many conversations.
    ///   - time: The update time.
    /// - Returns: The touched Ada conversation ids.
    @discardableResult
    public func touchConversations(count: Int, at time: Timestamp) -> [String] {
        lock.withLock {
            pageCache = [:]
            return _dataset.touchConversations(count: count, at: time)
        }
    }

    /// Sets the vendor's clock: only records whose time (a conversation's last update), plus
    /// their delay when late, is at or before it are shown, and retention counts back from it.
    /// Until it is set, the clock is the real time.
    ///
    /// - Parameter time: The vendor's current time.
    public func setClock(_ time: Timestamp) { lock.withLock { clock = time } }

    /// The vendor's current time (see ``setClock(_:)``).
    public var now: Timestamp { lock.withLock { clock } ?? .now }

    /// The time retention counts back from: the set clock, or the settings' `now`.
    var retentionClock: Timestamp { lock.withLock { clock } ?? settings.now }

    /// Invalidates every DeepConverse cursor issued so far, as when they expire.
    public func expireCursors() { lock.withLock { cursorEpoch += 1 } }

    /// Answers the next requests to `path` with `responses`, in order, before normal handling resumes.
    ///
    /// - Parameters:
    ///   - path: The request path.
    ///   - responses: The responses.
    public func script(_ path: String, _ responses: [SandboxServer.Response]) {
        lock.withLock { scripted[path, default: []] += responses }
    }

    // MARK: - Handling

    private func handle(_ request: SandboxServer.Request) -> SandboxServer.Response {
        let held = lock.withLock { () -> Bool in
            guard let countdown = holdCountdown else { return false }
            holdCountdown = countdown > 1 ? countdown - 1 : nil
            return countdown == 1
        }
        if held {
            heldArrived.signal()
            heldReleased.wait()
        }
        let received = MonotonicClock.seconds()
        var authorized = false
        var response: SandboxServer.Response
        if let next = lock.withLock({ scripted[request.path]?.isEmpty == false ? scripted[request.path]!.removeFirst() : nil }) {
            response = next
        } else if request.path.hasPrefix("/api/v2/export/") {
            authorized = request.headers["authorization"] == "Bearer " + settings.adaToken
            response =
                authorized ? fault(request) ?? cached(request) { adaV2($0) } : AdaErrors.v2(401, "unauthorized", "Invalid or missing token")
        } else if request.path.hasPrefix("/data_api/v1.4/") {
            authorized = request.headers["authorization"] == "Bearer " + settings.adaToken
            response = authorized ? fault(request) ?? cached(request) { adaV14($0) } : AdaErrors.v14(401, "Invalid or missing token")
        } else if request.path.hasPrefix("/conversations/export/v1/") {
            let key = request.headers["x-api-key"]
            authorized = key == settings.deepConverseKey
            response =
                authorized
                ? fault(request) ?? deepConverse(request)
                : .json(key == nil ? 401 : 403, Array("{\"message\":\"\(key == nil ? "Missing API key" : "Forbidden")\"}".utf8))
        } else {
            response = .json(404, Array("{\"message\":\"no such endpoint: \(request.path)\"}".utf8))
        }
        response.delay += settings.latency
        lock.withLock {
            log.append(
                LoggedRequest(time: received, path: request.path, query: request.query, status: response.status, authorized: authorized))
        }
        return response
    }

    /// `render(request)`, or the page kept for the same target when ``SandboxSettings/cachePages`` is on.
    private func cached(
        _ request: SandboxServer.Request, _ render: (SandboxServer.Request) -> SandboxServer.Response
    ) -> SandboxServer.Response {
        guard settings.cachePages else { return render(request) }
        if let page = lock.withLock({ pageCache[request.target] }) { return page }
        let page = render(request)
        if page.status == 200 { lock.withLock { pageCache[request.target] = page } }
        return page
    }

    /// The rate limit and injected faults for a request, or nil to answer normally.
    private func fault(_ request: SandboxServer.Request) -> SandboxServer.Response? {
        let now = MonotonicClock.seconds()
        let (attempt, limited) = lock.withLock { () -> (Int, Bool) in
            attempts[request.target, default: 0] += 1
            let attempt = attempts[request.target]!
            if let perDay = settings.perDayLimit {
                let day = Timestamp.now.epochSeconds / 86_400
                if acceptedDay != day { (acceptedDay, acceptedToday) = (day, 0) }
                if acceptedToday >= perDay { return (attempt, true) }
            }
            if let perMinute = settings.perMinuteLimit {
                while let oldest = acceptedTimes.first, oldest <= now - 60 { acceptedTimes.removeFirst() }
                if acceptedTimes.count >= perMinute { return (attempt, true) }
            }
            if let limit = settings.rateLimit {
                var bucket = buckets[request.path] ?? (limit, now)
                bucket.tokens = min(limit, bucket.tokens + (now - bucket.time) * limit)
                bucket.time = now
                guard bucket.tokens >= 1 else {
                    buckets[request.path] = bucket
                    return (attempt, true)
                }
                bucket.tokens -= 1
                buckets[request.path] = bucket
            }
            if settings.perMinuteLimit != nil { acceptedTimes.append(now) }
            acceptedToday += 1
            return (attempt, false)
        }
        let retryAfter = settings.retryAfter.map { [("Retry-After", "\($0)")] } ?? []
        if limited { return throttled(request, headers: retryAfter) }
        guard attempt <= settings.faultyAttempts else { return nil }
        let roll = SandboxRandom.unit([request.target, "\(attempt)"], seed: settings.seed)
        if roll < settings.throttleRate { return throttled(request, headers: retryAfter) }
        if roll < settings.throttleRate + settings.errorRate {
            let statuses = request.path.hasPrefix("/data_api/") ? [500, 502, 503, 504, 408] : [500, 502, 503, 504]
            let status = statuses[Int(roll * 1e6) % statuses.count]
            return .json(
                status, Array("{\"errors\":[{\"type\":\"server_error\",\"message\":\"injected \(status)\",\"details\":null}]}".utf8))
        }
        if roll < settings.throttleRate + settings.errorRate + settings.truncateRate {
            var response = normal(request)
            if response.status == 200, response.body.count > 2 { response.truncateAfter = response.body.count / 2 }
            return response
        }
        return nil
    }

    private func normal(_ request: SandboxServer.Request) -> SandboxServer.Response {
        if request.path.hasPrefix("/api/v2/") { return adaV2(request) }
        if request.path.hasPrefix("/data_api/") { return adaV14(request) }
        return deepConverse(request)
    }

    private func throttled(_ request: SandboxServer.Request, headers: [(String, String)]) -> SandboxServer.Response {
        if request.path.hasPrefix("/conversations/") {
            return .json(429, Array("{\"message\":\"Too Many Requests\"}".utf8), headers: headers)
        }
        return .json(
            429, Array("{\"errors\":[{\"type\":\"rate_limited\",\"message\":\"Too Many Requests\",\"details\":null}]}".utf8),
            headers: headers)
    }

    // MARK: - Pages

    /// Latency for a page of `count` records.
    func recordLatency(_ count: Int) -> Double { settings.latencyPerRecord * Double(count) }

    /// A 200 page: `{"<key>":[records…]<trailer>}`, with the per-record latency.
    ///
    /// - Parameters:
    ///   - key: The record array's key.
    ///   - records: Pre-rendered records.
    ///   - trailer: The rest of the object after the array, starting with a comma.
    func page(_ key: String, _ records: [[UInt8]], trailer: String) -> SandboxServer.Response {
        var body = Array("{\"\(key)\":".utf8)
        body += VendorSandbox.array(records)
        body += Array((trailer + "}").utf8)
        var response = SandboxServer.Response.json(200, body)
        response.delay = recordLatency(records.count)
        return response
    }

    /// `[r1,r2,...]` from pre-rendered records.
    static func array(_ records: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(records.reduce(2) { $0 + $1.count + 1 })
        for (index, record) in records.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += record
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    func withDataset<T>(_ body: (SandboxDataset) -> T) -> T { lock.withLock { body(_dataset) } }

    var currentCursorEpoch: Int { lock.withLock { cursorEpoch } }
}
