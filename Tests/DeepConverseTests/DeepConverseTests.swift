import ConnectorHTTP
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import DeepConverse
import FilesSink
import Foundation
import RestConnector
import Testing
import VendorSandbox

/// The options of a DeepConverse job as the tests set them, typed; `config` writes them as one.
struct DeepConverseSettings {
    var botName: String
    var streams = ["conversations", "messages"]
    var start: Timestamp
    var end: Timestamp?
    var lag: Double = 7200
    var perPage = 1000
    var windowSeconds: Int64 = 7 * 86_400
    var maxConcurrentWindows = 4
    var lookback: Double = 0

    /// The `source` object of a job: `{"type": "deepconverse", …}`, or with `rest`,
    /// `{"type": "rest", "definition": "deepconverse", …}`.
    func config(baseURL: String, key: String, rest: Bool = false) -> JSONValue {
        var members: [(key: String, value: JSONValue)] =
            rest ? [("type", .string("rest")), ("definition", .string("deepconverse"))] : [("type", .string("deepconverse"))]
        members += [
            ("base_url", .string(baseURL)), ("api_key", .string(key)), ("bot_name", .string(botName)),
            ("streams", .array(streams.map { .string($0) })), ("start", .string(start.iso8601(fractionDigits: 6))),
            ("lag", .number("\(lag)")), ("per_page", .integer(perPage)), ("window_hours", .number("\(Double(windowSeconds) / 3600)")),
            ("max_concurrent_windows", .integer(maxConcurrentWindows)), ("lookback", .number("\(lookback)")),
        ]
        if let end { members.append(("end", .string(end.iso8601(fractionDigits: 6)))) }
        return .object(members)
    }
}

/// A DeepConverse source (`type: "deepconverse"`, or with `rest` `"type": "rest"`) for the
/// sandbox, 50 records a page in windows of 10 days, with fast retries and no rate limit to speak of.
func deepConverse(
    _ sandbox: VendorSandbox, key: String? = nil, bot: String? = nil, rest: Bool = false,
    _ configure: (inout DeepConverseSettings) -> Void = { _ in }
) throws -> RestSource {
    var settings = DeepConverseSettings(
        botName: bot ?? sandbox.settings.botName, start: sandbox.dataset.start, end: sandbox.settings.end, perPage: 50,
        windowSeconds: 10 * 86_400)
    configure(&settings)
    let config = settings.config(baseURL: sandbox.baseURL, key: key ?? sandbox.settings.deepConverseKey, rest: rest)
    let made =
        rest
        ? try RestSource.make(config: config, builtIn: [DeepConverse.definition])
        : try RestSource.make(DeepConverse.definition, config: config)
    var http = made.client.configuration
    http.rateLimits = RateLimits(perEndpointPerSecond: 1000)
    http.retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50))
    return RestSource(definition: made.definition, settings: made.settings, http: http, logger: .disabled)
}

func run(
    _ source: any Source, store: InMemoryCheckpointStore = InMemoryCheckpointStore(), sinks: [any Sink] = [],
    logger: ExportLogger = .disabled
) async throws -> [Record] {
    let sink = InMemorySink()
    try await JobRunner(source: source, sinks: sinks + [sink], checkpoints: store, logger: logger).run()
    return sink.written
}

func settings(_ configure: (inout SandboxSettings) -> Void = { _ in }) -> SandboxSettings {
    var settings = SandboxSettings()
    settings.conversations = 150
    settings.messagesPerConversation = 6
    configure(&settings)
    return settings
}

