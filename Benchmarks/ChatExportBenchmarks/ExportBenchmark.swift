import AdaV2
import ConnectorHTTP
import ConnectorKit
import ConnectorRuntime
import DeepConverse
import FilesSink
import Foundation
import RestConnector
import VendorSandbox

/// End-to-end exports from the in-process sandbox over loopback HTTP.
enum ExportBenchmark {
    /// The benchmarks' dataset: about `messages` messages, 8 per conversation, over 30 days.
    static func settings(messages: Int) -> SandboxSettings {
        var settings = SandboxSettings()
        settings.messagesPerConversation = 8
        settings.conversations = messages / 8
        settings.days = 30
        return settings
    }

    static func sandbox(messages: Int, configure: (inout SandboxSettings) -> Void = { _ in }) throws -> VendorSandbox {
        var settings = settings(messages: messages)
        configure(&settings)
        return try VendorSandbox(settings: settings)
    }

    /// An Ada v2 source (`type: "ada-v2"`) over the sandbox's range with `extra` options, sending
    /// at most `rate` requests a second per endpoint (no per-minute or daily limit).
    static func ada(
        _ sandbox: VendorSandbox, rate: Double, _ extra: [(key: String, value: JSONValue)] = []
    ) throws -> RestSource {
        let made = try RestSource.make(
            AdaV2.definition,
            config: .object(
                [
                    ("type", .string("ada-v2")), ("base_url", .string(sandbox.baseURL)), ("token", .string(sandbox.settings.adaToken)),
                    ("start", .string(sandbox.dataset.start.iso8601(fractionDigits: 6))),
                ] + extra))
        let http = VendorHTTPClient.Configuration(
            baseURL: sandbox.baseURL, credential: .bearer(Secret(sandbox.settings.adaToken)), requestsPerSecond: rate)!
        return RestSource(definition: made.definition, settings: made.settings, http: http, logger: .disabled)
    }

    static func source(_ sandbox: VendorSandbox, streams: [String], rate: Double, pageSize: Int) throws -> RestSource {
        try ada(
            sandbox, rate: rate,
            [
                ("end", .string(sandbox.settings.end.iso8601(fractionDigits: 6))), ("streams", .array(streams.map { .string($0) })),
                // The lag these benchmarks have always run with (their late-data passes, so figures stay comparable).
                ("page_size", .integer(pageSize)), ("lag", .integer(7200)),
            ])
    }

    /// Ada v2 messages into the JSON Lines sink, no rate limit, no latency.
    static func jsonLines(messages: Int) async throws -> BenchmarkResult {
        let sandbox = try sandbox(messages: messages)
        defer { sandbox.stop() }
        let directory = FileManager.default.temporaryDirectory.path + "/chat-export-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try FileCheckpointStore(path: directory + "/job.checkpoint.json")
        let sink = FilesSink(settings: .init(directory: directory + "/out"))
        let started = now()
        let summary = try await JobRunner(
            source: try source(sandbox, streams: ["messages"], rate: 10_000, pageSize: 10_000),
            sinks: [sink],
            checkpoints: store,
            logger: .disabled
        ).run()
        let seconds = now() - started
        await store.close()
        precondition(summary.totalRecords == sandbox.dataset.adaMessages.count)
        return BenchmarkResult(
            benchmark: "ada-v2 → files",
            contender: "\(summary.totalRecords) messages, page 10000",
            metrics: [("time", seconds, "s"), ("records/s", Double(summary.totalRecords) / seconds, "rec/s")]
        )
    }

