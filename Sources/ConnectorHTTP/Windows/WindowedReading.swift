public import ConnectorKit

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
        /// How far behind now the vendor's data is complete.
        public var lag: Duration
        /// The latest, after its time, a record may appear and still be read: the stream is
        /// read again as ``rereads`` says (zero: read once).
        public var lookback: Duration
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

        /// When the stream is read again for records shown late.
        public var rereads: RereadSchedule { RereadSchedule(lookback: lookback, lag: lag) }

        /// Creates a range.
        ///
        /// - Parameters:
        ///   - start: The configured start.
        ///   - end: The configured end, or nil for now − `lag`.
        ///   - lag: How far behind now the vendor's data is complete.
        ///   - lookback: The latest, after its time, a record may appear and still be read.
        ///   - retention: The oldest time the vendor keeps, with its description.
        ///   - maxWindowSeconds: The longest window.
        ///   - minWindowSeconds: The shortest window worth splitting into.
        ///   - concurrency: Windows read at once.
        ///   - wholeSeconds: Round windows outwards to whole seconds.
        public init(
            start: Timestamp, end: Timestamp?, lag: Duration, lookback: Duration = .zero,
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

    /// Reads a stream from its checkpoint (or the configured start) to the end of the range, then
    /// reads again what the late-data passes of ``Range/rereads`` have come to.
    ///
    /// - Parameters:
    ///   - request: The runner's request (its ``ReadRequest/now`` is the time planned with).
    ///   - range: The configured range.
    ///   - fetch: Fetches one page of a window at its position (nil: the window's start).
    ///   - emit: The runner's emit.
    /// - Throws: ``ChatExportError`` for a checkpoint of something else; what `fetch` or `emit` throws.
    public func read(
        _ request: ReadRequest,
        range: Range,
        fetch: @escaping @Sendable (TimeWindow<Position>) async throws -> WindowedReader<Position>.Page,
        emit: @Sendable (RecordBatch) async throws -> Void
    ) async throws {
        let stream = request.stream.name
        let logger = request.logger
        let now = request.now
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
        let readable = now.adding(seconds: -Int64(saturating: range.lag.inSeconds))
        let span = Double(min(range.end ?? readable, readable).microseconds - start.microseconds) / 1e6
        if let problem = WindowPlanner.countProblem(seconds: span, windowSeconds: Double(range.maxWindowSeconds)) {
            throw ChatExportError(.invalidConfig, "\(stream): \(problem)")
        }
        if request.preview != nil {
            try await preview(
                from: start, to: min(range.end ?? readable, readable), range: range, request: request, fetch: fetch, emit: emit)
            return
        }
        var (state, added) = State.planned(
            stored, .init(start: start, end: range.end, lag: range.lag, now: now), stream: stream, logger: logger,
            windows: { Self.windows(from: $0, to: $1, range: range) })
        let schedule = range.rereads
        state.rereads = Self.align(stored, to: schedule, firstUnread: added.from, now: now, added: added, logger: logger, stream: stream)
        if let stored, let earliest = state.rangeStart, earliest < stored.rangeStart ?? stored.doneThrough, var rereads = state.rereads {
            // A start moved earlier: what of the new stretch is younger than a pass is read by it too.
            for index in rereads.indices where rereads[index].windows.isEmpty {
                rereads[index].doneThrough = min(rereads[index].doneThrough, max(earliest, now.adding(seconds: -rereads[index].age)))
            }
            state.rereads = rereads
        }
        // The oldest record time a later pass can reach: only records from there on are remembered.
        let horizon = state.rereads?.map(\.doneThrough).min()
        if request.suppressRepeats, let horizon {
            var delivered = state.delivered ?? DeliveredRecords()
            delivered.forget(before: horizon)
            state.delivered = delivered
        } else {
            state.delivered = nil
        }
        logger.info(
            "\(stream): reading \(state.doneThrough.iso8601()) to \(state.rangeEnd.iso8601()) in \(Readable.count(state.windows.count, "window"))"
        )
        if state.windows.isEmpty, state.doneThrough == state.rangeEnd, state.rereads != stored?.rereads {
            // The main read has nothing to emit: the passes' new frontiers are stored on their own.
            try await emit(RecordBatch(stream: stream, records: [], checkpoint: try encode(state), progress: 1, pages: 0))
        }
        let encode: @Sendable (State) throws -> Checkpoint = { [self] state in try self.encode(state) }
        state = try await WindowedReader<Position>(stream: stream, concurrency: min(range.concurrency, WindowPlanner.maximumConcurrency))
            .read(
                from: state, rememberingFrom: horizon, encode: encode, fetch: fetch, emit: emit)
        for (index, pass) in schedule.passes.enumerated() {
            // A pass an earlier run left unfinished, then the stretch that has come of age since.
            if let end = state.rereads?[index].rangeEnd, let windows = state.rereads?[index].windows, !windows.isEmpty {
                state = try await reread(
                    pass, index, in: state, to: end, windows: windows, added: added, now: now, horizon: horizon, request: request,
                    encode: encode, fetch: fetch, emit: emit)
            }
            guard let done = state.rereads?[index].doneThrough else { continue }
            let ripe = now.adding(seconds: -pass.age)
            let until = min(ripe, added.from)
            // Catch up to the stretch this run read first in one go; otherwise wait for a full step.
            guard until > done, until.microseconds - done.microseconds >= pass.step * 1_000_000 || ripe >= added.from else { continue }
            // Read one window at a time, so a stretch is split only where the vendor's window
            // limit says (a request per window, however little it holds).
            var passRange = range
            passRange.concurrency = 1
            let windows = Self.windows(from: done, to: until, range: passRange)
            guard !windows.isEmpty else { continue }
            logger.info(
                "\(stream): reading \(done.iso8601()) to \(until.iso8601()) again, now that it is \(Self.describe(pass.age)) old, for records shown late"
            )
            state = try await reread(
                pass, index, in: state, to: until, windows: windows, added: added, now: now, horizon: horizon, request: request,
                encode: encode, fetch: fetch, emit: emit)
        }
        if let forgotten = state.delivered?.forgottenThrough {
            logger.warning(
                "\(stream): more than \(DeliveredRecords.limit) records are held back from being delivered twice; records before \(forgotten.iso8601()) read again may reach files and stdout twice"
            )
        }
    }

    /// A preview (``ReadRequest/preview``): the range cut into windows from its end back, read
    /// newest first, one at a time, until the runner has the records it wants. Nothing is read
    /// again for late data, and every batch carries the checkpoint the preview started from (or
    /// one covering nothing): a preview never moves a stored position.
    private func preview(
        from start: Timestamp, to end: Timestamp, range: Range, request: ReadRequest,
        fetch: @escaping @Sendable (TimeWindow<Position>) async throws -> WindowedReader<Position>.Page,
        emit: @Sendable (RecordBatch) async throws -> Void
    ) async throws {
        let unchanged = try request.checkpoint ?? encode(State(doneThrough: start, rangeEnd: start, windows: [], rangeStart: start))
        var single = range
        single.concurrency = 1
        var windows: [TimeWindow<Position>] = []
        var upper = end
        // Bounded: the range was checked to need at most WindowPlanner's limit of windows.
        while upper > start {
            let lower = max(start, upper.adding(seconds: -max(1, range.maxWindowSeconds)))
            windows += Self.windows(from: lower, to: upper, range: single).reversed()
            upper = lower
        }
        request.logger.debug(
            "\(request.stream.name): previewing \(start.iso8601()) to \(end.iso8601()), the most recent of \(Readable.count(windows.count, "window")) first"
        )
        var reader = WindowedReader<Position>(stream: request.stream.name, concurrency: 1)
        // The runner stops the stream once it has its records: no page is asked for ahead of that.
        reader.fetchesAhead = false
        for window in windows {
            try await reader.read(
                from: State(doneThrough: window.start, rangeEnd: window.end, windows: [window]), encode: { _ in unchanged }, fetch: fetch,
                emit: emit)
        }
    }

    /// Reads `windows` of one pass, ending at `end`, and returns the stream's state after it.
    private func reread(
        _ pass: RereadSchedule.Pass, _ index: Int, in base: State, to end: Timestamp, windows: [TimeWindow<Position>],
        added: (from: Timestamp, to: Timestamp), now: Timestamp, horizon: Timestamp?, request: ReadRequest,
        encode: @escaping @Sendable (State) throws -> Checkpoint,
        fetch: @escaping @Sendable (TimeWindow<Position>) async throws -> WindowedReader<Position>.Page,
        emit: @Sendable (RecordBatch) async throws -> Void
    ) async throws -> State {
        @Sendable func merged(_ read: State) -> State {
            var state = base
            state.delivered = read.delivered
            var reread = State.Reread(age: pass.age, doneThrough: read.doneThrough, rangeEnd: read.rangeEnd, windows: read.windows)
            if read.windows.isEmpty {
                reread = State.Reread(age: pass.age, doneThrough: read.rangeEnd)
                Self.advance(&reread, now: now, added: added)
            }
            state.rereads?[index] = reread
            return state
        }
        var read = State(doneThrough: base.rereads?[index].doneThrough ?? end, rangeEnd: end, windows: windows)
        read.delivered = base.delivered
        let through = base.rangeEnd
        let late = LateCount()
        let final = try await WindowedReader<Position>(stream: request.stream.name, concurrency: 1).read(
            from: read, rememberingFrom: horizon, encode: { try encode(merged($0)) }, fetch: fetch,
            emit: { batch in
                var batch = batch
                batch.through = through
                batch.progress = 1
                await late.add(batch.records.count)
                try await emit(batch)
            })
        let found = await late.count
        let summary =
            "\(request.stream.name): \(found) \(found == 1 ? "record" : "records") shown late found reading to \(end.iso8601()) again"
        if found > 0 { request.logger.info(summary) } else { request.logger.debug(summary) }
        return merged(final)
    }

    /// The passes' states for this run: stored ones kept, new ones started where they can be
    /// trusted, each put back to now − age if a clock that ran ahead credited it with more, and
    /// each moved over the stretch this run reads first when that stretch is old enough.
    ///
    /// A pass with no stored state starts where an older pass stands (else `age` before the
    /// youngest, for a longer `lookback`), or at `firstUnread` on a first run. For a state stored
    /// without passes (before they existed, with `lookback` 0s, or by `state set`), the passes
    /// start `age` before its range's end: records shown late just before the change are caught,
    /// and files and stdout may receive that stretch once more (there are no digests of it yet).
    static func align(
        _ stored: State?, to schedule: RereadSchedule, firstUnread: Timestamp, now: Timestamp, added: (from: Timestamp, to: Timestamp),
        logger: ExportLogger = .disabled, stream: String = ""
    ) -> [State.Reread]? {
        guard !schedule.passes.isEmpty else { return nil }
        let old = stored?.rereads ?? []
        let floor = stored?.rangeStart ?? firstUnread
        if let stored, old.isEmpty {
            logger.info(
                "\(stream): late-data re-reads start \(Self.describe(schedule.lookback)) before \(stored.rangeEnd.iso8601()); "
                    + "files and stdout may receive records of that stretch once more")
        }
        return schedule.passes.map { pass in
            var reread: State.Reread
            if let same = old.first(where: { $0.age == pass.age }) {
                reread = same
            } else if let stored, old.isEmpty {
                reread = State.Reread(age: pass.age, doneThrough: max(floor, stored.rangeEnd.adding(seconds: -pass.age)))
            } else if let older = old.filter({ $0.age >= pass.age }).map(\.doneThrough).max() {
                reread = State.Reread(age: pass.age, doneThrough: older)
            } else {
                // A longer lookback: as far before the youngest frontier as this pass is older.
                let youngest = old.map(\.doneThrough).min() ?? firstUnread
                let oldest = old.map(\.age).max() ?? pass.age
                reread = State.Reread(age: pass.age, doneThrough: max(floor, youngest.adding(seconds: -(pass.age - oldest))))
            }
            let ripe = now.adding(seconds: -pass.age)
            if let end = reread.rangeEnd, end > ripe {
                // An unfinished read planned by a clock that was ahead: planned again.
                reread.rangeEnd = nil
                reread.windows = []
            }
            // Nothing after now − age can have been read that late: a frontier beyond it was set by
            // a clock that ran ahead (or this one is behind), and is put back.
            if reread.doneThrough > ripe { reread.doneThrough = max(floor, ripe) }
            if reread.windows.isEmpty {
                reread.rangeEnd = nil
                advance(&reread, now: now, added: added)
            }
            return reread
        }
    }

    /// Moves a pass that has reached the stretch this run reads first over it, as far as that
    /// stretch is old enough: it is read in this run (or, if the run stops, a later one), so at
    /// least `age` after its time.
    static func advance(_ reread: inout State.Reread, now: Timestamp, added: (from: Timestamp, to: Timestamp)) {
        guard reread.doneThrough >= added.from else { return }
        reread.doneThrough = max(reread.doneThrough, min(now.adding(seconds: -reread.age), added.to))
    }

    static func describe(_ seconds: Int64) -> String {
        seconds % 3600 == 0 ? "\(seconds / 3600) h" : seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds) s"
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
        var state = State.readThrough(position, start: start)
        // Nothing before the position is read again, not even by the late-data passes.
        let passes = range.rereads.passes
        if !passes.isEmpty { state.rereads = passes.map { State.Reread(age: $0.age, doneThrough: position) } }
        return try cursorTag.map { try Checkpoint(encoding: Tagged(field: $0, reader: state)) } ?? Checkpoint(encoding: state)
    }

    /// How far a checkpoint of this reading has read: its durable prefix (``WindowedReader/State/doneThrough``),
    /// for ``Source/progress(of:for:)``.
    ///
    /// - Parameter checkpoint: A checkpoint this reading emitted.
    /// - Returns: The progress, or nil when the checkpoint holds no reader state.
    public func progress(of checkpoint: Checkpoint) -> StreamProgress? {
        let state = checkpoint.state
        // Read from the JSON as stored: the delivered digests (megabytes) are not decoded.
        let reader = cursorTag == nil ? state : state["reader"]
        return (reader?["done_through"] ?? state["done_through"])?.stringValue.flatMap(Timestamp.init(iso8601:))
            .map(StreamProgress.init(completeThrough:))
    }

    /// The checkpoint of a state: the reader's state (beside the cursor tag, if any), its
    /// delivered digests put in as they are kept rather than through a JSON encoder.
    private func encode(_ state: State) throws -> Checkpoint {
        var light = state
        light.delivered = nil
        var checkpoint = try cursorTag.map { try Checkpoint(encoding: Tagged(field: $0, reader: light)) } ?? Checkpoint(encoding: light)
        if let delivered = state.delivered {
            checkpoint.state = Self.setting(
                delivered.json, at: cursorTag == nil ? ["delivered"] : ["reader", "delivered"], in: checkpoint.state)
        }
        return checkpoint
    }

    /// `value` with the member at `path` set (objects keep their order; a new member goes last,
    /// in key order as the encoder sorts them).
    static func setting(_ member: JSONValue?, at path: [String], in value: JSONValue) -> JSONValue {
        guard let key = path.first, case .object(var members) = value else { return value }
        let index = members.firstIndex { $0.key == key }
        let child = path.count == 1 ? member : index.map { setting(member, at: Array(path.dropFirst()), in: members[$0].value) }
        if let index {
            if let child { members[index].value = child } else { members.remove(at: index) }
        } else if let child {
            members.insert((key, child), at: members.firstIndex { $0.key > key } ?? members.endIndex)
        }
        return .object(members)
    }

    private func decode(_ checkpoint: Checkpoint?, stream: String) throws -> State? {
        guard var checkpoint else { return nil }
        // The delivered digests are read from the JSON value as they are stored (megabytes on a
        // busy stream), not through a JSON decoder.
        let path = cursorTag == nil ? ["delivered"] : ["reader", "delivered"]
        let stored = path.count == 1 ? checkpoint.state["delivered"] : checkpoint.state["reader"]?["delivered"]
        if stored != nil { checkpoint.state = Self.setting(nil, at: path, in: checkpoint.state) }
        var state = try decodeLight(checkpoint, stream: stream)
        if let stored {
            do {
                state?.delivered = try DeliveredRecords(json: stored)
            } catch {
                throw ChatExportError(
                    .failure,
                    "\(stream): the stored checkpoint's delivered records are not well formed; reset it with `chat-export state reset CONFIG --stream \(stream)`"
                )
            }
        }
        return state
    }

    private func decodeLight(_ checkpoint: Checkpoint, stream: String) throws -> State? {
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

/// How many records a pass delivered.
private actor LateCount {
    var count = 0
    func add(_ records: Int) { count += records }
}
