import ConnectorKit
import Foundation

/// The time parsers on arbitrary bytes: ISO-8601 (bytes and text), epoch numbers, durations and
/// cron expressions.
///
/// For any input nothing traps, and: an ISO-8601 time in 1970–9999 formats and parses back to
/// itself; a whole-second UTC time agrees with Foundation's `ISO8601DateFormatter`; an epoch
/// number gives a time in 1970–9999 or nil; a duration is nil or a non-negative number; a cron
/// expression parses or throws its `ParseError` in one line, and its next times move forward.
enum TimestampCheck {
    nonisolated(unsafe) static let foundation: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()

    static let instants = [Timestamp(epochSeconds: 0), Timestamp(epochSeconds: 1_796_000_000), Timestamp(epochSeconds: 253_402_000_000)]

    static func check(_ input: [UInt8]) throws {
        let parsed = input.withUnsafeBufferPointer { Timestamp.parseISO8601($0) }
        if let text = String(bytes: input, encoding: .utf8) {
            guard Timestamp(iso8601: text) == parsed else {
                throw FuzzFinding("timestamps", "bytes and text parse \(JSONValue.quoted(text)) differently")
            }
            try durationAndCron(text)
            if let number = Double(text) { try epoch(number) }
            if wholeSecondUTC(text), let date = foundation.date(from: text), foundation.string(from: date) == text {
                let expected = Timestamp(microseconds: Int64(date.timeIntervalSince1970) * 1_000_000)
                guard parsed == expected else {
                    throw FuzzFinding(
                        "timestamps", "\(JSONValue.quoted(text)) parses as \(String(describing: parsed)), Foundation reads \(expected)")
                }
            }
        }
        if let time = parsed, Timestamp.validRange.contains(time) {
            for digits in [0, 3, 6] {
                let text = time.iso8601(fractionDigits: digits)
                var truncated = time.microseconds
                for _ in digits..<6 { truncated /= 10 }
                for _ in digits..<6 { truncated *= 10 }
                guard Timestamp(iso8601: text)?.microseconds == truncated else {
                    throw FuzzFinding("timestamps", "\(time.microseconds) µs formats as \(text), which does not parse back")
                }
            }
        }
        if input.count >= 8 {
            let bits = input.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            try epoch(Double(bitPattern: bits))
        }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` exactly, from 1970: the one shape both parsers must read alike
    /// (Foundation's formatter also takes separators the vendors never send, rolls `06-31` over
    /// to `07-01`, and reads years before 1582 in the Julian calendar where ISO 8601 keeps the
    /// Gregorian one; a date it formats back differently is not compared).
    static func wholeSecondUTC(_ text: String) -> Bool {
        let shape = Array("dddd-dd-ddTdd:dd:ddZ".utf8)
        let bytes = Array(text.utf8)
        return bytes.count == shape.count && text >= "1970"
            && zip(bytes, shape).allSatisfy { byte, expected in
                expected == UInt8(ascii: "d") ? (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) : byte == expected
            }
    }

    static func epoch(_ number: Double) throws {
        _ = Timestamp(epochSecondsOrMilliseconds: number)
        if let time = Timestamp(checkedEpochSecondsOrMilliseconds: number), !Timestamp.validRange.contains(time) {
            throw FuzzFinding("timestamps", "epoch \(number) reads as \(time.microseconds) µs, outside 1970 to 9999")
        }
    }

    static func durationAndCron(_ text: String) throws {
        if let seconds = Duration.parseSeconds(.string(text)), seconds.isNaN || seconds < 0 {
            throw FuzzFinding("timestamps", "duration \(JSONValue.quoted(text)) reads as \(seconds) s")
        }
        let schedule: CronSchedule
        do {
            schedule = try CronSchedule(text)
        } catch let error as CronSchedule.ParseError {
            guard oneLine(error.description) else { throw FuzzFinding("timestamps", "cron error is not one line: \(error)") }
            return
        }
        for instant in instants {
            guard let next = schedule.next(after: instant) else { continue }
            guard next > instant, next.microseconds % 60_000_000 == 0 else {
                throw FuzzFinding("timestamps", "cron \(JSONValue.quoted(text)) after \(instant) gives \(next)")
            }
            if let after = schedule.next(after: next), after <= next {
                throw FuzzFinding("timestamps", "cron \(JSONValue.quoted(text)) after \(next) gives \(after)")
            }
        }
    }
}
