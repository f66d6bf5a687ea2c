public import ConnectorHTTP
public import ConnectorKit

/// A source driven by a ``RestDefinition`` (`"type": "rest"`): the definition says what to
/// request and how to read a page; the runtime's windowed skeleton, paginators and HTTP client
/// do the rest. The built-in vendor connectors (Ada v2, v1.4, DeepConverse) are this source
/// running their definitions.
public struct RestSource: Source {
    /// A job's values for the definition's options.
    public struct Settings: Sendable {
        /// Text values of the options, for templates (`bot_name`, `conversations_cursor`).
        public var values: [String: String]
        /// Whole-number values of the options (page sizes).
        public var integers: [String: Int]
        /// The streams to read.
        public var streams: [String]
        /// Where a first run starts (nil: the oldest retained data).
        public var start: Timestamp?
        /// Where reading ends (nil: now − ``lag``).
        public var end: Timestamp?
        /// How far behind now reading stops.
        public var lag: Duration
        /// The longest window in seconds.
        public var windowSeconds: Int64
        /// Windows of a stream read at once.
        public var maxConcurrentWindows: Int
        /// How long before the checkpoint is read again, on streams that look back.
        public var lookback: Duration

        /// Creates settings.
        public init(
            values: [String: String] = [:], integers: [String: Int] = [:], streams: [String], start: Timestamp?, end: Timestamp? = nil,
            lag: Duration = .seconds(7200), windowSeconds: Int64, maxConcurrentWindows: Int = 4, lookback: Duration = .zero
        ) {
            self.values = values
            self.integers = integers
            self.streams = streams
            self.start = start
            self.end = end
            self.lag = lag
            self.windowSeconds = windowSeconds
            self.maxConcurrentWindows = maxConcurrentWindows
            self.lookback = lookback
        }
    }

    /// One stream with the job's values put into its templates.
    struct Resolved: Sendable {
        var definition: RestDefinition.Stream
        var descriptor: StreamDescriptor
        var path: String
        var query: [(String, String)]
        var startParameter: String
        var endParameter: String
        var cursorTag: String?
        var pageSize: Int?
        var cursorPath: [String]
    }

    /// The definition.
    public let definition: RestDefinition
    /// The job's values.
    public let settings: Settings
    /// The HTTP client.
    public let client: VendorHTTPClient
    let resolved: [Resolved]

    /// Creates a source.
    ///
    /// - Parameters:
    ///   - definition: The definition.
    ///   - settings: The job's values.
    ///   - http: The HTTP settings.
    ///   - transport: The transport (a libcurl one by default).
    ///   - logger: The logger.
    public init(
        definition: RestDefinition, settings: Settings, http: VendorHTTPClient.Configuration, transport: (any HTTPTransport)? = nil,
        logger: ExportLogger
    ) {
        self.definition = definition
        self.settings = settings
        self.client = VendorHTTPClient(configuration: http, transport: transport, logger: logger)
        let render = { (text: String) in RestTemplate.render(text) { settings.values[$0] ?? "" } }
        self.resolved = definition.streams.map { stream in
            let cursorPath = stream.cursor.path.map(render)
            let cursorField = cursorPath.joined(separator: ".")
            var descriptor = StreamDescriptor(
                name: stream.name, summary: render(stream.summary), cursorField: cursorField, cursorColumn: render(stream.cursor.column),
                parentField: stream.parent?.path.joined(separator: "."), parentColumn: stream.parent?.column, fields: stream.fields,
                canonical: stream.canonical)
            descriptor.idPath = stream.idPath
            descriptor.endUserPaths = stream.endUserPaths
            return Resolved(
                definition: stream,
                descriptor: descriptor,
                path: render(stream.path), query: stream.query.map { ($0.name, render($0.value)) },
                startParameter: render(stream.bounds.start), endParameter: render(stream.bounds.end),
                cursorTag: stream.cursorTag.map(render), pageSize: stream.pageSize.flatMap { settings.integers[$0.option] },
                cursorPath: cursorPath)
        }
    }

    /// The selected streams.
    public var streams: [StreamDescriptor] { resolved.map(\.descriptor).filter { settings.streams.contains($0.name) } }

    /// HTTP counters.
    public var counters: [(name: String, value: Int)] { client.metrics.counters }

    func resolvedStream(_ name: String) throws -> Resolved {
        guard let stream = resolved.first(where: { $0.descriptor.name == name }) else {
            throw ChatExportError(.failure, "\(definition.name) has no stream \(name)")
        }
        return stream
    }

    /// `<definition> <host> [bot] <stream> (cursor tag or field)`: a checkpoint is never applied
    /// to another definition, instance, bot or cursor mode.
    public func identity(of stream: StreamDescriptor) -> StreamIdentity {
        let tag = resolved.first { $0.descriptor.name == stream.name }?.cursorTag
        return StreamIdentity(
            source: definition.name, instance: client.configuration.origin.instance,
            bot: definition.bot.map { RestTemplate.render($0) { settings.values[$0] ?? "" } }, stream: stream.name,
            cursor: tag ?? stream.cursorField)
    }

    /// One small request per stream over the last day: the credentials are accepted.
    public func check(logger: ExportLogger) async throws -> [CheckResult] {
        try await check(CheckRequest(logger: logger, context: RunContext()))
    }

