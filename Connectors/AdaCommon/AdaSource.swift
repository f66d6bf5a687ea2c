import ConnectorHTTP
import ConnectorKit

/// An Ada Data Export source (v2 or v1.4): `conversations` and `messages`.
///
/// The time range is cut into windows of at most `window_days` (the API allows 60), and further
/// when that lets `max_concurrent_windows` run at once. Every request sends both bounds. Pages
/// are followed through the vendor's next link (absolute, rooted or relative); the lower bound is
/// inclusive, so records at a page or checkpoint boundary come again and are dropped by `_id`.
public struct AdaSource: Source {
    /// The API version.
    public let api: AdaAPI
    /// The settings.
    public let settings: AdaSettings
    /// The HTTP client.
    public let client: VendorHTTPClient
    private let logger: ExportLogger

    /// The selected streams.
    public var streams: [StreamDescriptor] {
        [AdaStreams.conversations(cursor: settings.conversationsCursor), AdaStreams.messages].filter { settings.streams.contains($0.name) }
    }

    /// HTTP counters.
    public var counters: [(name: String, value: Int)] { client.metrics.counters }

    /// Creates a source.
    ///
    /// - Parameters:
    ///   - api: The API version.
    ///   - settings: The settings.
    ///   - http: The HTTP settings.
    ///   - transport: The transport (a libcurl one by default).
    ///   - logger: The logger.
    public init(
        api: AdaAPI, settings: AdaSettings, http: VendorHTTPClient.Configuration, transport: (any HTTPTransport)? = nil,
        logger: ExportLogger
    ) {
        self.api = api
        self.settings = settings
        self.client = VendorHTTPClient(configuration: http, transport: transport, logger: logger)
        self.logger = logger
    }

    /// `ada-v2 <host> <stream> (cursor created|updated)`: a checkpoint is never applied to
    /// another API version, bot (host) or conversations cursor.
    public func identity(of stream: StreamDescriptor) -> StreamIdentity {
        StreamIdentity(
            source: api.type, instance: client.configuration.origin.instance, stream: stream.name,
            cursor: boundField(stream.name))
    }

    /// The query parameter prefix of a stream: `created` or `updated`.
    func boundField(_ stream: String) -> String {
        stream == "conversations" ? settings.conversationsCursor.rawValue : "created"
    }

    /// Sends one small request per stream and reports whether the token is accepted.
    public func check(logger: ExportLogger) async throws -> [CheckResult] {
        try await check(CheckRequest(logger: logger, context: RunContext()))
    }

    /// Sends one small request per stream, under the check's context, and reports whether the token is accepted.
    public func check(_ request: CheckRequest) async throws -> [CheckResult] {
        let client = self.client.bound(to: request.context)
        var results: [CheckResult] = []
        let end = Timestamp.now.adding(seconds: -Int64(saturating: settings.lag))
        let start = end.adding(seconds: -86_400)
        for stream in streams {
            let field = boundField(stream.name)
            let url = client.url(
                api.pathPrefix + stream.name,
                query: [("\(field)_since", AdaTime.query(start)), ("\(field)_to", AdaTime.query(end)), ("page_size", "100")]
            )
            let count = try await client.get(url) { response in
                try PageScanner.scan(response.body, stream: stream.name, recordKeys: ["data", "items"], layout: layout(stream)).records
                    .count
            }
            results.append(
                CheckResult(
                    subject: "\(api.type) \(stream.name)",
                    detail: "token accepted; \(count)\(count == 100 ? "+" : "") records in the last day"))
        }
        return results
    }

    /// The checkpoint of `stream` read up to `position` (`chat-export state set`).
    ///
    /// - Parameters:
    ///   - position: Every record before it counts as read.
    ///   - stream: The stream.
    /// - Returns: The checkpoint; the next run reads from `position` on.
    /// - Throws: An encoding error.
    public func checkpoint(position: Timestamp, for stream: StreamDescriptor) throws -> Checkpoint {
        try reading(stream.name).checkpoint(readThrough: position, range: range(stream.name))
    }

    /// How far a checkpoint of `stream` has read (its windows' durable prefix).
    public func progress(of checkpoint: Checkpoint, for stream: StreamDescriptor) -> StreamProgress? {
        reading(stream.name).progress(of: checkpoint)
    }

    /// Reads a stream from its checkpoint (or the configured start) to the end of the range.
    public func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        let stream = request.stream.name
        // A preview asks for no more than it shows (Ada's smallest page is 100).
        let pageSize = request.preview?.pageSize(configured: settings.pageSize, smallest: AdaSettings.smallestPage) ?? settings.pageSize
        let pages = AdaPageReader(
            api: api, client: self.client.bound(to: request.context), stream: stream, field: boundField(stream), pageSize: pageSize,
            layout: layout(request.stream),
            logger: request.logger)
        try await reading(stream).read(
            request, range: range(stream, now: request.now), fetch: { window in try await pages.fetch(window) }, emit: emit)
    }

    /// The windowed-source skeleton; the checkpoint records the bound field it was read by.
    func reading(_ stream: String) -> WindowedReading<AdaPosition> {
        WindowedReading(sourceType: api.type, cursorTag: boundField(stream))
    }

    /// The configured range, within the 12 months Ada keeps (less an hour, so a window's start
    /// never falls out of retention while it is read). Both streams are read again for records
    /// Ada shows late (`lookback`).
    func range(_ stream: String, now: Timestamp = .now) -> WindowedReading<AdaPosition>.Range {
        let oldest = now.adding(seconds: -AdaSettings.retentionSeconds + 3600)
        return .init(
            start: settings.start ?? oldest, end: settings.end, lag: settings.lag,
            lookback: settings.lookback, retention: (oldest, "the 12 months Ada keeps"),
            maxWindowSeconds: max(1, Int64(saturating: settings.windowDays * 86_400)), concurrency: settings.maxConcurrentWindows)
    }

    func layout(_ stream: StreamDescriptor) -> RecordLayout {
        RecordLayout(cursorField: stream.cursorField, parentField: stream.parentField)
    }
}

/// Where an Ada window resumes: the lower bound to ask for, the ids already emitted at or after
/// it, and the vendor's next link when there is one (see ``LowerBoundPaginator``).
public typealias AdaPosition = PagePosition

/// Ada's query timestamps: UTC ISO-8601 ending in `Z`, with microseconds when needed.
enum AdaTime {
    static func query(_ time: Timestamp) -> String {
        time.microseconds % 1_000_000 == 0 ? time.iso8601() : time.iso8601(fractionDigits: 6)
    }
}
