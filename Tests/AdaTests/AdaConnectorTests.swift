import AdaV14
import AdaV2
import ConnectorHTTP
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import FilesSink
import Foundation
import RestConnector
import Testing
import VendorSandbox

@Suite("Ada connectors against the sandbox")
struct AdaConnectorTests {
    @Test(
        "passes the connector conformance suite (v2 and v1.4): exact, exactly once across an interruption at every batch, 401 → credentials"
    )
    func conformance() async throws {
        let sandbox = try VendorSandbox(settings: sandboxSettings { $0.conversations = 80 })
        defer { sandbox.stop() }
        for api in [AdaAPI.v2, .v14] {
            let suite = SourceConformance(
                expected: [
                    "conversations": Set(sandbox.dataset.adaConversations.map(\.id)),
                    "messages": Set(sandbox.dataset.adaMessages.map(\.id)),
                ],
                maxInterruptions: 10,
                makeSource: { try ada(api, sandbox) },
                makeSourceWithBadCredentials: { try ada(api, sandbox, token: "wrong") })
            let problems = await suite.problems()
            #expect(problems.isEmpty, "\(api.type): \(problems)")
        }
    }

    static let variants: [(AdaAPI, SandboxSettings.NextLink, String)] = [
        (.v2, .absolute, "data"), (.v2, .rooted, "items"), (.v2, .relative, "data"), (.v14, .absolute, "data"),
    ]

    @Test(
        "a full export equals the dataset exactly: ids, counts and bytes, with no duplicates",
        arguments: 0..<variants.count)
    func fullExport(variant: Int) async throws {
        let (api, link, key) = Self.variants[variant]
        let sandbox = try VendorSandbox(
            settings: sandboxSettings {
                $0.nextLink = link
                $0.recordKey = key
            })
        defer { sandbox.stop() }
        let written = try await export(try ada(api, sandbox) { $0.conversationsCursor = .created })
        let dataset = sandbox.dataset
        let messages = written.filter { $0.stream == "messages" }
        let conversations = written.filter { $0.stream == "conversations" }
        #expect(messages.count == dataset.adaMessages.count)
        #expect(Set(messages.map(\.id)) == Set(dataset.adaMessages.map(\.id)))
        #expect(Set(messages.map { Array($0.json) }) == Set(dataset.adaMessages.map(\.json)))
        #expect(conversations.count == dataset.adaConversations.count)
        #expect(Set(conversations.map { Array($0.json) }) == Set(dataset.adaConversations.map(\.json)))
        #expect(messages.allSatisfy { $0.parentID != nil })
        // Many pages, so boundary re-sends and shared timestamps were exercised.
        #expect(sandbox.requests.count > 20)
    }

    @Test(
        "250 messages sharing one timestamp with page_size 100: read in one largest page, exact, no loop",
        arguments: [AdaAPI.v2, .v14])
    func tieLongerThanAPage(api: AdaAPI) async throws {
        let sandbox = try VendorSandbox(settings: sandboxSettings { $0.tieGroup = 250 })
        defer { sandbox.stop() }
        let dataset = sandbox.dataset
        let tie = Dictionary(grouping: dataset.adaMessages, by: \.created).values.map(\.count).max()
        #expect(tie == 250)
        let written = try await export(try ada(api, sandbox) { $0.streams = ["messages"] })
        #expect(written.count == dataset.adaMessages.count)
        #expect(Set(written.map(\.id)) == Set(dataset.adaMessages.map(\.id)))
        let largest = sandbox.requests.filter { $0.parameter("page_size") == "10000" }
        #expect(largest.count >= 1 && largest.count <= 4)
    }

    @Test(
        "every request sends both bounds of one kind, within 60 days and the retention limit")
    func neverViolatesRules() async throws {
        let sandbox = try VendorSandbox(settings: sandboxSettings { $0.days = 200 })
        defer { sandbox.stop() }
        let handler = InMemoryLogHandler()
        let source = try ada(.v2, sandbox) { $0.start = Timestamp.now.adding(seconds: -400 * 86_400) }
        let written = try await export(source, logger: ExportLogger(level: .info, handler: handler))
        #expect(written.count == sandbox.dataset.adaMessages.count + sandbox.dataset.adaConversations.count)
        #expect(handler.text.contains("older than the 12 months Ada keeps"))
        for request in sandbox.requests {
            #expect(request.status == 200)
            let kinds = ["created", "updated"].filter { request.parameter($0 + "_since") != nil }
            #expect(kinds.count == 1)
            let kind = try #require(kinds.first)
            let since = try #require(request.parameter(kind + "_since").flatMap(Timestamp.init(iso8601:)))
            let to = try #require(request.parameter(kind + "_to").flatMap(Timestamp.init(iso8601:)))
            #expect(to.microseconds - since.microseconds <= 60 * 86_400 * 1_000_000)
            #expect(since >= Timestamp.now.adding(seconds: -365 * 86_400))
        }
    }

