import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// A client for the sandbox's Ada endpoints with fast retries.
func adaClient(_ sandbox: VendorSandbox, token: String? = nil, rate: Double = 1000, attempts: Int = 4, logger: ExportLogger = .disabled)
    -> VendorHTTPClient
{
    var configuration = VendorHTTPClient.Configuration(
        baseURL: sandbox.baseURL,
        credential: .bearer(Secret(token ?? sandbox.settings.adaToken)),
        requestsPerSecond: rate
    )!
    configuration.retry = RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(10), maxDelay: .seconds(2))
    return VendorHTTPClient(configuration: configuration, limiters: RateLimiterRegistry(), logger: logger)
}

func messagesURL(_ client: VendorHTTPClient, _ sandbox: VendorSandbox, pageSize: Int = 100) -> String {
    let start = sandbox.dataset.start
    return client.url(
        "/api/v2/export/messages",
        query: [
            ("created_since", start.iso8601()), ("created_to", start.adding(seconds: 59 * 86_400).iso8601()), ("page_size", "\(pageSize)"),
        ]
    )
}

func readPage(_ response: VendorHTTPResponse) throws -> PageScanner.Page {
    try PageScanner.scan(
        response.body, stream: "messages", recordKeys: ["data", "items"], layout: RecordLayout(cursorField: "date_created"))
}

