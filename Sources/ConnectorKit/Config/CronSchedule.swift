/// A standard five-field cron expression (`minute hour day-of-month month day-of-week`), read as
/// UTC, as `"schedule": {"cron": "*/15 * * * *"}` gives it.
///
/// Each field is `*` or a comma-separated list of values, ranges `a-b` and steps (`*/s`, `a-b/s`,
/// `a/s` from `a` to the field's end); months and days of the week may be names (`JAN`–`DEC`,
/// `SUN`–`SAT`, any case), and a day of the week is 0–7 (0 and 7 both Sunday). As in Vixie cron
/// (and cronie, and every `crontab(5)`): when both the day of the month and the day of the week
/// are restricted (neither field starts with `*`), a day matches when **either** does; otherwise
/// both must.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let expression: String
    private let minutes: Set<Int>
    private let hours: Set<Int>
    private let daysOfMonth: Set<Int>
    private let months: Set<Int>
    /// 0–6, Sunday 0.
    private let daysOfWeek: Set<Int>
    private let daysOfMonthRestricted: Bool
    private let daysOfWeekRestricted: Bool

    /// The expression as written.
    public var description: String { expression }

    /// Parses an expression.
    ///
    /// - Parameter expression: Five fields separated by spaces.
    /// - Throws: ``CronSchedule/ParseError`` naming the field and what is wrong.
    public init(_ expression: String) throws {
        self.expression = expression
        let fields = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(
                "expected 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        daysOfMonth = try Self.field(fields[2], "day of the month", 1...31)
        months = try Self.field(fields[3], "month", 1...12, names: Self.monthNames, firstName: 1)
        // 7 is Sunday too.
        daysOfWeek = Set(try Self.field(fields[4], "day of the week", 0...7, names: Self.dayNames, firstName: 0).map { $0 % 7 })
        daysOfMonthRestricted = !fields[2].hasPrefix("*")
        daysOfWeekRestricted = !fields[4].hasPrefix("*")
        guard next(after: Timestamp(epochSeconds: 0)) != nil else {
            throw ParseError("never fires: no month has such a day")
        }
    }

    /// Why an expression cannot be read, in words.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        /// What is wrong.
        public let description: String

        init(_ description: String) { self.description = description }
    }

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// The values of one field.
    private static func field(
        _ text: String, _ name: String, _ bounds: ClosedRange<Int>, names: [String] = [], firstName: Int = 0
    ) throws -> Set<Int> {
        func value(_ part: Substring) throws -> Int {
            if let number = Int(part), bounds.contains(number) { return number }
            if let index = names.firstIndex(of: part.uppercased()) { return index + firstName }
            let allowed = "\(bounds.lowerBound)–\(bounds.upperBound)" + (names.isEmpty ? "" : " or \(names.first!)–\(names.last!)")
            throw ParseError("\(name): \(JSONValue.quoted(String(part))) is not \(allowed)")
        }
        var values = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw ParseError("\(name): an empty item in \(JSONValue.quoted(String(text)))") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw ParseError("\(name): \(JSONValue.quoted(String(item))) has more than one /") }
            var step = 1
            if parts.count == 2 {
                guard let number = Int(parts[1]), number >= 1, number <= bounds.upperBound + 1 else {
                    throw ParseError(
                        "\(name): the step in \(JSONValue.quoted(String(item))) must be a whole number from 1 to \(bounds.upperBound + 1)")
                }
                step = number
            }
            let range: ClosedRange<Int>
            if parts[0] == "*" {
                range = bounds
            } else if let dash = parts[0].firstIndex(of: "-") {
                let low = try value(parts[0][..<dash])
                let high = try value(parts[0][parts[0].index(after: dash)...])
                guard low <= high else { throw ParseError("\(name): the range \(JSONValue.quoted(String(parts[0]))) goes backwards") }
                range = low...high
            } else {
                let single = try value(parts[0])
                // `a/s`: from a to the field's end, every s.
                range = parts.count == 2 ? single...bounds.upperBound : single...single
            }
            values.formUnion(stride(from: range.lowerBound, through: range.upperBound, by: step))
        }
        return values
    }

    /// Whether a day matches the day-of-month and day-of-week fields.
    private func matches(day: Int, weekday: Int) -> Bool {
        let byMonth = daysOfMonth.contains(day)
        let byWeek = daysOfWeek.contains(weekday)
        return daysOfMonthRestricted && daysOfWeekRestricted ? byMonth || byWeek : byMonth && byWeek
    }

    /// The first minute after `time` (strictly) the expression matches, in UTC.
    ///
    /// - Parameter time: The time after which to look.
    /// - Returns: The time, or nil when none falls within the next 28 years (a day that exists
    ///   only in a leap year recurs within 8; the calendar repeats every 400).
    public func next(after time: Timestamp) -> Timestamp? {
        let firstMinute = time.epochSeconds >= 0 ? time.epochSeconds / 60 + 1 : (time.epochSeconds - 59) / 60 + 1
        var day = firstMinute >= 0 ? firstMinute / 1440 : (firstMinute - 1439) / 1440
        var minuteOfDay = Int(firstMinute - day * 1440)
        let sortedHours = hours.sorted()
        let sortedMinutes = minutes.sorted()
        // Bounded: 28 years of days.
        for _ in 0..<(28 * 366) {
            let (_, month, dayOfMonth) = Timestamp.civil(days: day)
            // 1970-01-01 was a Thursday (4).
            let weekday = Int(((day % 7) + 7 + 4) % 7)
            if months.contains(month), matches(day: dayOfMonth, weekday: weekday) {
                for hour in sortedHours where hour >= minuteOfDay / 60 {
                    let from = hour == minuteOfDay / 60 ? minuteOfDay % 60 : 0
                    if let minute = sortedMinutes.first(where: { $0 >= from }) {
                        let result = Timestamp(epochSeconds: (day * 1440 + Int64(hour * 60 + minute)) * 60)
                        return Timestamp.validRange.contains(result) ? result : nil
                    }
                }
            }
            day += 1
            minuteOfDay = 0
        }
        return nil
    }
}
