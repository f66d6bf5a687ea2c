/// When `chat-export serve` runs a job: every so many seconds (the first run at once), or at the
/// minutes a cron expression matches, in UTC.
public enum JobSchedule: Sendable, Hashable, CustomStringConvertible {
    /// This long between the starts of two runs; the first run at once.
    case every(Duration)
    /// At each minute the expression matches (UTC); the first run at the first such minute.
    case cron(CronSchedule)

    /// `every 15 min`, `cron "*/15 * * * *" (UTC)`.
    public var description: String {
        switch self {
        case .every(let period): "every " + Self.describe(period.inSeconds)
        case .cron(let cron): "cron \"\(cron.expression)\" (UTC)"
        }
    }

    /// `15 min`, `2 h`, `90 s`.
    static func describe(_ seconds: Double) -> String {
        let whole = Int64(seconds.rounded())
        if Double(whole) != seconds || whole % 60 != 0 { return "\(whole) s" }
        if whole % 86_400 == 0 { return "\(whole / 86_400) d" }
        if whole % 3600 == 0 { return "\(whole / 3600) h" }
        return "\(whole / 60) min"
    }
}