@Suite("HTTP client against the sandbox")
struct HTTPClientTests {
    @Test("each retryable status is retried and then succeeds", arguments: [408, 429, 500, 502, 503, 504])
    func retryable(status: Int) async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        sandbox.script("/api/v2/export/messages", [.json(status, Array("{\"errors\":[{\"type\":\"x\",\"message\":\"busy\"}]}".utf8))])
        let client = adaClient(sandbox)
        let page = try await client.get(messagesURL(client, sandbox), read: readPage)
        #expect(page.records.count == 100)
        #expect(sandbox.requests.map(\.status) == [status, 200])
        #expect(client.metrics.counters.first { $0.name == "retries" }?.value == 1)
        #expect(client.metrics.counters.first { $0.name == "throttled" }?.value == (status == 429 ? 1 : 0))
    }

    @Test("a positive Retry-After is honoured")
    func retryAfter() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        sandbox.script("/api/v2/export/messages", [SandboxServer.Response(status: 429, headers: [("Retry-After", "1")])])
        let client = adaClient(sandbox)
        _ = try await client.get(messagesURL(client, sandbox), read: readPage)
        let times = sandbox.requests.map(\.time)
        #expect(times.count == 2)
        #expect(times[1] - times[0] >= 0.95)
    }

    @Test("Retry-After 0 falls back to backoff instead of retrying at once; HTTP dates are understood")
    func retryAfterZeroAndDates() {
        var random = SystemRandomNumberGenerator()
        let policy = RetryPolicy(maxAttempts: 8, baseDelay: .seconds(1), maxDelay: .seconds(60))
        for attempt in 1...5 {
            let delay = policy.delay(afterAttempt: attempt, retryAfter: .zero, using: &random)
            #expect(delay > .zero && delay <= .seconds(pow(2, Double(attempt - 1))))
        }
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(7), using: &random) == .seconds(7))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(600), using: &random) == .seconds(60))
        let now = Timestamp(iso8601: "2015-10-21T07:27:30Z")!
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(30))
        #expect(RetryPolicy.parseRetryAfter("12", now: now) == .seconds(12))
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
    }

    @Test(
        "non-retryable statuses fail at once with status, endpoint and the vendor's message",
        arguments: [
            (400, "vendor-error"), (401, "credentials-rejected"), (403, "credentials-rejected"), (404, "vendor-error"),
            (422, "vendor-error"),
        ]
    )
    func nonRetryable(status: Int, code: String) async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        sandbox.script(
            "/api/v2/export/messages",
            [.json(status, Array("{\"errors\":[{\"type\":\"bad\",\"message\":\"window too wide\",\"details\":null}]}".utf8))])
        let client = adaClient(sandbox)
        let error = try await #require(throws: ChatExportError.self) { try await client.get(messagesURL(client, sandbox), read: readPage) }
        #expect(error.code.name == code)
        #expect(error.message.contains("GET /api/v2/export/messages?created_since="))
        #expect(error.message.contains("answered \(status)"))
        #expect(error.message.contains("bad: window too wide"))
        #expect(sandbox.requests.count == 1)
    }

    @Test("a wrong token is rejected by the sandbox and reported as exit 77")
    func wrongToken() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let client = adaClient(sandbox, token: "wrong-token")
        let error = try await #require(throws: ChatExportError.self) { try await client.get(messagesURL(client, sandbox), read: readPage) }
        #expect(error.code == .credentialsRejected)
        #expect(sandbox.requests.first?.authorized == false)
    }

    @Test("retries run out into a temporary failure (exit 75)")
    func exhausted() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        sandbox.script("/api/v2/export/messages", Array(repeating: .json(503, []), count: 4))
        let client = adaClient(sandbox, attempts: 4)
        let error = try await #require(throws: ChatExportError.self) { try await client.get(messagesURL(client, sandbox), read: readPage) }
        #expect(error.code == .temporaryFailure)
        #expect(error.code == .temporaryFailure)
        #expect(error.message.contains("after 4 attempts"))
    }

    @Test("a cut-off body and an invalid JSON body are retried")
    func truncatedAndInvalid() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let body = Array("{\"data\":[{\"_id\":\"x\",\"date_created\":\"2026-01-01T00:00:00Z\"}],\"meta\":{}}".utf8)
        sandbox.script(
            "/api/v2/export/messages",
            [SandboxServer.Response(status: 200, body: body, truncateAfter: 20), .json(200, Array(body.prefix(25)))]
        )
        let client = adaClient(sandbox)
        let page = try await client.get(messagesURL(client, sandbox), read: readPage)
        #expect(page.records.count == 100)
        #expect(sandbox.requests.count == 3)
    }

    @Test("a link to another origin stops the stream and that origin receives nothing")
    func foreignOrigin() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let (foreign, hits) = try countingServer()
        defer { foreign.stop() }
        let link = "http://127.0.0.1:\(foreign.port)/api/v2/export/messages?created_since=2026-01-01T00:00:00Z"
        sandbox.script("/api/v2/export/messages", [.json(200, Array("{\"data\":[],\"meta\":{\"next_page_uri\":\"\(link)\"}}".utf8))])
        let client = adaClient(sandbox)
        // Follow the vendor's next link the way connectors do.
        let page = try await client.get(messagesURL(client, sandbox), read: readPage)
        let next = try #require(
            page.members["meta"]?["next_page_uri"]?.stringValue.flatMap { HTTPURL.resolve($0, against: messagesURL(client, sandbox)) })
        let error = try await #require(throws: ChatExportError.self) { try await client.get(next, read: readPage) }
        #expect(error.message.contains("refusing to send credentials to http://127.0.0.1:\(foreign.port)"))
        #expect(hits.value == 0)
    }

    @Test("a redirect is never followed, so credentials cannot travel with it")
    func redirect() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let (foreign, hits) = try countingServer()
        defer { foreign.stop() }
        sandbox.script(
            "/api/v2/export/messages",
            [SandboxServer.Response(status: 302, headers: [("Location", "http://127.0.0.1:\(foreign.port)/steal")])])
        let client = adaClient(sandbox)
        let error = try await #require(throws: ChatExportError.self) { try await client.get(messagesURL(client, sandbox), read: readPage) }
        #expect(error.message.contains("answered 302, a redirect to http://127.0.0.1:\(foreign.port)"))
        #expect(hits.value == 0)
    }

    // A deadlock (as FoundationNetworking's async API can produce) would never end: the time
    // limit turns one into a failure instead of a hang, however loaded the machine.
    @Test("cancelling requests in flight neither hangs nor leaks: the task ends", .timeLimit(.minutes(2)))
    func cancellation() async throws {
        var settings = SandboxSettings()
        settings.latency = 30
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let client = adaClient(sandbox)
        let url = messagesURL(client, sandbox)
        for round in 1...5 {
            await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = try await client.get(url, read: readPage) } }
                // Cancel once the server holds all four (each would take 30 s to answer).
                while sandbox.requests.count < 4 * round { try? await Task.sleep(nanoseconds: 1_000_000) }
                group.cancelAll()
                while let result = await group.nextResult() {
                    if case .failure(let error) = result { #expect(error is CancellationError) }
                }
            }
        }
    }

    @Test("the token never appears in logs or errors, even when the vendor echoes it")
    func secretsStaySecret() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let token = sandbox.settings.adaToken
        sandbox.script(
            "/api/v2/export/messages",
            [
                .json(503, Array("{\"errors\":[{\"type\":\"x\",\"message\":\"token \(token) is busy\"}]}".utf8)),
                .json(400, Array("{\"message\":\"bad token \(token)\"}".utf8)),
            ]
        )
        let handler = InMemoryLogHandler()
        let client = adaClient(sandbox, logger: ExportLogger(level: .trace, handler: handler))
        let error = try await #require(throws: ChatExportError.self) {
            try await client.get(messagesURL(client, sandbox) + "&token=\(token)", read: readPage)
        }
        let everything = handler.text + "\n" + error.message + "\n" + "\(client.configuration.credential!)"
        #expect(handler.events.count >= 2)
        #expect(!everything.contains(token))
        #expect(everything.contains("<redacted>"))
    }

    @Test("a page-caching sandbox repeats a page byte for byte, and renders afresh after conversations are touched")
    func pageCache() async throws {
        var settings = SandboxSettings()
        settings.cachePages = true
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let client = adaClient(sandbox)
        let url = client.url(
            "/api/v2/export/conversations",
            query: [
                ("updated_since", sandbox.dataset.start.iso8601()), ("updated_to", sandbox.settings.end.iso8601()), ("page_size", "10000"),
            ]
        )
        let first = try await client.get(url) { $0.body }
        let second = try await client.get(url) { $0.body }
        #expect(first.count > 10_000)
        #expect(first == second)
        let touched = sandbox.touchConversations(count: 3, at: sandbox.settings.end.adding(seconds: -60))
        let third = String(decoding: try await client.get(url) { $0.body }, as: UTF8.self)
        #expect(Array(third.utf8) != first)
        // The touched conversations now come last, as the most recently updated.
        let tail = third.suffix(third.count / 10)
        for id in touched { #expect(tail.contains(id)) }
    }

    @Test("the daily budget stops requests with exit 75 and says when to resume")
    func budget() async throws {

        let budget = RequestBudget(limit: 2)
        let now = Timestamp(iso8601: "2026-03-01T10:00:00Z")!
        try await budget.spend(now: now)
        try await budget.spend(now: now)
        let error = await #expect(throws: ChatExportError.self) { try await budget.spend(now: now) }
        #expect(error?.code == .budgetExhausted)
        #expect(error?.message.contains("resume after 2026-03-02T00:00:00Z") == true)
        try await budget.spend(now: Timestamp(iso8601: "2026-03-02T00:00:01Z")!)
    }

    @Test("plain http is refused for non-loopback hosts unless allowed")
    func insecureHTTP() throws {
        func options(_ url: String, allow: Bool) -> ComponentOptions {
            ComponentOptions(
                type: "x", path: "source", baseDirectory: ".", values: ["base_url": .string(url), "allow_insecure_http": .bool(allow)])
        }
        let error = try #require(throws: ConfigError.self) {
            try HTTPOptions.configuration(from: options("http://acme.ada.support", allow: false), credential: nil)
        }
        #expect(error.issues.first?.path == "source.base_url")
        _ = try HTTPOptions.configuration(from: options("http://acme.ada.support", allow: true), credential: nil)
        _ = try HTTPOptions.configuration(from: options("http://127.0.0.1:8080", allow: false), credential: nil)
        _ = try HTTPOptions.configuration(from: options("https://acme.ada.support", allow: false), credential: nil)
    }
}

/// A second listener standing for a foreign origin: it answers everything and counts what it got.
func countingServer() throws -> (SandboxServer, Counter) {
    let hits = Counter()
    let server = try SandboxServer { _ in
        hits.increment()
        return .json(200, Array("{\"data\":[]}".utf8))
    }
    return (server, hits)
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
