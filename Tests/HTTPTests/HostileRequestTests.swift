import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

@Suite("The HTTP client against hostile settings and vendors: header injection, concurrency and the budget, give-up bounds")
struct HostileRequestTests {
    func client(
        _ transport: ScriptedTransport, credential: VendorHTTPClient.Credential?, limits: RateLimits = RateLimits(),
        attempts: Int = 8, clock: SchedulingClock = .continuous
    ) -> VendorHTTPClient {
        var configuration = VendorHTTPClient.Configuration(baseURL: "https://vendor.example", credential: credential, requestsPerSecond: 1)!
        configuration.rateLimits = limits
        configuration.retry = RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1))
        return VendorHTTPClient(
            configuration: configuration, transport: transport, limiters: RateLimiterRegistry(), clock: clock, logger: .disabled)
    }

    @Test(
        "a credential header that is not a token or is one the runtime controls, or a value or URL with CR/LF, never reaches the transport",
        arguments: [
            (VendorHTTPClient.Credential.header(name: "X-Key\r\nX-Evil: 1", value: Secret("s3cret")), "/x"),
            (.header(name: "Host", value: Secret("s3cret")), "/x"),
            (.header(name: "Content-Length", value: Secret("s3cret")), "/x"),
            (.bearer(Secret("s3cret\r\nX-Evil: 1")), "/x"),
            (.bearer(Secret("s3cret")), "/x\r\nX-Evil: 1"),
            (.bearer(Secret("s3cret")), "/x?q=a b"),
        ])
    func refusedBeforeSending(credential: VendorHTTPClient.Credential, path: String) async throws {
        let transport = ScriptedTransport { _ in ScriptedTransport.json(200, "{}") }
        let client = client(transport, credential: credential)
        let error = await #expect(throws: ChatExportError.self) {
            try await client.get("https://vendor.example" + path) { $0.status }
        }
        #expect(error?.message.hasPrefix("refusing to send GET ") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("s3cret") == false, "no secret in the message")
        #expect(transport.requests.isEmpty)
    }

    @Test("the daily budget counts requests as they go out: 100 windows waiting for their slot write nothing ahead")
    func budgetNotWrittenAhead() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport { _ in ScriptedTransport.json(200, "{}") }
        let store = InMemoryCheckpointStore()
        let client = client(
            transport, credential: .bearer(Secret("t")), limits: RateLimits(perEndpointPerSecond: 1, perDay: 15_000),
            clock: SchedulingClock(clock)
        ).bound(to: RunContext(budget: store))
        let waiting = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<100 { group.addTask { try await client.get("https://vendor.example/x") { $0.status } } }
                for try await _ in group {}
            }
        }
        // One request went out at once; the other 99 wait for their slots on the clock.
        await clock.waitForSleepers(99)
        #expect(transport.requests.count == 1)
        let stored = try await store.loadJobValues()["requests:vendor.example"]?["used"]?.intValue ?? 0
        // Written ahead by one lease at most (25 for this budget), never by the queue behind the limiter.
        #expect(stored >= 1 && stored <= 1 + 24, "stored \(stored) with 1 request sent")
        waiting.cancel()
        _ = await waiting.result
    }

    @Test("a request that runs into request_timeout is tried twice, not max_attempts times; an oversized body not retried")
    func giveUpBounds() async throws {
        let timingOut = ScriptedTransport { _ in
            throw HTTPTransportError(.timeout, "request_timeout (5 m) exceeded: vendor.example:443 was still sending the response")
        }
        let error = await #expect(throws: ChatExportError.self) {
            try await client(timingOut, credential: nil).get("https://vendor.example/x") { $0.status }
        }
        #expect(timingOut.requests.count == 2)
        #expect(error?.code == .temporaryFailure)
        #expect(error?.message.contains("failed after 2 attempts; last: request_timeout (5 m) exceeded") == true, "\(error?.message ?? "")")

        let stalled = ScriptedTransport { _ in
            throw HTTPTransportError(.stalled, "response stalled: vendor.example:443 sent nothing for 30 s")
        }
        _ = await #expect(throws: ChatExportError.self) {
            try await client(stalled, credential: nil, attempts: 4).get("https://vendor.example/x") { $0.status }
        }
        #expect(stalled.requests.count == 4)

        let huge = ScriptedTransport { _ in
            throw HTTPTransportError(.tooLarge, "the response from vendor.example:443 is larger than 512 MiB")
        }
        let refused = await #expect(throws: ChatExportError.self) {
            try await client(huge, credential: nil).get("https://vendor.example/x") { $0.status }
        }
        #expect(huge.requests.count == 1)
        #expect(refused?.code == .vendorError)
    }
}
