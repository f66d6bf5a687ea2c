import AdaCommon
import ConnectorHTTP
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import RestConnector
import Testing
import VendorSandbox

/// An Ada source for the sandbox with fast retries and a private rate limiter registry.
func adaSource(
    _ api: AdaAPI, _ sandbox: VendorSandbox, _ configure: (inout AdaSettings) -> Void = { _ in }, logger: ExportLogger = .disabled
)
    -> AdaSource
{
    var settings = AdaSettings(start: sandbox.dataset.start, end: sandbox.settings.end, pageSize: 100)
    configure(&settings)
    var http = VendorHTTPClient.Configuration(
        baseURL: sandbox.baseURL, credential: .bearer(Secret(sandbox.settings.adaToken)), requestsPerSecond: 1000)!
    http.retry = RetryPolicy(maxAttempts: 8, baseDelay: 0.005, maxDelay: 0.05)
    return AdaSource(api: api, settings: settings, http: http, logger: logger)
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

/// The same Ada source through its built-in connector definition (`"type": "rest"`), with the
/// same settings, fast retries and no rate limit to speak of.
func restAdaSource(
    _ api: AdaAPI, _ sandbox: VendorSandbox, token: String? = nil, _ configure: (inout AdaSettings) -> Void = { _ in },
    logger: ExportLogger = .disabled
) throws -> RestSource {
    var settings = AdaSettings(start: sandbox.dataset.start, end: sandbox.settings.end, pageSize: 100)
    configure(&settings)
    var members: [(key: String, value: JSONValue)] = [
        ("type", .string("rest")), ("definition", .string(api.type)), ("base_url", .string(sandbox.baseURL)),
        ("token", .string(token ?? sandbox.settings.adaToken)), ("streams", .array(settings.streams.map { .string($0) })),
        ("lag", .number("\(settings.lag)")), ("page_size", .number("\(settings.pageSize)")),
        ("conversations_cursor", .string(settings.conversationsCursor.rawValue)), ("window_days", .number("\(settings.windowDays)")),
        ("max_concurrent_windows", .number("\(settings.maxConcurrentWindows)")), ("lookback", .number("\(settings.lookback)")),
    ]
    if let start = settings.start { members.append(("start", .string(start.iso8601(fractionDigits: 6)))) }
    if let end = settings.end { members.append(("end", .string(end.iso8601(fractionDigits: 6)))) }
    let made = try RestSource.make(config: .object(members), logger: logger)
    var http = made.client.configuration
    http.rateLimits = RateLimits(perEndpointPerSecond: 1000)
    http.retry = RetryPolicy(maxAttempts: token == nil ? 8 : 2, baseDelay: 0.005, maxDelay: 0.05)
    return RestSource(definition: made.definition, settings: made.settings, http: http, logger: logger)
}

/// An Ada source of either implementation; with `token`, one whose requests carry it (a wrong
/// one, with two attempts per request).
func ada(
    _ implementation: ConnectorImplementation, _ api: AdaAPI, _ sandbox: VendorSandbox, token: String? = nil,
    _ configure: (inout AdaSettings) -> Void = { _ in }, logger: ExportLogger = .disabled
) throws -> any Source {
    switch implementation {
    case .definition: return try restAdaSource(api, sandbox, token: token, configure, logger: logger)
    case .native:
        guard let token else { return adaSource(api, sandbox, configure, logger: logger) }
        var settings = AdaSettings(start: sandbox.dataset.start, end: sandbox.settings.end)
        configure(&settings)
        var http = VendorHTTPClient.Configuration(baseURL: sandbox.baseURL, credential: .bearer(Secret(token)), requestsPerSecond: 1000)!
        http.retry = RetryPolicy(maxAttempts: 2, baseDelay: 0.005, maxDelay: 0.05)
        return AdaSource(api: api, settings: settings, http: http, logger: logger)
    }
}
