import Foundation

/// An instant in UTC with microsecond precision: the runtime's cursor type.
///
/// Vendors send times in many shapes (zone-less ISO-8601, `+00:00` with microseconds, `Z`,
/// epoch seconds or milliseconds). ``Timestamp`` parses all of them without Foundation's
/// date formatters (slow on Linux) and formats one canonical, sortable ISO-8601 form.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    /// Creates a timestamp from microseconds since the Unix epoch.
    ///
    /// - Parameter microseconds: Microseconds since 1970-01-01T00:00:00Z.
    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// Creates a timestamp from whole seconds since the Unix epoch.
    ///
    /// - Parameter epochSeconds: Seconds since 1970-01-01T00:00:00Z.
    public init(epochSeconds: Int64) { self.microseconds = epochSeconds.saturatingMultiplied(by: 1_000_000) }

    /// The times a config may name (`start`, `end`, `--since`): 1970-01-01 to the end of 9999.
    /// Vendors' epoch times start at 1970, and every later computation on them stays in range.
    public static let validRange = Timestamp(epochSeconds: 0)...Timestamp(microseconds: 253_402_300_799_999_999)

    /// The current time.
    public static var now: Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000)
    }

    /// Whole seconds since the Unix epoch, rounded down.
    public var epochSeconds: Int64 {
        microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
    }

    /// This instant moved by `seconds`.
    ///
    /// - Parameter seconds: Seconds to add (negative to go back).
    /// - Returns: The moved timestamp.
    public func adding(seconds: Int64) -> Timestamp {
        // Saturating: no lag, lookback or retention, however large, can trap.
        Timestamp(microseconds: seconds.saturatingMultiplied(by: 1_000_000, adding: microseconds))
    }

    /// Orders timestamps by time.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// The canonical form, see ``iso8601(fractionDigits:)``.
    public var description: String { iso8601() }

    /// Formats as `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
    ///
    /// - Parameter fractionDigits: 0 for whole seconds (as vendor query parameters want), or 1...6.
    ///   With 6, every value has the same width, so the text sorts in time order.
    /// - Returns: The ISO-8601 text in UTC.
    public func iso8601(fractionDigits: Int = 0) -> String {
        let seconds = epochSeconds
        let micros = Int(microseconds - seconds * 1_000_000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Timestamp.civil(days: days)
        var text = Timestamp.pad(year, 4) + "-" + Timestamp.pad(month, 2) + "-" + Timestamp.pad(day, 2)
        text += "T" + Timestamp.pad(secondOfDay / 3600, 2) + ":" + Timestamp.pad(secondOfDay / 60 % 60, 2)
        text += ":" + Timestamp.pad(secondOfDay % 60, 2)
        if fractionDigits > 0 {
            let digits = min(fractionDigits, 6)
            var fraction = micros
            for _ in digits..<6 { fraction /= 10 }
            text += "." + Timestamp.pad(fraction, digits)
        }
        return text + "Z"
    }

    /// `HH:MM:SS UTC`, for messages about the next few hours.
    public var clockText: String {
        String(iso8601().dropFirst(11).prefix(8)) + " UTC"
    }

    /// `YYYYMMDDTHHMMSSZ`, for file names.
    public var compactStamp: String {
        iso8601().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's civil_from_days).
    static func civil(days: Int64) -> (year: Int, month: Int, day: Int) {
        let days = days + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), month, day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
