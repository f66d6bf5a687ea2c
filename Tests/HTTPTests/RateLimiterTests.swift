import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// Equal up to floating-point rounding.
private func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

@Suite("Rate limits on a manual clock")
struct RateLimiterTests {
    @Test("requests are spaced per endpoint; per minute they go at once until the sliding window holds the limit")
    func schedule() async {
        let clock = ManualClock()
        let perSecond = RateLimiter(limits: RateLimits(perEndpointPerSecond: 2), clock: SchedulingClock(clock))
        var slots: [Double] = []
        for endpoint in ["a", "a", "b", "a", "b"] { slots.append(await perSecond.reserve(endpoint: endpoint).slot) }
        #expect(slots == [0, 0.5, 0, 1.0, 0.5])

        // 5 a minute: five go at once (each endpoint at its own pace), the sixth once the first
        // is a window (61 s) old; the wait is announced once, as the per-minute limit's (the
        // per-endpoint waits are shorter than a second: not announced).
        let both = RateLimiter(limits: RateLimits(perEndpointPerSecond: 4, perMinute: 5), clock: SchedulingClock(clock))
        var tickets: [RateLimiter.Ticket] = []
        for endpoint in ["a", "a", "b", "a", "b", "b", "a"] { tickets.append(await both.reserve(endpoint: endpoint)) }
        // The two at 0 leave the window at 61: the sixth and seventh go then.
        #expect(tickets.map(\.slot) == [0, 0.25, 0, 0.5, 0.25, 61, 61])
        #expect(tickets.map(\.waitingFor) == [nil, .perEndpoint, nil, .perEndpoint, .perEndpoint, .perMinute, .perMinute])
        #expect(tickets.map(\.announce) == [false, false, false, false, false, true, false])

        // After the window, the budget is whole again: a burst goes at once.
        clock.advance(by: .seconds(200))
        slots = []
        for endpoint in ["a", "b", "c", "d", "e"] { slots.append(await both.reserve(endpoint: endpoint).slot) }
        #expect(slots == [200, 200, 200, 200, 200])
        #expect(await both.reserve(endpoint: "f").slot == 261)
    }

    @Test("no sliding window of 61 s ever holds more requests than the per-minute limit", arguments: [1, 7, 100])
    func slidingWindowInvariant(limit: Int) async {
        let clock = ManualClock()
        let limiter = RateLimiter(limits: RateLimits(perEndpointPerSecond: 50, perMinute: limit), clock: SchedulingClock(clock))
        var random = SplitMix64(seed: UInt64(limit))
        var slots: [Double] = []
        for _ in 0..<(limit * 5 + 20) {
            // Reservations in small bursts from a few endpoints, the clock moving on between them.
            let endpoint = ["a", "b", "c"][Int(random.next() % 3)]
            slots.append(await limiter.reserve(endpoint: endpoint).slot)
            if random.next() % 4 == 0 { clock.advance(by: .milliseconds(Int64(random.next() % 30_000))) }
        }
        slots.sort()
        for (index, start) in slots.enumerated() {
            let inWindow = slots[index...].prefix { $0 < start + RateLimiter.minuteWindow }.count
            #expect(inWindow <= limit)
        }
    }

    @Test("after a 429 without Retry-After per-minute requests are spaced evenly; after a calm period they burst again")
    func spacedAfterThrottling() async {
        let clock = ManualClock()
        let limiter = RateLimiter(limits: RateLimits(perMinute: 100), clock: SchedulingClock(clock))
        let first = await limiter.reserve(endpoint: "a")
        #expect(await limiter.reserve(endpoint: "a").slot == 0)
        // 50 a minute now, at 98 %: 60/49 s apart, the first after one interval.
        let spacing = 60.0 / 49
        #expect(close(await limiter.throttled(first, retryAfter: nil), spacing))
        #expect(await limiter.spacing)
        var slots: [Double] = []
        for _ in 0..<3 { slots.append(await limiter.reserve(endpoint: "a").slot) }
        #expect(zip(slots, [spacing, 2 * spacing, 3 * spacing]).allSatisfy { close($0, $1) })
        for _ in 0..<25 { await limiter.succeeded() }
        #expect(await limiter.factor == 1)
        clock.advance(by: .seconds(Int64(RateLimiter.calmPeriod)))
        let now = RateLimiter.calmPeriod
        slots = []
        for _ in 0..<3 { slots.append(await limiter.reserve(endpoint: "a").slot) }
        #expect(await !limiter.spacing)
        #expect(slots.allSatisfy { close($0, now) })
    }