    /// DeepConverse messages into the JSON Lines sink, no rate limit, no latency, 1000 per page.
    static func deepConverse(messages: Int) async throws -> BenchmarkResult {
        let sandbox = try sandbox(messages: messages)
        defer { sandbox.stop() }
        let directory = FileManager.default.temporaryDirectory.path + "/chat-export-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let http = VendorHTTPClient.Configuration(
            baseURL: sandbox.baseURL,
            credential: .header(name: "x-api-key", value: Secret(sandbox.settings.deepConverseKey)),
            requestsPerSecond: 10_000
        )!
        let made = try RestSource.make(
            DeepConverse.definition,
            config: .object([
                ("type", .string("deepconverse")), ("base_url", .string(sandbox.baseURL)),
                ("api_key", .string(sandbox.settings.deepConverseKey)), ("bot_name", .string(sandbox.settings.botName)),
                ("streams", .array([.string("messages")])), ("start", .string(sandbox.dataset.start.iso8601(fractionDigits: 6))),
                ("end", .string(sandbox.settings.end.iso8601(fractionDigits: 6))), ("lookback", .integer(0)),
            ]))
        let source = RestSource(definition: made.definition, settings: made.settings, http: http, logger: .disabled)
        let started = now()
        let summary = try await JobRunner(
            source: source,
            sinks: [FilesSink(settings: .init(directory: directory + "/out"))],
            checkpoints: MemoryStore(),
            logger: .disabled
        ).run()
        let seconds = now() - started
        precondition(summary.totalRecords == sandbox.dataset.deepConverseMessages.count)
        return BenchmarkResult(
            benchmark: "deepconverse → files",
            contender: "\(summary.totalRecords) messages, page 1000",
            metrics: [("time", seconds, "s"), ("records/s", Double(summary.totalRecords) / seconds, "rec/s")]
        )
    }

    /// Achieved request rate per endpoint against a 3 req/s limit with 500 ms latency per page.
    static func rateLimit(seconds target: Double = 20) async throws -> [BenchmarkResult] {
        let rate = 3.0
        let pageSize = 500
        // Enough data for about `target` seconds of requests on each endpoint.
        let sandbox = try sandbox(messages: Int(target * rate) * pageSize) {
            $0.latency = 0.5
            $0.rateLimit = rate
        }
        defer { sandbox.stop() }
        let source = try source(sandbox, streams: ["conversations", "messages"], rate: rate, pageSize: pageSize)
        _ = try await JobRunner(source: source, sinks: [NullSink()], checkpoints: MemoryStore(), logger: .disabled).run()
        var results: [BenchmarkResult] = []
        for endpoint in ["/api/v2/export/conversations", "/api/v2/export/messages"] {
            let requests = sandbox.requests.filter { $0.path == endpoint }
            let times = requests.map(\.time).sorted()
            guard times.count > 1 else { continue }
            let achieved = Double(times.count - 1) / (times.last! - times.first!)
            results.append(
                BenchmarkResult(
                    benchmark: "rate limit (3/s, 500ms)",
                    contender: endpoint.replacingOccurrences(of: "/api/v2/export/", with: "ada-v2 "),
                    metrics: [
                        ("requests", Double(times.count), "req"), ("achieved", achieved, "req/s"),
                        ("utilisation", achieved / rate * 100, "%"),
                        ("429s", Double(requests.filter { $0.status == 429 }.count), "429"),
                    ],
                    target: "≥ 90%, zero 429s"
                )
            )
        }
        return results
    }
}

/// A sink that discards records (for measuring sources).
actor NullSink: Sink {
    nonisolated var identity: String { "null" }
    nonisolated var replay: SinkReplay { .atLeastOnce }
    func write(_ batch: RecordBatch) async throws {}
    func commit(_ commit: SinkCommit) async throws -> JSONValue? { nil }
}

/// A checkpoint store that keeps states in memory (for measuring sources).
actor MemoryStore: CheckpointStore {
    nonisolated var location: String { "memory" }
    var states: [String: StreamState] = [:]
    func load() async throws -> [String: StreamState] { states }
    func save(_ state: StreamState, for stream: String) async throws { states[stream] = state }
    var values: [String: JSONValue] = [:]
    func loadJobValues() async throws -> [String: JSONValue] { values }
    func saveJobValue(_ value: JSONValue?, for key: String) async throws { values[key] = value }
    func reset(streams: Set<String>?) async throws { states = [:] }
    func close() async {}
}