@Suite("DeepConverse connector against the sandbox")
struct DeepConverseTests {
    @Test(
        "passes the connector conformance suite: exact, exactly once across an interruption at every batch, 401 → credentials")
    func conformance() async throws {
        let sandbox = try VendorSandbox(settings: settings { $0.conversations = 60 })
        defer { sandbox.stop() }
        let suite = SourceConformance(
            expected: [
                "conversations": Set(sandbox.dataset.deepConverseConversations.map(\.id)),
                "messages": Set(sandbox.dataset.deepConverseMessages.map(\.id)),
            ],
            maxInterruptions: 12,
            makeSource: { try deepConverse(sandbox) },
            makeSourceWithBadCredentials: { try deepConverse(sandbox, key: "wrong") })
        let problems = await suite.problems()
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test("a full export of both streams equals the dataset exactly, across many cursor pages")
    func fullExport() async throws {
        let sandbox = try VendorSandbox(settings: settings())
        defer { sandbox.stop() }
        let written = try await run(try deepConverse(sandbox) { $0.perPage = 20 })
        let dataset = sandbox.dataset
        for (stream, expected) in [("conversations", dataset.deepConverseConversations), ("messages", dataset.deepConverseMessages)] {
            let records = written.filter { $0.stream == stream }
            #expect(records.count == expected.count)
            #expect(Set(records.map { Array($0.json) }) == Set(expected.map(\.json)))
        }
        #expect(written.filter { $0.stream == "messages" }.allSatisfy { $0.parentID != nil })
        #expect(sandbox.requests.filter { $0.parameter("cursor") != nil }.count > 30)
        for request in sandbox.requests {
            #expect(Int64(request.parameter("start_time") ?? "") != nil && Int64(request.parameter("end_time") ?? "") != nil)
            #expect(request.parameter("bot_name") == sandbox.settings.botName)
        }
    }

    @Test(
        "second, millisecond and ISO-8601 times are all read as the same instants", arguments: SandboxSettings.EpochFormat.allCases)
    func timeFormats(format: SandboxSettings.EpochFormat) async throws {
        let sandbox = try VendorSandbox(settings: settings { $0.epochFormat = format })
        defer { sandbox.stop() }
        let messages = try await run(try deepConverse(sandbox) { $0.streams = ["messages"] })
        let expected = Dictionary(uniqueKeysWithValues: sandbox.dataset.deepConverseMessages.map { ($0.id, $0.time) })
        #expect(messages.count == expected.count)
        #expect(messages.allSatisfy { $0.cursor == expected[$0.id] })
    }

    @Test(
        "an interrupted run resumes mid-window from the stored cursor: every record exactly once")
    func resumeMidWindow() async throws {
        let sandbox = try VendorSandbox(settings: settings())
        defer { sandbox.stop() }
        let directory = FileManager.default.temporaryDirectory.path + "/dc-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = InMemoryCheckpointStore()
        let source = try deepConverse(sandbox) {
            $0.streams = ["messages"]
            $0.maxConcurrentWindows = 2
        }
        await #expect(throws: ChatExportError.self) {
            _ = try await run(
                source, store: store, sinks: [FilesSink(settings: .init(directory: directory)), InMemorySink(failure: .write(6))])
        }
        let stored = try #require(try await store.load()["messages"])
        #expect(stored.checkpoint.state["windows"]?.arrayValue?.contains { $0["position"]?["cursor"] != nil } == true)
        _ = try await run(source, store: store, sinks: [FilesSink(settings: .init(directory: directory))])
        let lines = try FilesSink.publishedParts(directory: directory, stream: "messages").flatMap {
            try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n").map { Array($0.utf8) }
        }
        #expect(lines.count == sandbox.dataset.deepConverseMessages.count)
        #expect(Set(lines) == Set(sandbox.dataset.deepConverseMessages.map(\.json)))
    }

