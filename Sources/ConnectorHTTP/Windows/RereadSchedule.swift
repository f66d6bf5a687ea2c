public import ConnectorKit

/// When a windowed source reads a stretch of time again, to catch records the vendor shows late.
///
/// A vendor may show a record hours after its time (Ada: "at least two hours", older pages
/// 24–48 h). Reading each stretch once, `lag` behind now, would lose those; reading the whole
/// `lookback` again on every run would cost a request budget many times over. Instead each stretch
/// is read again a few times, each **pass** when the stretch is `age` old:
///
/// | pass | age | reads when the unread stretch reaches |
/// | --- | --- | --- |
/// | 1 | lookback / 16 (3 h of 48 h) | age / 8 (22.5 min) |
/// | 2 | lookback / 4 (12 h) | age / 8 (1.5 h) |
/// | 3 | lookback (48 h) | age / 8 (6 h) |
///
/// The last pass reads every stretch when it is at least `lookback` old, so a record the vendor
/// shows up to `lookback` after its time is never lost; the earlier ones deliver most late
/// records soon. A pass no older than `lag` is left out (the first read already waits that long),
/// and `lookback` 0 turns re-reading off. What each pass has read through is kept in the
/// checkpoint (``WindowedReader/State/rereads``); records already delivered unchanged are not
/// delivered again (``DeliveredRecords``).
public struct RereadSchedule: Sendable, Equatable {
    /// One pass: the age at which a stretch is read again, and the shortest stretch worth a read.
    public struct Pass: Sendable, Equatable {
        /// Seconds a stretch must be old before this pass reads it.
        public var age: Int64
        /// The shortest stretch this pass reads at once, in seconds.
        public var step: Int64

        /// Creates a pass.
        ///
        /// - Parameters:
        ///   - age: Seconds a stretch must be old.
        ///   - step: The shortest stretch read at once.
        public init(age: Int64, step: Int64) {
            self.age = age
            self.step = step
        }
    }

    /// The passes, youngest first.
    public var passes: [Pass]

    /// The schedule for a stream: passes at `lookback` / 16, / 4 and / 1, those older than `lag`.
    ///
    /// - Parameters:
    ///   - lookback: The latest, after its time, a record may appear and still be read.
    ///   - lag: How far behind now the first read stops.
    public init(lookback: Duration, lag: Duration) {
        let seconds = Int64(min(max(0, lookback.inSeconds), 10 * 365 * 86_400))
        let lag = lag.inSeconds
        let ages = [seconds / 16, seconds / 4, seconds].filter { $0 > 0 && Double($0) > lag }
        passes = Array(Set(ages)).sorted().map { Pass(age: $0, step: max(60, $0 / 8)) }
    }

    /// No passes: every stretch is read once.
    public static let none = RereadSchedule(passes: [])

    /// Creates a schedule of the given passes.
    ///
    /// - Parameter passes: The passes, youngest first.
    public init(passes: [Pass]) { self.passes = passes }

    /// The longest age, in seconds: records shown up to this late are never lost.
    public var lookback: Int64 { passes.last?.age ?? 0 }
}

extension WindowedReader.State {
    /// How far one re-read pass of ``RereadSchedule`` has read: every record before
    /// ``doneThrough`` was read when it was at least ``age`` seconds old.
    public struct Reread: Codable, Sendable, Equatable {
        /// The pass's age, in seconds.
        public var age: Int64
        /// Everything before it was read at least ``age`` after its time.
        public var doneThrough: Timestamp
        /// The end of the pass under way, when one was interrupted.
        public var rangeEnd: Timestamp?
        /// The unfinished windows of the pass under way.
        public var windows: [TimeWindow<Position>]

        /// Creates a pass's state.
        ///
        /// - Parameters:
        ///   - age: The pass's age.
        ///   - doneThrough: How far it has read.
        ///   - rangeEnd: The end of the read under way.
        ///   - windows: Its unfinished windows.
        public init(age: Int64, doneThrough: Timestamp, rangeEnd: Timestamp? = nil, windows: [TimeWindow<Position>] = []) {
            self.age = age
            self.doneThrough = doneThrough
            self.rangeEnd = rangeEnd
            self.windows = windows
        }

        enum CodingKeys: String, CodingKey {
            case age = "age_s"
            case doneThrough = "done_through"
            case rangeEnd = "range_end"
            case windows
        }
    }
}