    @Test("a 429 without Retry-After halves the rate once per overload; successes raise it back step by step")
    func multiplicativeDecreaseAdditiveIncrease() async {
        let clock = ManualClock()
        let limiter = RateLimiter(limits: RateLimits(perEndpointPerSecond: 10), clock: SchedulingClock(clock))
        let first = await limiter.reserve(endpoint: "a")
        let second = await limiter.reserve(endpoint: "a")
        #expect([first.slot, second.slot] == [0, 0.1])
        clock.advance(by: .milliseconds(100))
        // Both were paced before the vendor said anything: one decrease, not two.
        #expect(close(await limiter.throttled(first, retryAfter: nil), 0.3))
        #expect(close(await limiter.throttled(second, retryAfter: nil), 0.3))
        #expect(await limiter.factor == 0.5)
        #expect(close(await limiter.intervals.endpoint, 0.2))
        let next = await limiter.reserve(endpoint: "a")
        #expect(close(next.slot, 0.3))
        #expect(close(await limiter.reserve(endpoint: "a").slot, 0.5))
        // A 429 to a request paced under the new rate halves it again.
        #expect(close(await limiter.throttled(next, retryAfter: nil), 0.5))
        #expect(await limiter.factor == 0.25)
        for _ in 0..<10 { await limiter.succeeded() }
        #expect(abs(await limiter.factor - 0.45) < 1e-9)
        for _ in 0..<100 { await limiter.succeeded() }
        #expect(await limiter.factor == 1)
    }

    @Test("a 429 with Retry-After pauses for that long without slowing down")
    func retryAfter() async {
        let clock = ManualClock()
        let limiter = RateLimiter(limits: RateLimits(perEndpointPerSecond: 10, perMinute: 1000), clock: SchedulingClock(clock))
        let ticket = await limiter.reserve(endpoint: "a")
        #expect(await limiter.throttled(ticket, retryAfter: .seconds(7)) == 7)
        #expect(await limiter.factor == 1)
        #expect(await limiter.reserve(endpoint: "a").slot == 7)
        // Not spaced: a pause the vendor asked for says nothing against a burst after it.
        #expect(await limiter.reserve(endpoint: "b").slot == 7)
    }

    @Test("a request waiting when the vendor throttles is paced again and never goes out during the pause")
    func waitersRepace() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(limits: RateLimits(perEndpointPerSecond: 10), clock: SchedulingClock(clock))
        let first = try await limiter.acquire(endpoint: "a")
        let waiting = Task { try await limiter.acquire(endpoint: "a") }
        await clock.waitForSleepers(1)
        #expect(close(await limiter.throttled(first, retryAfter: nil), 0.2))
        clock.advance(by: .milliseconds(100))
        // Woken at its old slot (0.1), it finds the pacing changed and waits for the new one.
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(100))
        #expect(close(try await waiting.value.slot, 0.2))
    }

    @Test("the daily budget persists ahead of use in leases, across budgets sharing a store, and renews each UTC day")
    func persistedBudget() async throws {
        let store = InMemoryCheckpointStore()
        let morning = Timestamp(iso8601: "2026-03-01T08:00:00Z")!
        let budget = RequestBudget(limit: 1000, instance: "acme.ada.support")
        for _ in 0..<3 { try await budget.spend(now: morning, store: store) }
        // Leases of 5 for a budget of 1000: the store already counts the next two requests.
        #expect(try await store.loadJobValues()["requests:acme.ada.support"]?["used"] == .integer(5))
        #expect(try await store.loadJobValues()["requests:acme.ada.support"]?["day"] == .string("2026-03-01"))
        // A later run of the day starts from what was stored: a crash can only over-count.
        let later = RequestBudget(limit: 7, instance: "acme.ada.support")
        try await later.spend(now: morning, store: store)
        #expect(await later.spent == 6)
        try await later.spend(now: morning, store: store)
        await #expect(throws: ChatExportError.self) { try await later.spend(now: morning, store: store) }
        // The next UTC day starts at zero.
        try await later.spend(now: Timestamp(iso8601: "2026-03-02T00:00:01Z")!, store: store)
        #expect(await later.spent == 1)
    }
}

