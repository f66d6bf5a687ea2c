public import ConnectorKit
import Foundation

/// The HTTP machinery every connector uses: a connector says what to request and how to read the
/// answer; the client pins credentials to the configured origin, adds auth, spends the daily
/// budget, waits for the endpoint's rate limit, sends through the transport, retries what is worth
/// retrying, and turns everything else into one-line ``ChatExportError``s.
///
/// A 429 is throttling, not failure: it never uses up `max_attempts`; the instance's
/// ``RateLimiter`` slows down (or pauses for `Retry-After`) and the wait is logged and shown as
/// "throttled by the vendor; next request at HH:MM:SS". Only ``RetryPolicy/maxThrottledWait`` of
/// throttling for one request stops the run (exit 75).
///
/// Retried: 408, 500, 502, 503, 504, connection failures, timeouts, and a 2xx whose body is
/// cut off or is not valid JSON (``read`` threw ``JSONSyntaxError``) or that ``read`` found
/// unusable (it threw ``InvalidResponse``: a missing paging object, a cursor that repeats). `Retry-After` (seconds or an
/// HTTP date) is honoured when positive. Not retried: other 4xx (401/403 →
/// ``ChatExportError/Code/credentialsRejected``), redirects, requests to another origin.
public struct VendorHTTPClient: Sendable {
    /// The client's settings.
    public let configuration: Configuration
    private let transport: any HTTPTransport
    private let limiters: RateLimiterRegistry
    private let clock: SchedulingClock
    /// The logger requests are logged to (at debug level).
    public let logger: ExportLogger
    /// Traffic counters.
    public let metrics: HTTPMetrics
    /// What the run provides: where the daily budget is counted, where waits are shown, and
    /// whether each request is tried once (a check). Nothing stored, by default; a source binds
    /// its client to each request's context (``bound(to:)``).
    public private(set) var context = RunContext()

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - configuration: The settings.
    ///   - transport: The I/O; a ``CurlTransport`` with the configured timeouts and CA file by default.
    ///   - limiters: Where rate limiters and daily budgets are shared; the process-wide registry by default.
    ///   - clock: The clock rate limits and backoff wait on.
    ///   - logger: Where requests are logged.
    public init(
        configuration: Configuration,
        transport: (any HTTPTransport)? = nil,
        limiters: RateLimiterRegistry = .shared,
        clock: SchedulingClock = .continuous,
        logger: ExportLogger
    ) {
        self.configuration = configuration
        self.transport = transport ?? VendorHTTPClient.defaultTransport(configuration)
        self.limiters = limiters
        self.clock = clock
        self.logger = logger
        self.metrics = HTTPMetrics()
    }

    /// The same client (transport, limiters, counters) working for a run: its budget, progress
    /// display and mode.
    ///
    /// - Parameter context: The context of the request being served (``ReadRequest/context``,
    ///   ``CheckRequest/context``).
    /// - Returns: The bound client.
    public func bound(to context: RunContext) -> VendorHTTPClient {
        var bound = self
        bound.context = context
        return bound
    }

    /// A ``CurlTransport`` with the configuration's timeouts and CA file, or one that reports
    /// why libcurl could not be used.
    static func defaultTransport(_ configuration: Configuration) -> any HTTPTransport {
        let options = CurlTransport.Options(
            connectTimeout: configuration.connectTimeout, requestTimeout: configuration.requestTimeout, caFile: configuration.caFile)
        do {
            return try CurlTransport(options: options)
        } catch {
            return UnavailableTransport(error: error)
        }
    }

    /// A URL on the configured origin.
    ///
    /// - Parameters:
    ///   - path: The endpoint path.
    ///   - query: Query items.
    /// - Returns: The absolute URL.
    public func url(_ path: String, query: [(String, String)]) -> String {
        HTTPURL.build(base: configuration.baseURL, path: path, query: query)
    }

    /// Sends a GET and reads the answer, retrying as described on the type.
    ///
    /// - Parameters:
    ///   - url: The absolute URL (must be on the configured origin).
    ///   - passThrough: Error statuses handed to `read` instead of being reported (for a
    ///     connector that gives them a meaning, like an expired cursor).
    ///   - read: Turns a 2xx response (or a `passThrough` one) into a value; throw
    ///     ``JSONSyntaxError`` for a cut-off or invalid body (retried), anything else to stop.
    /// - Returns: What `read` returns.
    /// - Throws: ``ChatExportError`` (`credentialsRejected`, `vendorError`, `temporaryFailure`,
    ///   `budgetExhausted`), `CancellationError`, or what `read` throws.
    public func get<T>(_ url: String, passThrough: Set<Int> = [], read: (VendorHTTPResponse) throws -> T) async throws -> T {
        try await send(VendorHTTPRequest(url: url), passThrough: passThrough, read: read)
    }