    @Test("an expired stored cursor restarts its window and loses nothing")
    func expiredCursor() async throws {
        let sandbox = try VendorSandbox(settings: settings())
        defer { sandbox.stop() }
        let store = InMemoryCheckpointStore()
        let source = try deepConverse(sandbox) {
            $0.streams = ["messages"]
            $0.maxConcurrentWindows = 1
        }
        let first = InMemorySink(failure: .write(5))
        await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: source, sinks: [first], checkpoints: store, logger: .disabled).run()
        }
        sandbox.expireCursors()
        let handler = InMemoryLogHandler()
        let second = try await run(source, store: store, logger: ExportLogger(level: .info, handler: handler))
        #expect(handler.text.contains("rejected the stored cursor"))
        #expect(Set((first.written + second).map(\.id)) == Set(sandbox.dataset.deepConverseMessages.map(\.id)))
        #expect(sandbox.requests.contains { $0.status == 400 })
    }

    @Test("a wrong key exits 77; a wrong bot name is reported as such")
    func credentialsAndBot() async throws {
        let sandbox = try VendorSandbox(settings: settings())
        defer { sandbox.stop() }
        let keyError = await #expect(throws: ChatExportError.self) { try await run(try deepConverse(sandbox, key: "nope")) }
        #expect(keyError?.code == .credentialsRejected)
        let botError = await #expect(throws: ChatExportError.self) {
            try await run(try deepConverse(sandbox, bot: "someone-else"))
        }
        #expect(botError?.message.contains("no bot named \"someone-else\"") == true)
        #expect(botError?.code == .invalidConfig)
        let checkError = await #expect(throws: ChatExportError.self) {
            try await deepConverse(sandbox, bot: "x").check(logger: .disabled)
        }
        #expect(checkError?.message.contains("bot_name") == true)
        #expect(try await deepConverse(sandbox).check(logger: .disabled).count == 2)
    }

    @Test("5xx, 429 and cut-off bodies do not change the result")
    func faults() async throws {
        let sandbox = try VendorSandbox(
            settings: settings {
                $0.errorRate = 0.15
                $0.throttleRate = 0.15
                $0.truncateRate = 0.15
            })
        defer { sandbox.stop() }
        // Random faults depend on the request targets, which hold times that change every hour;
        // one 503 and one 429 up front make sure both kinds are always met.
        sandbox.script(
            "/conversations/export/v1/messages",
            [
                .json(503, Array("{\"message\":\"Service Unavailable\"}".utf8)),
                .json(429, Array("{\"message\":\"Too Many Requests\"}".utf8)),
            ]
        )
        let written = try await run(try deepConverse(sandbox))
        #expect(written.filter { $0.stream == "messages" }.count == sandbox.dataset.deepConverseMessages.count)
        #expect(Set(written.map(\.id)).count == written.count)
        #expect(
            sandbox.requests.contains { $0.status == 429 } && sandbox.requests.contains { $0.status >= 500 },
            "\(sandbox.requests.map(\.status))")
    }

    @Test("a record with an unreadable time is reported clearly, not skipped")
    func unreadableTime() async throws {
        let sandbox = try VendorSandbox(settings: settings())
        defer { sandbox.stop() }
        sandbox.script(
            "/conversations/export/v1/messages",
            [.json(200, Array(#"{"data":[{"_id":"a","time":1700000000},{"_id":"b","time":"last tuesday"}],"cursor":null}"#.utf8))]
        )
        let error = await #expect(throws: PageScanner.RecordError.self) {
            try await run(
                try deepConverse(sandbox) {
                    $0.streams = ["messages"]
                    $0.maxConcurrentWindows = 1
                })
        }
        #expect(error?.description.contains("record 1 (_id b): \"time\" is not a timestamp: \"last tuesday\"") == true)
    }

    @Test(
        "per_page outside 1...1000 and both window sizes are config errors with their paths (type deepconverse, or rest)",
        arguments: [false, true])
    func configBounds(rest: Bool) throws {
        var registry = Registry()
        registry.register(DeepConverse.registryEntry)
        registry.register(RestSource.registryEntry(builtIn: [DeepConverse.definition]))
        registry.register(Registry.SinkEntry(type: "memory", summary: "", options: [], make: { _, _ in InMemorySink() }))
        let loader = JobConfigLoader(registry: registry, environment: ["K": "key"], logger: .disabled)
        let type = rest ? #""type": "rest", "definition": "deepconverse""# : #""type": "deepconverse""#
        for (extra, path) in [
            (#""per_page": 0"#, "source.per_page"), (#""per_page": 1001"#, "source.per_page"),
            (#""window_hours": 1, "window_days": 1"#, "source.window_hours"),
        ] {
            let text =
                #"{"source": {\#(type), "api_key": "${K}", "bot_name": "b", "start": "2026-01-01T00:00:00Z", \#(extra)}, "sinks": [{"type": "memory"}]}"#
            let error = try #require(throws: ConfigError.self) {
                try loader.load(document: try JSONValue.parse(text), baseDirectory: ".", defaultCheckpoint: "c.json")
            }
            #expect(error.issues.map(\.path) == [path])
        }
    }

    @Test("type deepconverse and type rest with the deepconverse definition take the same options and make the same streams")
    func sameAsRest() throws {
        let definition = try RestSource.loadDefinition(
            .string("deepconverse"), path: "source.definition", baseDirectory: "/", builtIn: [DeepConverse.definition])
        let declared = RestSource.entry(for: definition).options.filter { $0.name != "definition" }
        #expect(
            OptionSpec.jsonSchema(type: "deepconverse", summary: "", options: declared).serialized(pretty: true)
                == OptionSpec.jsonSchema(type: "deepconverse", summary: "", options: DeepConverse.registryEntry.options)
                .serialized(pretty: true))
        let sandbox = try VendorSandbox(settings: settings())
        defer { sandbox.stop() }
        let typed = try deepConverse(sandbox)
        let rest = try deepConverse(sandbox, rest: true)
        #expect(rest.streams == typed.streams)
        for stream in typed.streams { #expect(rest.identity(of: stream) == typed.identity(of: stream)) }
    }
}