@Suite("Throttling against the sandbox")
struct ThrottlingTests {
    @Test("429s without Retry-After never use up attempts: the request slows down and then succeeds")
    func throttlingIsNotFailure() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let throttled = SandboxServer.Response.json(429, Array(#"{"errors":[{"type":"rate_limited","message":"slow down"}]}"#.utf8))
        sandbox.script("/api/v2/export/messages", Array(repeating: throttled, count: 6))
        let handler = InMemoryLogHandler()
        let client = adaClient(sandbox, attempts: 1, logger: ExportLogger(handler: handler))
        let page = try await client.get(messagesURL(client, sandbox), read: readPage)
        #expect(!page.records.isEmpty)
        #expect(sandbox.requests.count == 7)
        #expect(client.metrics.counters.contains { $0.name == "throttled" && $0.value == 6 })
        #expect(handler.text.contains("throttled by the vendor"))
        #expect(handler.text.contains("next request at"))
    }

    @Test("a vendor that never stops throttling ends the run with exit 75 once the throttled wait is used up")
    func endlessThrottling() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let throttled = SandboxServer.Response.json(429, Array("{}".utf8), headers: [("Retry-After", "30")])
        sandbox.script("/api/v2/export/messages", Array(repeating: throttled, count: 3))
        var configuration = VendorHTTPClient.Configuration(
            baseURL: sandbox.baseURL, credential: .bearer(Secret(sandbox.settings.adaToken)), requestsPerSecond: 1000)!
        configuration.retry = RetryPolicy(maxAttempts: 3, maxDelay: .seconds(60), maxThrottledWait: .seconds(10))
        let client = VendorHTTPClient(configuration: configuration, limiters: RateLimiterRegistry(), logger: .disabled)
        let error = await #expect(throws: ChatExportError.self) { try await client.get(messagesURL(client, sandbox), read: readPage) }
        #expect(error?.code == .temporaryFailure)
        #expect(error?.message.contains("kept throttling") == true)
        #expect(sandbox.requests.count == 1)
    }

    @Test("retry backoff waits on the injected clock, not the wall clock")
    func backoffOnClock() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let failing = SandboxServer.Response.json(503, Array("{}".utf8))
        sandbox.script("/api/v2/export/messages", [failing, failing])
        let clock = ManualClock()
        var configuration = VendorHTTPClient.Configuration(
            baseURL: sandbox.baseURL, credential: .bearer(Secret(sandbox.settings.adaToken)), requestsPerSecond: 1000)!
        configuration.retry = RetryPolicy(maxAttempts: 3, baseDelay: .seconds(100), maxDelay: .seconds(100))
        let client = VendorHTTPClient(
            configuration: configuration, limiters: RateLimiterRegistry(), clock: SchedulingClock(clock), logger: .disabled)
        let url = messagesURL(client, sandbox)
        let request = Task { try await client.get(url, read: readPage) }
        for answered in 1...2 {
            await clock.waitForSleepers(1)
            #expect(sandbox.requests.count == answered)
            clock.advance(by: .seconds(100))
        }
        #expect(try await !request.value.records.isEmpty)
        #expect(sandbox.requests.count == 3)
    }
}
