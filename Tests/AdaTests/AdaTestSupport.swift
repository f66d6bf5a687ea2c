import AdaV14
import AdaV2
import ConnectorHTTP
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import RestConnector
import Testing
import VendorSandbox

/// An Ada Data Export version: its config type and its connector's definition.
struct AdaAPI: Sendable, CustomStringConvertible {
    /// The config `type` (`ada-v2`).
    var type: String
    /// The connector's definition.
    var definition: RestDefinition

    var description: String { type }

    static let v2 = AdaAPI(type: "ada-v2", definition: AdaV2.definition)
    static let v14 = AdaAPI(type: "ada-v1.4", definition: AdaV14.definition)
}

/// How Ada conversations are read (the `conversations_cursor` option).
enum ConversationsCursor: String, CaseIterable, Sendable {
    case updated, created
}

/// The options of an Ada job as the tests set them, typed; `members` writes them as a config.
struct AdaSettings {
    var streams = ["conversations", "messages"]
    var start: Timestamp?
    var end: Timestamp?
    var lag: Double = 7200
    var pageSize = 10_000
    var conversationsCursor = ConversationsCursor.updated
    var windowDays: Double = 59
    var maxConcurrentWindows = 4
    var lookback: Double = 172_800

    /// The `source` object of a job: `{"type": "ada-v2", …}`, or with `rest`,
    /// `{"type": "rest", "definition": "ada-v2", …}`.
    func config(_ api: AdaAPI, baseURL: String, token: String, rest: Bool = false) -> JSONValue {
        var members: [(key: String, value: JSONValue)] =
            rest ? [("type", .string("rest")), ("definition", .string(api.type))] : [("type", .string(api.type))]
        members += [
            ("base_url", .string(baseURL)), ("token", .string(token)), ("streams", .array(streams.map { .string($0) })),
            ("lag", .number("\(lag)")), ("page_size", .integer(pageSize)), ("conversations_cursor", .string(conversationsCursor.rawValue)),
            ("window_days", .number("\(windowDays)")), ("max_concurrent_windows", .integer(maxConcurrentWindows)),
            ("lookback", .number("\(lookback)")),
        ]
        if let start { members.append(("start", .string(start.iso8601(fractionDigits: 6)))) }
        if let end { members.append(("end", .string(end.iso8601(fractionDigits: 6)))) }
        return .object(members)
    }
}

/// An Ada source (`type: "ada-v2"` or `"ada-v1.4"`) for the sandbox, 100 records a page, with fast
/// retries and no rate limit to speak of; with `token`, one whose requests carry it (a wrong one,
/// with two attempts per request); with `rest`, made as `"type": "rest"` with the definition's name.
func ada(
    _ api: AdaAPI, _ sandbox: VendorSandbox, token: String? = nil, rest: Bool = false, _ configure: (inout AdaSettings) -> Void = { _ in },
    logger: ExportLogger = .disabled
) throws -> RestSource {
    var settings = AdaSettings(start: sandbox.dataset.start, end: sandbox.settings.end, pageSize: 100)
    configure(&settings)
    let config = settings.config(api, baseURL: sandbox.baseURL, token: token ?? sandbox.settings.adaToken, rest: rest)
    let made =
        rest
        ? try RestSource.make(config: config, builtIn: [AdaV2.definition, AdaV14.definition], logger: logger)
        : try RestSource.make(api.definition, config: config, logger: logger)
    var http = made.client.configuration
    http.rateLimits = RateLimits(perEndpointPerSecond: 1000)
    http.retry = RetryPolicy(maxAttempts: token == nil ? 8 : 2, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50))
    return RestSource(definition: made.definition, settings: made.settings, http: http, logger: logger)
}

/// Runs a source into an in-memory sink and returns the written records.
@discardableResult
func export(
    _ source: any Source,
    store: InMemoryCheckpointStore = InMemoryCheckpointStore(),
    sinks: [any Sink] = [],
    logger: ExportLogger = .disabled
) async throws -> [Record] {
    let sink = InMemorySink()
    try await JobRunner(source: source, sinks: sinks + [sink], checkpoints: store, logger: logger).run()
    return sink.written
}

/// Sandbox settings with an end aligned to the hour, a fixed seed and more data.
func sandboxSettings(_ configure: (inout SandboxSettings) -> Void = { _ in }) -> SandboxSettings {
    var settings = SandboxSettings()
    settings.conversations = 300
    settings.messagesPerConversation = 6
    settings.days = 90
    configure(&settings)
    return settings
}
