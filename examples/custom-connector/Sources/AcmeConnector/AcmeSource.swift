import ConnectorHTTP
import ConnectorKit

/// Acme Chat's export API: `GET /v1/messages?since=<epoch s>&until=<epoch s>[&cursor=…]` with a
/// bearer token, answering `{"items": [{"id", "created", …}], "cursor": "…" | null}`.
///
/// Everything else (checkpoints, windows, resume inside a window, rate limits, retries, paging
/// checks) is the runtime's: the connector states what to request and how to read a page.
public struct AcmeSource: Source {
    /// Where a first run starts.
    public var start: Timestamp
    /// The HTTP client (auth, pacing, retries).
    public let client: VendorHTTPClient

    /// Creates a source.
    public init(start: Timestamp, http: VendorHTTPClient.Configuration, transport: (any HTTPTransport)? = nil, logger: ExportLogger) {
        self.start = start
        self.client = VendorHTTPClient(configuration: http, transport: transport, logger: logger)
    }

    /// One stream: messages by creation time.
    public var streams: [StreamDescriptor] {
        [
            StreamDescriptor(
                name: "messages", summary: "Messages, by creation time.", cursorField: "created", fields: [FieldDescriptor("text")])
        ]
    }

    /// HTTP counters.
    public var counters: [(name: String, value: Int)] { client.metrics.counters }

    /// A checkpoint is never applied to another Acme host.
    public func identity(of stream: StreamDescriptor) -> StreamIdentity {
        StreamIdentity(source: "acme", instance: client.configuration.origin.instance, stream: stream.name, cursor: "created")
    }

    /// How far a stored checkpoint has read (`chat-export state show`, serve's metrics).
    public func progress(of checkpoint: Checkpoint, for stream: StreamDescriptor) -> StreamProgress? {
        WindowedReading<PagePosition>(sourceType: "acme").progress(of: checkpoint)
    }

    /// Reads `messages` in windows of a week, two at once, following each window's cursor.
    public func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        // Bound to the run: its daily budget, progress display and mode.
        let client = self.client.bound(to: request.context)
        let layout = RecordLayout(idField: "id", cursorField: "created", cursorFormat: .epochOrISO8601)
        let paginator = CursorPaginator(path: ["cursor"])
        let range = WindowedReading<PagePosition>.Range(
            start: start, end: nil, lag: .seconds(3600), maxWindowSeconds: 7 * 86_400, concurrency: 2, wholeSeconds: true)
        try await WindowedReading<PagePosition>(sourceType: "acme").read(
            request, range: range,
            fetch: { window in
                var query = [("since", "\(window.start.epochSeconds)"), ("until", "\(window.end.epochSeconds)")]
                if let cursor = window.position?.cursor { query.append(("cursor", cursor)) }
                let url = client.url("/v1/messages", query: query)
                return try await client.get(url) { response in
                    let page = try PageScanner.scan(response.body, stream: "messages", recordKeys: ["items"], layout: layout)
                    return try paginator.advance(page, in: window, requested: url)
                }
            }, emit: emit)
    }

    /// The registry entry for `{"type": "acme", "base_url": …, "token": "${ACME_TOKEN}", "start": …}`.
    public static let registryEntry = Registry.SourceEntry(
        type: "acme", summary: "Acme Chat messages (a made-up vendor).",
        options: [
            OptionSpec("base_url", .url, required: true, summary: "https://<tenant>.acme.example"),
            OptionSpec("token", .secret, required: true, summary: "The API token."),
            OptionSpec("start", .timestamp, required: true, summary: "Where a first run starts."),
        ],
        make: { options, context in
            guard
                let http = VendorHTTPClient.Configuration(
                    baseURL: options.string("base_url") ?? "", credential: .bearer(Secret(options.string("token") ?? "")),
                    requestsPerSecond: 5)
            else { throw ConfigError(issues: [ConfigIssue(path: options.path + ".base_url", "not an http(s) URL")]) }
            return AcmeSource(start: options.timestamp("start") ?? .now, http: http, logger: context.logger)
        })
}
