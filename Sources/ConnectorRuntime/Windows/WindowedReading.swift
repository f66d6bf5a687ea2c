/// The skeleton of an incremental, time-windowed source: everything such a connector would
/// otherwise repeat around its page requests.
///
/// It decodes and validates the stored checkpoint (with the "reset it" message when it belongs to
/// something else), clamps the range to what the vendor keeps and to now − lag, extends a stored
/// range (later end, earlier start, lookback), plans the windows, reads them concurrently under
/// the source's shared limits with positions inside windows, and encodes each batch's
/// checkpoint. A connector supplies only `fetch`: how one page of a window is requested and what
/// it yields (records and the next position, see ``Paginator``).
///
/// ## Checkpoint format
/// The reader's state (``WindowedReader/State``), or, with a ``cursorTag``, that state beside the
/// tag (`{"field": tag, "reader": state}`), so a change of cursor mode is refused instead of
/// misapplied.
public struct WindowedReading<Position: Codable & Sendable & Equatable>: Sendable {
    /// The range a run covers and how it is cut into windows.
    public struct Range: Sendable {
        /// The configured start (a first run starts here).
        public var start: Timestamp
        /// The configured end, or nil for now − ``lag``.
        public var end: Timestamp?
        /// How far behind now the vendor's data is complete, in seconds.
        public var lag: Double
        /// How far before the stored end a re-run reads again, in seconds (late updates).
        public var lookback: Double
        /// The oldest time the vendor keeps, and how to say so ("the 12 months Ada keeps"):
        /// nothing before it is requested.
        public var retention: (oldest: Timestamp, description: String)?
        /// The longest window, in seconds.
        public var maxWindowSeconds: Int64
        /// The shortest window worth splitting into, in seconds.
        public var minWindowSeconds: Int64
        /// Windows read at once.
        public var concurrency: Int
        /// Whether the vendor's bounds are whole seconds (windows are rounded outwards).
        public var wholeSeconds: Bool

        /// Creates a range.
        ///
        /// - Parameters:
        ///   - start: The configured start.
        ///   - end: The configured end, or nil for now − `lag`.
        ///   - lag: Seconds behind now.
        ///   - lookback: Seconds read again before the stored end.
        ///   - retention: The oldest time the vendor keeps, with its description.
        ///   - maxWindowSeconds: The longest window.
        ///   - minWindowSeconds: The shortest window worth splitting into.
        ///   - concurrency: Windows read at once.
        ///   - wholeSeconds: Round windows outwards to whole seconds.
        public init(
            start: Timestamp, end: Timestamp?, lag: Double, lookback: Double = 0,
            retention: (oldest: Timestamp, description: String)? = nil,
            maxWindowSeconds: Int64, minWindowSeconds: Int64 = 600, concurrency: Int, wholeSeconds: Bool = false
        ) {
            self.start = start
            self.end = end
            self.lag = lag
            self.lookback = lookback
            self.retention = retention
            self.maxWindowSeconds = maxWindowSeconds
            self.minWindowSeconds = minWindowSeconds
            self.concurrency = concurrency
            self.wholeSeconds = wholeSeconds
        }
    }

    /// The reader's state as stored.
    public typealias State = WindowedReader<Position>.State

    /// The connector's `type`, for messages (`deepconverse`).
    public var sourceType: String
    /// Stored beside the windows when set (the cursor mode, like Ada's `created`/`updated`).
    public var cursorTag: String?

    /// Creates the skeleton for one source.
    ///
    /// - Parameters:
    ///   - sourceType: The connector's `type`.
    ///   - cursorTag: A cursor mode stored with the checkpoint, if the source has several.
    public init(sourceType: String, cursorTag: String? = nil) {
        self.sourceType = sourceType
        self.cursorTag = cursorTag
    }

    private struct Tagged: Codable {
        var field: String
        var reader: State
    }

