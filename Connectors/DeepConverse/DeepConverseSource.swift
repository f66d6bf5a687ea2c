import ConnectorHTTP
import ConnectorKit

/// The DeepConverse (Workato "AgentX Support") export connector (`type: "deepconverse"`).
///
/// API reference: <https://docs.deepconverse.com/analytics/export-api/conversations-endpoint>.
/// Requests send `start_time`/`end_time` as integer Unix seconds with `bot_name` and follow the
/// opaque `cursor` until it is null. The range is cut into windows; each window's cursor is kept
/// in the checkpoint, so an interrupted run resumes mid-window. When the vendor rejects a stored
/// cursor (expired), the window restarts from its beginning: nothing is lost, and the window's
/// records are sent again (sinks that upsert by `_id` absorb them).
public struct DeepConverseSource: Source {
    /// The source's settings.
    public struct Settings: Sendable {
        /// The bot whose conversations to read.
        public var botName: String
        /// The streams to read.
        public var streams: [String]
        /// Where a first run starts.
        public var start: Timestamp
        /// Where reading ends; nil for now − ``lag``.
        public var end: Timestamp?
        /// How far behind now the range ends, in seconds.
        public var lag: Double
        /// Records per request (1...1000).
        public var perPage: Int
        /// The longest window, in seconds.
        public var windowSeconds: Int64
        /// Windows fetched at once per stream.
        public var maxConcurrentWindows: Int
        /// The latest, in seconds after its time, a record may appear and still be exported: both
        /// streams are read again as ``RereadSchedule`` says.
        public var lookback: Double

        /// Creates settings.
        public init(
            botName: String,
            streams: [String] = ["conversations", "messages"],
            start: Timestamp,
            end: Timestamp? = nil,
            lag: Double = 7200,
            perPage: Int = 1000,
            windowSeconds: Int64 = 7 * 86_400,
            maxConcurrentWindows: Int = 4,
            lookback: Double = 0
        ) {
            self.botName = botName
            self.streams = streams
            self.start = start
            self.end = end
            self.lag = lag
            self.perPage = perPage
            self.windowSeconds = windowSeconds
            self.maxConcurrentWindows = maxConcurrentWindows
            self.lookback = lookback
        }
    }

    /// Where a window resumes: the cursor the vendor gave for the next page (see ``CursorPaginator``).
    public typealias Position = PagePosition

    /// The streams DeepConverse offers.
    public static let allStreams: [StreamDescriptor] = [
        StreamDescriptor(
            name: "conversations",
            summary: "Conversations, read by startTime.",
            cursorField: "startTime",
            cursorColumn: "started_at",
            fields: [
                FieldDescriptor("start_time", path: ["startTime"], type: .timestamp),
                FieldDescriptor("last_action_at", path: ["lastActionAt"], type: .timestamp), FieldDescriptor("locale"),
                FieldDescriptor("tags", type: .json), FieldDescriptor("metadata", type: .json),
            ],
            canonical: CanonicalMapping(
                .conversation, vendor: "deepconverse",
                [
                    "conversation_id": .column("_id"), "started_at": .column("started_at"), "updated_at": .path([["lastActionAt"]]),
                    "channel": .path([["metadata", "channel"]]), "language": .path([["locale"]]),
                    "is_escalated": .contains(["tags"], "liveChat"),
                ])
        )
        // Not in the export API's field list: where a bot sets it, under metadata (or beside it).
        .identifyingEndUsers(by: [["userId"], ["metadata", "userId"]]),
        StreamDescriptor(
            name: "messages",
            summary: "Messages, read by time.",
            cursorField: "time",
            cursorColumn: "sent_at",
            parentField: "conversationId",
            parentColumn: "conversation_id",
            fields: [
                FieldDescriptor("type"), FieldDescriptor("user_action_type", path: ["userActionType"]),
                FieldDescriptor("user_input", path: ["userInput"]), FieldDescriptor("out_message", path: ["outMsg"], type: .json),
                FieldDescriptor("text", path: ["outMsg", "text"]),
            ],
            canonical: CanonicalMapping(
                .message, vendor: "deepconverse",
                [
                    "message_id": .column("_id"), "conversation_id": .column("conversation_id"), "sent_at": .column("sent_at"),
                    "role": .role(
                        rules: [
                            .init(["type"], equals: "UserInput", role: "user"), .init(["type"], equals: "BotMessage", role: "bot"),
                            .init(["type"], equals: "AgentMessage", role: "agent"),
                        ], otherwise: "system"),
                    "text": .path([["userInput"], ["outMsg", "text"]]), "message_type": .path([["type"]]),
                ])
        ),
    ]

    /// The settings.
    public let settings: Settings
    /// The HTTP client.
    public let client: VendorHTTPClient

    /// The selected streams.
    public var streams: [StreamDescriptor] { DeepConverseSource.allStreams.filter { settings.streams.contains($0.name) } }

    /// HTTP counters.
    public var counters: [(name: String, value: Int)] { client.metrics.counters }