    /// Sends a request and reads the answer; see ``get(_:passThrough:read:)``.
    ///
    /// - Parameters:
    ///   - request: The request (without credentials).
    ///   - passThrough: Error statuses handed to `read`.
    ///   - read: Turns a 2xx (or `passThrough`) response into a value.
    /// - Returns: What `read` returns.
    /// - Throws: See ``get(_:passThrough:read:)``.
    public func send<T>(_ request: VendorHTTPRequest, passThrough: Set<Int> = [], read: (VendorHTTPResponse) throws -> T) async throws -> T
    {
        let shown = "\(request.method) \(HTTPURL.redacted(request.url))"
        var authorized = request
        authorized.url = configuration.authorizing(request.url)
        authorized.headers += configuration.headers
        // The last line of defence against header injection: config validation refuses such
        // values first; a vendor's link that gets here is refused, not retried.
        var problem = HTTPFieldRules.problem(in: authorized)
        if case .header(let name, _) = configuration.credential { problem = problem ?? HTTPFieldRules.credentialHeaderProblem(name) }
        if let problem {
            throw ChatExportError(.failure, "refusing to send \(shown): \(problem)")
        }
        guard let origin = HTTPOrigin(request.url), origin == configuration.origin else {
            let target = HTTPOrigin(request.url)?.description ?? "an unparseable URL"
            throw ChatExportError(
                .vendorError,
                "refusing to send credentials to \(target): the vendor linked to \(HTTPURL.redacted(request.url)) outside the configured origin \(configuration.origin)"
            )
        }
        let instance = configuration.instanceKey
        let limiter = await limiters.limiter(for: instance, limits: configuration.rateLimits, clock: clock)
        var budget: RequestBudget?
        if let perDay = configuration.rateLimits.perDay {
            budget = await limiters.budget(for: instance, limit: perDay, instance: configuration.origin.instance)
        }
        var random = SystemRandomNumberGenerator()
        var lastProblem = ""
        var invalid = false
        var attempt = 1
        let maxAttempts = context.singleAttempt ? 1 : configuration.retry.maxAttempts
        var throttledSince: Double?
        while true {
            try Task.checkCancellation()
            let ticket = try await limiter.acquire(endpoint: request.path) { [logger, clock, configuration, context] ticket in
                // Once per wait, not per request: a pause at a limit is never mistaken for a hang.
                let at = Timestamp.now.adding(seconds: Int64(saturating: (ticket.slot - clock.now).rounded(.up)))
                let limit = configuration.rateLimits.waitDescription(ticket.waitingFor, endpoint: request.path)
                logger.info(
                    "waiting for the rate limit (\(limit), \(configuration.origin.instance)); next request at \(at.clockText)",
                    ["limit": .string(ticket.waitingFor?.rawValue ?? "")])
                context.progress?.waiting(for: limit, until: at)
            }
            // Counted when it goes out, not while it waits for its slot: requests queued behind
            // the rate limit (however many windows wait) never write the stored count ahead.
            try await budget?.spend(store: context.budget)
            let started = MonotonicClock.seconds()
            let response: VendorHTTPResponse
            do {
                response = try await transport.send(authorized)
            } catch let error as HTTPTransportError {
                invalid = false
                metrics.record(request: 0)
                lastProblem = scrub("\(error)")
                logger.debug("\(shown) failed: \(lastProblem)", ["attempt": "\(attempt)"])
                if error.kind == .tls || error.kind == .tooLarge { throw ChatExportError(.vendorError, "\(shown): \(lastProblem)") }
                if error.kind == .connectionRefused || error.kind == .hostNotFound {
                    // Nothing there: a few quick tries (a restarting server, a DNS blip), not minutes of backoff.
                    if attempt >= min(maxAttempts, VendorHTTPClient.quickAttempts) { break }
                    attempt += 1
                    metrics.recordRetry(throttled: false)
                    logger.warning(
                        "\(shown): \(lastProblem); trying again in 0.5 s (attempt \(attempt) of \(VendorHTTPClient.quickAttempts))")
                    try await clock.sleep(for: .milliseconds(500))
                    continue
                }
                // A request that used all of request_timeout is tried once more, not max_attempts
                // times: a vendor that trickles or holds a request open would keep a run for an hour.
                let limit = error.kind == .timeout ? min(maxAttempts, VendorHTTPClient.timeoutAttempts) : maxAttempts
                try await backoff(shown, attempt: &attempt, of: limit, problem: lastProblem, retryAfter: nil, random: &random)
                if attempt > limit {
                    attempt = limit
                    break
                }
                continue
            }
            metrics.record(request: response.body.count)
            let seconds = MonotonicClock.seconds() - started
            logger.debug(
                "\(shown) → \(response.status), \(response.body.count) bytes, \(Int(seconds * 1000)) ms",
                ["attempt": "\(attempt)"]
            )
            if response.status != 429 {
                throttledSince = nil
                await limiter.succeeded()
            }
            switch response.status {
            case let status where (200..<300).contains(status) || passThrough.contains(status):
                do {
                    return try read(response)
                } catch let error as JSONSyntaxError {
                    invalid = false
                    lastProblem = "answered \(response.status) with an invalid body (\(error))"
                    try await backoff(shown, attempt: &attempt, of: maxAttempts, problem: lastProblem, retryAfter: nil, random: &random)
                } catch let error as InvalidResponse {
                    invalid = true
                    lastProblem = "answered \(response.status) with an unusable page: \(scrub(error.reason))"
                    try await backoff(shown, attempt: &attempt, of: maxAttempts, problem: lastProblem, retryAfter: nil, random: &random)
                }
            case 429:
                let retryAfter = RetryPolicy.parseRetryAfter(response.headers["retry-after"]).map { min($0, configuration.retry.maxDelay) }
                let resume = await limiter.throttled(ticket, retryAfter: retryAfter)
                let now = clock.now
                let since = throttledSince ?? now
                throttledSince = since
                guard resume - since <= configuration.retry.maxThrottledWait.inSeconds else {
                    throw ChatExportError(
                        .temporaryFailure,
                        "\(shown): the vendor kept throttling (429) for \(Int(now - since)) s; stopped at the last checkpoint. Re-run to resume"
                    )
                }
                metrics.recordRetry(throttled: true)
                let at = Timestamp.now.adding(seconds: Int64(saturating: (resume - now).rounded(.up)))
                let pace = await limiter.factor
                logger.warning(
                    "throttled by the vendor (\(shown) answered 429\(retryAfter.map { ", Retry-After \(Int($0.inSeconds)) s" }.orEmpty)); "
                        + "next request at \(at.clockText)\(pace < 1 ? ", pacing at \(Int((pace * 100).rounded())) % of the configured rate" : "")"
                )
                context.progress?.throttled(until: at)
            case let status where RetryPolicy.retryableStatuses.contains(status):
                invalid = false
                lastProblem = "answered \(status)" + vendorMessage(response).map { ": \($0)" }.orEmpty
                let retryAfter = RetryPolicy.parseRetryAfter(response.headers["retry-after"])
                try await backoff(shown, attempt: &attempt, of: maxAttempts, problem: lastProblem, retryAfter: retryAfter, random: &random)
            case 300..<400:
                let location = response.headers["location"].flatMap { HTTPURL.resolve($0, against: request.url) }.flatMap(HTTPOrigin.init)
                throw ChatExportError(
                    .vendorError,
                    "\(shown) answered \(response.status), a redirect\(location.map { " to \($0)" }.orEmpty), which is never followed with credentials"
                )
            case 401, 403:
                throw ChatExportError(
                    .credentialsRejected,
                    "\(shown) answered \(response.status): the vendor rejected the credentials"
                        + vendorMessage(response).map { " (\($0))" }.orEmpty
                )
            default:
                throw ChatExportError(
                    .vendorError, "\(shown) answered \(response.status)" + vendorMessage(response).map { ": \($0)" }.orEmpty)
            }
            if attempt > maxAttempts { break }
        }
        let tries = min(attempt, maxAttempts)
        if invalid {
            throw ChatExportError(
                .invalidResponse, "\(shown) \(lastProblem)" + (tries > 1 ? " (the same after \(tries) attempts)" : ""))
        }
        if context.singleAttempt {
            throw ChatExportError(.temporaryFailure, "\(shown) failed: \(lastProblem)")
        }
        throw ChatExportError(
            .temporaryFailure,
            "\(shown) failed after \(tries) attempt\(tries == 1 ? "" : "s"); last: \(lastProblem). Re-run to resume"
        )
    }