    /// Reads a stream from its checkpoint (or the configured start) to the end of the range.
    ///
    /// - Parameters:
    ///   - request: The runner's request.
    ///   - range: The configured range.
    ///   - now: The current time.
    ///   - fetch: Fetches one page of a window at its position (nil: the window's start).
    ///   - emit: The runner's emit.
    /// - Throws: ``ChatExportError`` for a checkpoint of something else; what `fetch` or `emit` throws.
    public func read(
        _ request: ReadRequest,
        range: Range,
        now: Timestamp = .now,
        fetch: @escaping @Sendable (TimeWindow<Position>) async throws -> WindowedReader<Position>.Page,
        emit: @Sendable (RecordBatch) async throws -> Void
    ) async throws {
        let stream = request.stream.name
        let logger = request.logger
        var stored = try decode(request.checkpoint, stream: stream)
        var start = range.start
        if let (oldest, description) = range.retention {
            if var state = stored, state.doneThrough < oldest {
                logger.warning(
                    "\(stream): the checkpoint (\(state.doneThrough.iso8601())) is older than \(description); continuing from \(oldest.iso8601())"
                )
                state.windows = state.windows.filter { $0.end > oldest }.map { window in
                    var window = window
                    if window.start < oldest { window = TimeWindow(start: oldest, end: window.end) }
                    return window
                }
                state.doneThrough = max(state.doneThrough, oldest)
                if state.rangeEnd < oldest { state.rangeEnd = oldest }
                if let rangeStart = state.rangeStart, rangeStart < oldest { state.rangeStart = oldest }
                stored = state
            }
            if start < oldest {
                if stored == nil {
                    logger.warning("\(stream): start \(start.iso8601()) is older than \(description); starting at \(oldest.iso8601())")
                }
                start = oldest
            }
        }
        let readable = now.adding(seconds: -Int64(saturating: range.lag))
        let span = Double(min(range.end ?? readable, readable).microseconds - start.microseconds) / 1e6
        if let problem = WindowPlanner.countProblem(seconds: span, windowSeconds: Double(range.maxWindowSeconds)) {
            throw ChatExportError(.invalidConfig, "\(stream): \(problem)")
        }
        let state = State.resuming(
            stored, .init(start: start, end: range.end, lag: range.lag, lookback: range.lookback, now: now), stream: stream, logger: logger,
            windows: { Self.windows(from: $0, to: $1, range: range) })
        logger.info("\(stream): reading \(state.doneThrough.iso8601()) to \(state.rangeEnd.iso8601()) in \(state.windows.count) windows")
        let tag = cursorTag
        try await WindowedReader<Position>(stream: stream, concurrency: min(range.concurrency, WindowPlanner.maximumConcurrency)).read(
            from: state,
            encode: { state in try tag.map { try Checkpoint(encoding: Tagged(field: $0, reader: state)) } ?? Checkpoint(encoding: state) },
            fetch: fetch,
            emit: emit)
    }

    /// The checkpoint of a stream read up to `position` and nothing after it (`state set`).
    ///
    /// - Parameters:
    ///   - position: Every record before it counts as read.
    ///   - range: The configured range (its start, clamped to the vendor's retention).
    /// - Returns: The checkpoint.
    /// - Throws: An encoding error.
    public func checkpoint(readThrough position: Timestamp, range: Range) throws -> Checkpoint {
        let start = range.retention.map { max(range.start, $0.oldest) } ?? range.start
        let state = State.readThrough(position, start: start)
        return try cursorTag.map { try Checkpoint(encoding: Tagged(field: $0, reader: state)) } ?? Checkpoint(encoding: state)
    }

    private func decode(_ checkpoint: Checkpoint?, stream: String) throws -> State? {
        guard let checkpoint else { return nil }
        let reset = "reset it with `chat-export state reset CONFIG --stream \(stream)`"
        let article = "aeiou".contains(sourceType.prefix(1).lowercased()) ? "an" : "a"
        guard let tag = cursorTag else {
            do {
                return try checkpoint.decode(State.self)
            } catch {
                throw ChatExportError(.failure, "\(stream): the stored checkpoint is not \(article) \(sourceType) checkpoint; \(reset)")
            }
        }
        let tagged: Tagged
        do {
            tagged = try checkpoint.decode(Tagged.self)
        } catch {
            throw ChatExportError(.failure, "\(stream): the stored checkpoint is not \(article) \(sourceType) checkpoint; \(reset)")
        }
        guard tagged.field == tag else {
            throw ChatExportError(
                .invalidConfig,
                "\(stream): the checkpoint was made reading by \(tagged.field), the config now says \(tag); "
                    + "reset the stream (`chat-export state reset CONFIG --stream \(stream)`) to change the cursor")
        }
        return tagged.reader
    }

    /// The windows of a range: at most `maxWindowSeconds` long, more when that lets
    /// `concurrency` run at once, rounded outwards to whole seconds when the vendor wants them.
    static func windows(from start: Timestamp, to end: Timestamp, range: Range) -> [TimeWindow<Position>] {
        var from = start
        var to = end
        if range.wholeSeconds {
            from = Timestamp(epochSeconds: start.epochSeconds)
            to = Timestamp(epochSeconds: end.epochSeconds + (end.microseconds % 1_000_000 == 0 ? 0 : 1))
        }
        return WindowPlanner.plan(
            from: from, to: to, maxSeconds: range.maxWindowSeconds, concurrency: range.concurrency, minSeconds: range.minWindowSeconds)
    }
}
