import AdaCommon
import ConnectorRuntime
import ConnectorTesting
import Foundation
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