    @Test(
        "without lookback a re-run reads only what changed: updated conversations, nothing else")
    func incremental() async throws {
        let sandbox = try VendorSandbox(settings: sandboxSettings())
        defer { sandbox.stop() }
        let store = InMemoryCheckpointStore()
        let firstEnd = sandbox.settings.end.adding(seconds: -2 * 86_400)
        let first = try await export(
            try ada(.v2, sandbox) {
                $0.end = firstEnd
                $0.lookback = .zero
            }, store: store)
        #expect(
            first.filter { $0.stream == "conversations" }.count == sandbox.dataset.adaConversations.filter { $0.updated < firstEnd }.count)
        let touched = Set(sandbox.touchConversations(count: 7, at: firstEnd.adding(seconds: 3600)))
        let second = try await export(try ada(.v2, sandbox) { $0.lookback = .zero }, store: store)
        let dataset = sandbox.dataset
        let expectedConversations = Set(dataset.adaConversations.filter { $0.updated >= firstEnd }.map(\.id))
        #expect(touched.isSubset(of: expectedConversations))
        #expect(Set(second.filter { $0.stream == "conversations" }.map(\.id)) == expectedConversations)
        #expect(second.filter { $0.stream == "conversations" }.count == expectedConversations.count)
        let expectedMessages = Set(dataset.adaMessages.filter { $0.created >= firstEnd }.map(\.id))
        #expect(Set(second.filter { $0.stream == "messages" }.map(\.id)) == expectedMessages)
        #expect(second.filter { $0.stream == "messages" }.count == expectedMessages.count)
        // Nothing new: a third run writes nothing.
        #expect(try await export(try ada(.v2, sandbox) { $0.lookback = .zero }, store: store).isEmpty)
    }

    @Test(
        "a run that fails mid-window resumes inside the window without loss or duplicates", arguments: [3, 8, 17])
    func resumeMidWindow(failAt: Int) async throws {
        let sandbox = try VendorSandbox(settings: sandboxSettings())
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let store = InMemoryCheckpointStore()
        let source = try ada(.v2, sandbox) {
            $0.streams = ["messages"]
            $0.maxConcurrentWindows = 2
        }
        await #expect(throws: ChatExportError.self) {
            try await JobRunner(
                source: source,
                sinks: [FilesSink(settings: .init(directory: directory.path)), InMemorySink(failure: .write(failAt))],
                checkpoints: store,
                logger: .disabled
            ).run()
        }
        let stored = try #require(try await store.load()["messages"])
        #expect(
            stored.checkpoint.state["reader"]?["windows"]?.arrayValue?.contains { $0["position"] != nil && $0["position"] != .null } == true
        )
        try await JobRunner(
            source: source, sinks: [FilesSink(settings: .init(directory: directory.path))], checkpoints: store, logger: .disabled
        ).run()
        let lines = try FilesSink.publishedParts(directory: directory.path, stream: "messages").flatMap {
            try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n").map { Array($0.utf8) }
        }
        #expect(lines.count == sandbox.dataset.adaMessages.count)
        #expect(Set(lines) == Set(sandbox.dataset.adaMessages.map(\.json)))
    }

    @Test("5xx, 429 and cut-off bodies do not change the result", arguments: [AdaAPI.v2, AdaAPI.v14])
    func faults(api: AdaAPI) async throws {
        let sandbox = try VendorSandbox(
            settings: sandboxSettings {
                $0.errorRate = 0.15
                $0.throttleRate = 0.15
                $0.truncateRate = 0.15
                $0.retryAfter = 0
            }
        )
        defer { sandbox.stop() }
        let source = try ada(api, sandbox)
        let written = try await export(source)
        #expect(Set(written.filter { $0.stream == "messages" }.map(\.id)) == Set(sandbox.dataset.adaMessages.map(\.id)))
        #expect(written.filter { $0.stream == "messages" }.count == sandbox.dataset.adaMessages.count)
        #expect(written.filter { $0.stream == "conversations" }.count == sandbox.dataset.adaConversations.count)
        let retries = source.counters.first { $0.name == "retries" }?.value ?? 0
        #expect(retries > 0)
        #expect(sandbox.requests.contains { $0.status == 429 } && sandbox.requests.contains { $0.status >= 500 })
    }

    @Test("a rejected token fails with exit 77 and check reports an accepted one")
    func credentials() async throws {
        let sandbox = try VendorSandbox(settings: sandboxSettings())
        defer { sandbox.stop() }
        let bad = try ada(.v2, sandbox, token: "wrong")
        let error = await #expect(throws: ChatExportError.self) { try await export(bad) }
        #expect(error?.code == .credentialsRejected)
        let checked = try await ada(.v2, sandbox).check(logger: .disabled)
        #expect(checked.count == 2)
        #expect(checked.allSatisfy { $0.detail.contains("token accepted") })
    }

    @Test("the range is split so several windows run at once, never wider than window_days")
    func planning() {
        let start = Timestamp(iso8601: "2026-01-01T00:00:00Z")!
        let ninety: [TimeWindow<PagePosition>] = WindowPlanner.plan(
            from: start, to: start.adding(seconds: 90 * 86_400), maxSeconds: 59 * 86_400, concurrency: 4)
        #expect(ninety.count == 4)
        let daily: [TimeWindow<PagePosition>] = WindowPlanner.plan(
            from: start, to: start.adding(seconds: 86_400), maxSeconds: 59 * 86_400, concurrency: 4)
        #expect(daily.count == 4)
        let long: [TimeWindow<PagePosition>] = WindowPlanner.plan(
            from: start, to: start.adding(seconds: 365 * 86_400), maxSeconds: 59 * 86_400, concurrency: 4)
        #expect(long.count == 7)
        for plan in [ninety, daily, long] {
            #expect(plan.first?.start == start)
            #expect(zip(plan, plan.dropFirst()).allSatisfy { $0.end == $1.start })
            #expect(plan.allSatisfy { $0.end.microseconds - $0.start.microseconds <= 59 * 86_400 * 1_000_000 })
        }
    }
}