    /// Attempts for a connection refused or a host not found, half a second apart.
    static let quickAttempts = 3

    /// Attempts for a request that ran into `request_timeout` (the whole request's time).
    static let timeoutAttempts = 2

    /// Counts a failed attempt and waits before the next one, unless attempts are used up
    /// (then `attempt` exceeds `maxAttempts` and the caller stops).
    private func backoff<R: RandomNumberGenerator>(
        _ shown: String,
        attempt: inout Int,
        of maxAttempts: Int,
        problem: String,
        retryAfter: Duration?,
        random: inout R
    ) async throws {
        defer { attempt += 1 }
        guard attempt < maxAttempts else { return }
        metrics.recordRetry(throttled: false)
        let delay = configuration.retry.delay(afterAttempt: attempt, retryAfter: retryAfter, using: &random)
        logger.warning(
            "\(shown) \(problem); retrying in \(String(format: "%.2f", delay.inSeconds)) s (attempt \(attempt + 1) of \(maxAttempts))"
        )
        try await clock.sleep(for: delay)
    }

    /// The vendor's error message from an error body, without secrets, on one line.
    private func vendorMessage(_ response: VendorHTTPResponse) -> String? {
        configuration.errorMessage(response).map { scrub($0) }
    }

    /// Removes every credential value from a text, on one line.
    private func scrub(_ text: String) -> String {
        Secret.mask(text.replacingOccurrences(of: "\n", with: " "), configuration.secretValues)
    }
}

extension Optional where Wrapped == String {
    var orEmpty: String { self ?? "" }
}
