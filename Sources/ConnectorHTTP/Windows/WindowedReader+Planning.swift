public import ConnectorKit

extension WindowedReader.State {
    /// What one run reads: the configured range and the stored state.
    public struct Plan: Sendable {
        /// Where the range starts (already clamped to what the vendor keeps).
        public var start: Timestamp
        /// The configured end, or nil for now − `lag`.
        public var end: Timestamp?
        /// How far behind now data is complete; an `end` later than now − lag is pulled back
        /// to it.
        public var lag: Duration
        /// The current time.
        public var now: Timestamp

        /// Creates a plan.
        ///
        /// - Parameters:
        ///   - start: The range start.
        ///   - end: The configured end.
        ///   - lag: How far behind now data is complete.
        ///   - now: The current time.
        public init(start: Timestamp, end: Timestamp?, lag: Duration, now: Timestamp) {
            self.start = start
            self.end = end
            self.lag = lag
            self.now = now
        }
    }

    /// The state a run starts from: a fresh one over the configured range, or `stored`
    /// extended to cover what the configuration now asks for.
    ///
    /// - The end is never later than now − lag: data after it may not be complete yet, and a
    ///   stored position past it would make later runs skip what arrives meanwhile.
    /// - A start earlier than the range the state covers adds windows for the uncovered range.
    ///
    /// Records shown late are read again by the passes of ``RereadSchedule``, planned by
    /// ``WindowedReading``.
    ///
    /// - Parameters:
    ///   - stored: The stored state, or nil on a first run.
    ///   - plan: The configured range.
    ///   - stream: The stream, for messages.
    ///   - logger: Where the adjustments are reported.
    ///   - windows: Plans the windows of a range.
    /// - Returns: The state to read from.
    public static func resuming(
        _ stored: Self?,
        _ plan: Plan,
        stream: String,
        logger: ExportLogger,
        windows: (Timestamp, Timestamp) -> [TimeWindow<Position>]
    ) -> Self {
        planned(stored, plan, stream: stream, logger: logger, windows: windows).state
    }

    /// ``resuming(_:_:stream:logger:windows:)``, with the stretch this plan adds after what
    /// `stored` covered (the whole range on a first run): none of it has been read yet.
    static func planned(
        _ stored: Self?,
        _ plan: Plan,
        stream: String,
        logger: ExportLogger,
        windows: (Timestamp, Timestamp) -> [TimeWindow<Position>]
    ) -> (state: Self, added: (from: Timestamp, to: Timestamp)) {
        let readable = plan.now.adding(seconds: -Int64(saturating: plan.lag.inSeconds))
        var end = plan.end ?? readable
        if end > readable {
            logger.warning(
                "\(stream): end \(end.iso8601()) is later than now − lag (\(readable.iso8601())); reading to \(readable.iso8601()) so no position is stored past what the vendor can have"
            )
            end = readable
        }
        guard var state = stored else {
            let fresh = Self(
                doneThrough: plan.start, rangeEnd: max(plan.start, end), windows: windows(plan.start, end), rangeStart: plan.start)
            return (fresh, (plan.start, fresh.rangeEnd))
        }
        let covered = state.rangeStart ?? min(plan.start, state.doneThrough)
        state.rangeStart = covered
        if state.rangeEnd > readable {
            // A clock that ran ahead (or one now behind): nothing new until now − lag passes the
            // checkpoint; what the run that was ahead could not see is read by the late-data
            // passes, whose frontiers are put back to now − age (never the checkpoint, which
            // would send everything since again).
            logger.warning(
                "\(stream): the checkpoint reaches \(state.rangeEnd.iso8601()), beyond now − lag (\(readable.iso8601())): was the clock ahead? "
                    + "Nothing new is read until then; the late-data passes read that stretch again")
        }
        let added = state.rangeEnd
        if end > state.rangeEnd {
            state.windows += windows(state.rangeEnd, end)
            state.rangeEnd = end
        }
        if plan.start < covered {
            let earlier = windows(plan.start, min(covered, state.rangeEnd))
            logger.warning(
                "\(stream): start \(plan.start.iso8601()) is before the \(covered.iso8601()) this checkpoint covers; reading that range too"
            )
            state.windows = earlier + state.windows
            state.doneThrough = plan.start
            state.rangeStart = plan.start
        }
        return (state, (added, state.rangeEnd))
    }
}

extension WindowedReader.State {
    /// The state of a range read up to `position` and no further (`chat-export state set`): the
    /// next run reads from `position` on, and nothing before it, whatever the configured start.
    ///
    /// - Parameters:
    ///   - position: Every record before it counts as read.
    ///   - start: The configured start (so an earlier start is not read as newly uncovered).
    /// - Returns: The state.
    public static func readThrough(_ position: Timestamp, start: Timestamp) -> Self {
        Self(doneThrough: position, rangeEnd: position, windows: [], rangeStart: min(start, position))
    }
}