@Suite("Ada rate-limit options")
struct AdaRateLimitOptionTests {
    func limits(_ source: String, rest: Bool) throws -> RateLimits {
        let loader = JobConfigLoader(registry: registry, environment: [:], logger: .disabled)
        var source = source
        if rest {
            for type in ["ada-v2", "ada-v1.4"] {
                source = source.replacingOccurrences(of: #""type": "\#(type)""#, with: #""type": "rest", "definition": "\#(type)""#)
            }
        }
        let document = try JSONValue.parse(#"{"source": \#(source), "sinks": [{"type": "stdout"}]}"#)
        let job = try loader.load(document: document, baseDirectory: "/tmp", defaultCheckpoint: "/tmp/x.json")
        // The job reads through its transforms; the configured source is underneath.
        let configured = try #require(job.source as? TransformedSource).base
        return try #require(configured as? RestSource).client.configuration.rateLimits
    }

    var registry: Registry {
        var registry = Registry()
        registry.register(AdaV2.registryEntry)
        registry.register(AdaV14.registryEntry)
        registry.register(RestSource.registryEntry(builtIn: [AdaV2.definition, AdaV14.definition]))
        registry.register(Registry.SinkEntry(type: "stdout", summary: "", options: [], make: { _, _ in InMemorySink() }))
        return registry
    }

    @Test(
        "defaults are each version's documented limits; members override one by one; the old names are aliases (type ada-v2, or rest)",
        arguments: [false, true])
    func options(rest: Bool) throws {
        let base = #""base_url": "https://a.ada.support", "token": "t""#
        #expect(
            try limits(#"{"type": "ada-v2", \#(base)}"#, rest: rest)
                == RateLimits(perEndpointPerSecond: 10, perMinute: 100, perDay: 15_000)
        )
        #expect(try limits(#"{"type": "ada-v1.4", \#(base)}"#, rest: rest) == RateLimits(perEndpointPerSecond: 10))
        #expect(
            try limits(#"{"type": "ada-v2", \#(base), "rate_limits": {"per_minute": 0}}"#, rest: rest)
                == RateLimits(perEndpointPerSecond: 10, perDay: 15_000))
        #expect(
            try limits(#"{"type": "ada-v2", \#(base), "requests_per_second": 4, "daily_request_budget": 50}"#, rest: rest)
                == RateLimits(perEndpointPerSecond: 4, perMinute: 100, perDay: 50))
    }
}