    /// Creates a source.
    ///
    /// - Parameters:
    ///   - settings: The settings.
    ///   - http: The HTTP settings.
    ///   - transport: The transport (a libcurl one by default).
    ///   - logger: The logger.
    public init(settings: Settings, http: VendorHTTPClient.Configuration, transport: (any HTTPTransport)? = nil, logger: ExportLogger) {
        self.settings = settings
        self.client = VendorHTTPClient(configuration: http, transport: transport, logger: logger)
    }

    static let path = "/conversations/export/v1/"

    /// `deepconverse <host> bot <bot_name> <stream>`: a checkpoint is never applied to another bot.
    public func identity(of stream: StreamDescriptor) -> StreamIdentity {
        StreamIdentity(
            source: "deepconverse", instance: client.configuration.origin.instance, bot: settings.botName,
            stream: stream.name, cursor: stream.cursorField)
    }

    /// One request per stream: the key is accepted and the bot exists.
    public func check(logger: ExportLogger) async throws -> [CheckResult] {
        try await check(CheckRequest(logger: logger, context: RunContext()))
    }

    /// One request per stream, under the check's context: the key is accepted and the bot exists.
    public func check(_ request: CheckRequest) async throws -> [CheckResult] {
        let client = self.client.bound(to: request.context)
        var results: [CheckResult] = []
        let end = Timestamp.now
        for stream in streams {
            let url = requestURL(stream.name, start: end.epochSeconds - 3600, end: end.epochSeconds, cursor: nil, perPage: 1)
            try await client.get(url, passThrough: [404]) { response in
                if response.status == 404 { throw botNotFound(url) }
            }
            results.append(
                CheckResult(subject: "deepconverse \(stream.name)", detail: "API key accepted; bot \"\(settings.botName)\" found"))
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
        try reading.checkpoint(readThrough: position, range: range(stream.name))
    }

    /// How far a checkpoint of `stream` has read (its windows' durable prefix).
    public func progress(of checkpoint: Checkpoint, for stream: StreamDescriptor) -> StreamProgress? {
        reading.progress(of: checkpoint)
    }

    /// Reads a stream from its checkpoint (or the configured start).
    public func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        let stream = request.stream
        let layout = RecordLayout(cursorField: stream.cursorField, cursorFormat: .epochOrISO8601, parentField: stream.parentField)
        let paginator = CursorPaginator(path: ["cursor"])
        let perPage = request.preview?.pageSize(configured: settings.perPage) ?? settings.perPage
        let client = self.client.bound(to: request.context)
        try await reading.read(
            request, range: range(stream.name),
            fetch: { window in
                try await fetch(
                    stream.name, window, layout: layout, paginator: paginator, perPage: perPage, client: client, logger: request.logger)
            },
            emit: emit)
    }

    /// The windowed-source skeleton: DeepConverse checkpoints are the reader's state alone.
    var reading: WindowedReading<Position> { WindowedReading(sourceType: "deepconverse") }

    /// The configured range: whole-second bounds (DeepConverse takes integer Unix seconds).
    func range(_ stream: String) -> WindowedReading<Position>.Range {
        .init(
            start: settings.start, end: settings.end, lag: settings.lag, lookback: settings.lookback,
            maxWindowSeconds: settings.windowSeconds, concurrency: settings.maxConcurrentWindows, wholeSeconds: true)
    }

    func fetch(
        _ stream: String, _ window: TimeWindow<Position>, layout: RecordLayout, paginator: CursorPaginator, perPage: Int,
        client: VendorHTTPClient, logger: ExportLogger
    ) async throws -> WindowedReader<Position>.Page {
        let url = requestURL(
            stream, start: window.start.epochSeconds, end: window.end.epochSeconds, cursor: window.position?.cursor, perPage: perPage)
        let page = try await client.get(url, passThrough: window.position == nil ? [404] : [400, 404]) {
            response -> WindowedReader<Position>.Page? in
            if response.status == 404 { throw botNotFound(url) }
            if response.status == 400 { return nil }
            let page = try PageScanner.scan(response.body, stream: stream, recordKeys: ["data"], layout: layout)
            guard page.recordsKey != nil else { throw InvalidResponse("no \"data\" array") }
            return try paginator.advance(page, in: window, requested: url)
        }
        if let page { return page }
        let restarted = try paginator.restarting(window, stream: stream, vendor: "DeepConverse", url: url, logger: logger)
        return try await fetch(stream, restarted, layout: layout, paginator: paginator, perPage: perPage, client: client, logger: logger)
    }

    func requestURL(_ stream: String, start: Int64, end: Int64, cursor: String?, perPage: Int) -> String {
        var query = [("start_time", "\(start)"), ("end_time", "\(end)"), ("bot_name", settings.botName), ("per_page", "\(perPage)")]
        if let cursor { query.append(("cursor", cursor)) }
        return client.url(DeepConverseSource.path + stream, query: query)
    }

    func botNotFound(_ url: String) -> ChatExportError {
        ChatExportError(
            .invalidConfig,
            "DeepConverse has no bot named \(JSONValue.quoted(settings.botName)) for this API key (GET \(HTTPURL.redacted(url)) answered 404); check source.bot_name"
        )
    }
}