    /// One small request per stream over the last day, under the check's context.
    public func check(_ request: CheckRequest) async throws -> [CheckResult] {
        let client = self.client.bound(to: request.context)
        var results: [CheckResult] = []
        let end = Timestamp.now.adding(seconds: -Int64(saturating: settings.lag.inSeconds))
        let window = TimeWindow<PagePosition>(start: end.adding(seconds: -86_400), end: end)
        for stream in streams {
            let resolved = try resolvedStream(stream.name)
            let smallest = resolved.definition.pageSize.flatMap { definition.smallestValue(of: $0.option) }
            let pageSize = smallest ?? resolved.pageSize
            let url = requestURL(resolved, window, pageSize: pageSize)
            let count = try await client.get(url, passThrough: passThrough(resolved, resuming: false)) { response in
                try refuse(response, url: url)
                return try PageScanner.scan(
                    response.body, stream: stream.name, recordKeys: resolved.definition.records, layout: layout(resolved)
                )
                .records.count
            }
            // A full page: there are more.
            let more = pageSize.map { count >= $0 } ?? false
            let bot = definition.bot.map { " for bot " + JSONValue.quoted(RestTemplate.render($0) { settings.values[$0] ?? "" }) } ?? ""
            results.append(
                CheckResult(
                    subject: "\(definition.name) \(stream.name)",
                    detail: "\(definition.credentialLabel) accepted; \(count)\(more ? "+" : "") records in the last day\(bot)"))
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
        let resolved = try resolvedStream(stream.name)
        return try reading(resolved).checkpoint(readThrough: position, range: range(resolved))
    }

    /// How far a checkpoint of `stream` has read (its windows' durable prefix).
    public func progress(of checkpoint: Checkpoint, for stream: StreamDescriptor) -> StreamProgress? {
        (try? resolvedStream(stream.name)).flatMap { reading($0).progress(of: checkpoint) }
    }

    /// Reads a stream from its checkpoint (or the configured start) to the end of the range.
    public func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        var stream = try resolvedStream(request.stream.name)
        if let preview = request.preview, let configured = stream.pageSize {
            // A preview asks for no more than it shows, within the definition's smallest page.
            let smallest = stream.definition.pageSize.flatMap { definition.smallestValue(of: $0.option) } ?? 1
            stream.pageSize = preview.pageSize(configured: configured, smallest: smallest)
        }
        let resolved = stream
        let layout = layout(resolved)
        let paginator = paginator(resolved, logger: request.logger)
        let client = self.client.bound(to: request.context)
        try await reading(resolved).read(
            request, range: range(resolved, now: request.now),
            fetch: { window in
                try await fetch(resolved, window, layout: layout, paginator: paginator, client: client, logger: request.logger)
            },
            emit: emit)
    }

    func reading(_ stream: Resolved) -> WindowedReading<PagePosition> {
        WindowedReading(sourceType: definition.name, cursorTag: stream.cursorTag)
    }

    /// The configured range, within what the vendor keeps (less an hour, so a window's start
    /// never falls out of retention while it is read).
    func range(_ stream: Resolved, now: Timestamp = .now) -> WindowedReading<PagePosition>.Range {
        let oldest = definition.range.retentionDays.map { now.adding(seconds: -Int64($0) * 86_400 + 3600) }
        return .init(
            start: settings.start ?? oldest ?? now, end: settings.end, lag: settings.lag,
            lookback: stream.definition.lookback ? settings.lookback : .zero,
            retention: oldest.map {
                ($0, definition.range.retentionDescription ?? "the \(definition.range.retentionDays ?? 0) days the vendor keeps")
            },
            maxWindowSeconds: settings.windowSeconds, concurrency: settings.maxConcurrentWindows,
            wholeSeconds: stream.definition.bounds.format == .epochSeconds)
    }

    func layout(_ stream: Resolved) -> RecordLayout {
        RecordLayout(
            idPath: stream.definition.idPath, cursorPath: stream.cursorPath, cursorFormat: stream.definition.cursor.format,
            parentPath: stream.definition.parent?.path)
    }

    func paginator(_ stream: Resolved, logger: ExportLogger) -> any Paginator {
        switch stream.definition.paging {
        case .lowerBound(let link, let largest):
            LowerBoundPaginator(
                stream: stream.descriptor.name, sinceParameter: stream.startParameter, linkPath: link,
                pageSizeParameter: stream.definition.pageSize?.parameter ?? "page_size", pageSize: stream.pageSize ?? largest,
                largestPage: largest, logger: logger)
        case .nextLink(let path): NextLinkPaginator(path: path)
        case .cursor(let path, _, _): CursorPaginator(path: path)
        case .offset: CountingPaginator(unit: .offset, pageSize: stream.pageSize ?? 1)
        case .page(_, let first): CountingPaginator(unit: .page(first: first), pageSize: stream.pageSize ?? 1)
        }
    }
}

extension RestDefinition {
    /// The lower bound of an integer option (the smallest page, for `check`).
    func smallestValue(of option: String) -> Int? {
        guard case .integer(let range) = options.first(where: { $0.name == option })?.type else { return nil }
        return range?.lowerBound
    }
}
