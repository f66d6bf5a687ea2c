public import ConnectorKit

/// Reads a stream as a list of time windows, several at once, emitting one batch per page.
///
/// Up to `concurrency` windows are in flight, each with one page request outstanding; pages are
/// emitted one at a time as they arrive, so sinks see every page once and in order within its
/// window. Each emitted batch carries a checkpoint listing every unfinished window with its
/// position after that batch: valid once this batch and all before it are durable, which is what
/// the runner guarantees. ``State/doneThrough`` only moves over the contiguous prefix of finished
/// windows; windows after it keep their own positions, so a resumed run continues inside each
/// window instead of at the start of the range.
public struct WindowedReader<Position: Codable & Sendable & Equatable>: Sendable {
    /// The reader's checkpoint state.
    public struct State: Codable, Sendable, Equatable {
        /// Every record before this instant is durable.
        public var doneThrough: Timestamp
        /// The end of the range being read (equal to ``doneThrough`` when the read finished).
        public var rangeEnd: Timestamp
        /// The unfinished windows, in time order.
        public var windows: [TimeWindow<Position>]
        /// The start of the range the state covers; nil in states stored before it was recorded.
        /// A configured start before it makes the next run read the uncovered range too.
        public var rangeStart: Timestamp?
        /// How far each late-data re-read pass has read (see ``RereadSchedule``); nil in states
        /// stored before passes existed, or by `state set`.
        public var rereads: [Reread]?
        /// The records delivered that a re-read may return again; nil when every sink replaces a
        /// record by its id, so repeats need not be held back.
        public var delivered: DeliveredRecords?

        /// Creates a state.
        ///
        /// - Parameters:
        ///   - doneThrough: The end of the durable prefix.
        ///   - rangeEnd: The end of the range.
        ///   - windows: The unfinished windows.
        ///   - rangeStart: The start of the covered range.
        public init(doneThrough: Timestamp, rangeEnd: Timestamp, windows: [TimeWindow<Position>], rangeStart: Timestamp? = nil) {
            self.doneThrough = doneThrough
            self.rangeEnd = rangeEnd
            self.windows = windows
            self.rangeStart = rangeStart
        }

        enum CodingKeys: String, CodingKey {
            case rangeStart = "range_start"
            case doneThrough = "done_through"
            case rangeEnd = "range_end"
            case windows
            case rereads
            case delivered
        }
    }

    /// One fetched page of a window.
    public struct Page: Sendable {
        /// The new records (already without re-sent ones).
        public var records: [Record]
        /// The position after this page, or nil when the window is finished.
        public var next: Position?
        /// How far into the window the page reached (for progress).
        public var reached: Timestamp?

        /// Creates a page.
        ///
        /// - Parameters:
        ///   - records: The records.
        ///   - next: The position after the page, nil when the window is done.
        ///   - reached: How far into the window the page reached.
        public init(records: [Record], next: Position?, reached: Timestamp?) {
            self.records = records
            self.next = next
            self.reached = reached
        }
    }

    /// The stream's name.
    public var stream: String
    /// Windows fetched at once.
    public var concurrency: Int
    /// Whether a window's next page is requested while its last page is being emitted (the
    /// default: the vendor and the sinks work at once). A preview turns it off, so a reader that
    /// stops after a page never asks the vendor for one more.
    public var fetchesAhead = true

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - concurrency: Windows fetched at once (at least 1).
    public init(stream: String, concurrency: Int) {
        self.stream = stream
        self.concurrency = min(max(1, concurrency), WindowPlanner.maximumConcurrency)
    }

    /// Reads every unfinished window of `state`, emitting a batch per page.
    ///
    /// With ``State/delivered`` set, records delivered before unchanged are left out of the
    /// batches, and those at or after `horizon` are remembered as delivered.
    ///
    /// - Parameters:
    ///   - state: Where to start.
    ///   - horizon: The oldest record time a later re-read can reach (nil: none can).
    ///   - encode: Turns a state into the checkpoint to emit.
    ///   - fetch: Fetches the page of a window at a position (nil: the window's start).
    ///   - emit: The runner's emit.
    /// - Returns: The state after the last batch.
    /// - Throws: What `fetch` or `emit` throws; in-flight fetches are cancelled.
    @discardableResult
    public func read(
        from state: State,
        rememberingFrom horizon: Timestamp? = nil,
        encode: @Sendable (State) throws -> Checkpoint,
        fetch: @escaping @Sendable (TimeWindow<Position>) async throws -> Page,
        emit: @Sendable (RecordBatch) async throws -> Void
    ) async throws -> State {
        var state = state
        var finished = Set<Int>()
        let total = max(1, Double(state.rangeEnd.microseconds - state.doneThrough.microseconds))
        let origin = state.doneThrough
        var reached: [Int: Timestamp] = [:]
        let windows = state.windows
        guard !windows.isEmpty else {
            if state.doneThrough != state.rangeEnd {
                state.doneThrough = state.rangeEnd
                try await emit(RecordBatch(stream: stream, records: [], checkpoint: try encode(state), progress: 1, pages: 0))
            }
            return state
        }
        let forever = Timestamp(microseconds: .max)
        return try await withThrowingTaskGroup(of: (Int, Page).self) { group in
            var nextToStart = 0
            func start(_ index: Int, _ window: TimeWindow<Position>) {
                group.addTask { (index, try await fetch(window)) }
            }
            while nextToStart < min(concurrency, windows.count) {
                start(nextToStart, windows[nextToStart])
                nextToStart += 1
            }
            var current = windows
            while let (index, page) = try await group.next() {
                if let time = page.reached { reached[index] = time }
                var following: (index: Int, window: TimeWindow<Position>)?
                if let next = page.next {
                    current[index].position = next
                    following = (index, current[index])
                } else {
                    finished.insert(index)
                    if nextToStart < windows.count {
                        following = (nextToStart, windows[nextToStart])
                        nextToStart += 1
                    }
                }
                if fetchesAhead, let following { start(following.index, following.window) }
                // The durable prefix: everything before the first unfinished window.
                let firstOpen = (0..<windows.count).first { !finished.contains($0) }
                state.windows = (0..<windows.count).filter { !finished.contains($0) }.map { current[$0] }
                state.doneThrough = firstOpen.map { windows[$0].start } ?? state.rangeEnd
                var covered = 0.0
                for (position, window) in windows.enumerated() {
                    let length = Double(window.end.microseconds - window.start.microseconds)
                    if finished.contains(position) {
                        covered += length
                    } else if let time = reached[position] {
                        covered += min(length, max(0, Double(time.microseconds - window.start.microseconds)))
                    }
                }
                let progress = min(1, (Double(windows[0].start.microseconds - origin.microseconds) + covered) / total)
                var records = page.records
                if state.delivered != nil { records = state.delivered!.admit(records, rememberingFrom: horizon ?? forever) }
                var batch = RecordBatch(stream: stream, records: records, checkpoint: try encode(state), progress: progress)
                batch.through =
                    firstOpen.map { open in reached[open].map { min($0, windows[open].end) } ?? windows[open].start } ?? state.rangeEnd
                try await emit(batch)
                if !fetchesAhead, let following { start(following.index, following.window) }
            }
            return state
        }
    }
}
