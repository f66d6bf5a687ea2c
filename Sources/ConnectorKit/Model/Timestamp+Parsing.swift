import Foundation

extension Timestamp {
    /// Parses ISO-8601 text: `2019-10-31T14:28:02`, `2019-10-31T14:28:02.865000+00:00`,
    /// `2024-07-01T00:00:00Z`, `2024-07-01 00:00:00Z`, or a bare date `2024-07-01`.
    ///
    /// Text without a zone is taken as UTC (Ada's conversation timestamps come that way).
    /// Fractions beyond microseconds are truncated.
    ///
    /// - Parameter text: The text.
    /// - Returns: The instant, or nil when the text is not such a timestamp.
    public init?(iso8601 text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Timestamp.parseISO8601($0) }) else { return nil }
        self = parsed
    }

    /// Parses ISO-8601 bytes; see ``init(iso8601:)``.
    ///
    /// - Parameter bytes: UTF-8 text.
    /// - Returns: The instant, or nil.
    public static func parseISO8601(_ bytes: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var i = 0
        let n = bytes.count
        func number(_ width: Int) -> Int? {
            guard i + width <= n else { return nil }
            var value = 0
            for k in 0..<width {
                let d = bytes[i + k] &- 0x30
                guard d < 10 else { return nil }
                value = value * 10 + Int(d)
            }
            i += width
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < n, bytes[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2),
            (1...12).contains(month), (1...Timestamp.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var seconds = Timestamp.daysFromCivil(year: year, month: month, day: day) * 86_400
        var micros: Int64 = 0
        if i == n { return Timestamp(microseconds: seconds * 1_000_000) }
        guard i < n, bytes[i] == UInt8(ascii: "T") || bytes[i] == UInt8(ascii: "t") || bytes[i] == 0x20 else {
            return nil
        }
        i += 1
        guard let hour = number(2), expect(0x3A), let minute = number(2), hour < 24, minute < 60 else { return nil }
        var second = 0
        if expect(0x3A) {
            guard let s = number(2), s < 61 else { return nil }
            second = min(s, 59)
            if i < n, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: ",") {
                i += 1
                var digits = 0
                while i < n, bytes[i] &- 0x30 < 10 {
                    if digits < 6 { micros = micros * 10 + Int64(bytes[i] &- 0x30) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in min(digits, 6)..<6 { micros *= 10 }
            }
        }
        seconds += Int64(hour * 3600 + minute * 60 + second)
        if i < n {
            switch bytes[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign: Int64 = bytes[i] == UInt8(ascii: "+") ? 1 : -1
                i += 1
                guard let offsetHours = number(2), offsetHours < 24 else { return nil }
                var offsetMinutes = 0
                if i < n {
                    _ = expect(0x3A)
                    guard let m = number(2), m < 60 else { return nil }
                    offsetMinutes = m
                }
                seconds -= sign * Int64(offsetHours * 3600 + offsetMinutes * 60)
            default:
                return nil
            }
        }
        guard i == n else { return nil }
        return Timestamp(microseconds: seconds * 1_000_000 + micros)
    }

    /// Interprets an epoch number, telling seconds from milliseconds by magnitude.
    ///
    /// Values of 10^11 and above are milliseconds (10^11 seconds is the year 5138); smaller are seconds.
    ///
    /// - Parameter value: Seconds or milliseconds since the Unix epoch.
    /// - Returns: The instant.
    public init(epochSecondsOrMilliseconds value: Double) {
        // Saturating: a vendor's absurd number (1e300) cannot trap; the scanner refuses it first.
        if abs(value) >= 1e11 {
            self.init(microseconds: Int64(saturating: (value * 1000).rounded()))
        } else {
            self.init(microseconds: Int64(saturating: (value * 1_000_000).rounded()))
        }
    }

    /// Interprets an epoch number like ``init(epochSecondsOrMilliseconds:)``, or nil when the
    /// instant falls outside ``validRange`` (1970 to 9999).
    ///
    /// - Parameter value: Seconds or milliseconds since the Unix epoch.
    public init?(checkedEpochSecondsOrMilliseconds value: Double) {
        guard value.isFinite else { return nil }
        let time = Timestamp(epochSecondsOrMilliseconds: value)
        guard Timestamp.validRange.contains(time) else { return nil }
        self = time
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
