import ConnectorKit
import Foundation
import FuzzChecks
import Testing

/// Generated vendor pages with every JSON edge case, scanned and read by Foundation's
/// `JSONSerialization`: the records, ids, parents and cursors must be the same.
@Suite("Differential: the scanner and Foundation's JSONSerialization find the same records, ids and cursors")
struct DifferentialTests {
    /// Change it to explore; a failure names the seed and the page.
    static let seed: UInt64 = 0x3131_2026
    static let pages = 1500

    /// Strings with escapes, control characters, surrogate pairs, raw multi-byte UTF-8 and nothing at all.
    static let strings = [
        #""a\"b\\c\/d""#, #""\b\f\n\r\t""#, #""\u0000\u001f\u007f""#, #""\u00e9\u4e2d""#, #""\ud83d\ude00 and \uD834\uDD1E""#,
        "\"é中😀👩‍👩‍👧\"", "\"\"", "\"" + String(repeating: "x", count: 3000) + "\"", #""\\u0041 is not an escape here""#,
        #""2026-12-04T10:00:00Z""#,
    ]
    /// Numbers at the edges: huge, tiny, negative zero, exponents, more digits than a Double holds.
    /// (Foundation refuses a number beyond a Double's range, such as `1e400`, which JSON allows and the
    /// scanner keeps as written: `JSONReaderTests` and the scanner fuzz target cover those.)
    static let numbers = [
        "0", "-0", "-0.0e-0", "1e300", "-1e300", "1e-400", "123456789012345678901234567890", "9223372036854775808", "2.5E+3",
        "0.1", "-17",
    ]
    /// ISO-8601 shapes and epoch values a cursor may have.
    static let isoCursors = [
        "2019-10-31T14:28:02", "2019-10-31T14:28:02.865000+00:00", "2024-07-01T00:00:00Z", "2024-07-01 00:00:00Z", "2024-07-01",
        "2026-12-04T10:00:00.1234567-05:30", "2026-02-30T00:00:00Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z", "not a time",
    ]
    static let epochCursors = [
        "1796360374", "1796360374000", "1796360374.5", "\"1796360374\"", "-1", "1e300", "0", "\"2024-07-01T00:00:00Z\"",
    ]

    struct Generator {
        var random: SplitMix64

        mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

        /// Whitespace JSON allows between tokens.
        mutating func space() -> String { chance(20) ? pick([" ", "\n", "\t", "\r\n  "]) : "" }

        /// Any JSON value, nested up to `depth` (deep chains of arrays now and then).
        mutating func value(_ depth: Int) -> String {
            switch random.next() % (depth > 0 ? 9 : 5) {
            case 0: return pick(DifferentialTests.strings)
            case 1: return pick(DifferentialTests.numbers)
            case 2: return pick(["true", "false", "null"])
            case 3: return "{}"
            case 4: return "[]"
            case 5: return "[" + (0..<Int(random.next() % 4)).map { _ in space() + value(depth - 1) + space() }.joined(separator: ",") + "]"
            case 6:
                let nesting = chance(10) ? Int(random.next() % 400) : 3
                return String(repeating: "[", count: nesting) + value(0) + String(repeating: "]", count: nesting)
            default:
                var members: [String] = []
                for index in 0..<Int(random.next() % 4) {
                    // Duplicate keys outside the fields that identify a record: both readers take one value.
                    let key = chance(15) ? "\"dup\"" : "\"k\(index)\""
                    members.append(key + space() + ":" + space() + value(depth - 1))
                }
                return "{" + members.joined(separator: ",") + "}"
            }
        }

        /// A record: id (string or number), cursor, parent and other members in a random order.
        mutating func record(_ layout: Int) -> String {
            var members: [String] = []
            let id =
                chance(80)
                ? pick(DifferentialTests.strings.filter { $0 != "\"\"" }) : pick(["7", "123456789012345678901234567890", "-0", "2.5E+3"])
            let cursor = layout == 0 ? "\"" + pick(DifferentialTests.isoCursors) + "\"" : pick(DifferentialTests.epochCursors)
            switch layout {
            case 0:
                members += [
                    "\"_id\":" + id, "\"date_created\":" + cursor, "\"conversation_id\":" + pick(DifferentialTests.strings + ["null"]),
                ]
            case 1:
                members += [
                    "\"_id\":" + id, "\"time\":" + cursor, "\"conversationId\":" + pick(DifferentialTests.strings + ["7", "null"]),
                ]
            default:
                members += [
                    "\"meta\":{\"x\":" + value(1) + ",\"id\":" + id + ",\"at\":" + cursor + "}",
                    "\"parent\":" + pick(DifferentialTests.strings),
                ]
            }
            for index in 0..<Int(random.next() % 5) { members.append("\"f\(index)\":" + space() + value(3)) }
            members.shuffle(using: &random)
            return "{" + space() + members.joined(separator: "," + space()) + space() + "}"
        }

        mutating func page(_ layout: Int) -> String {
            let key = pick(ScannerCheck.recordKeys)
            var members = [
                "\"\(key)\":[" + (0..<Int(random.next() % 6)).map { _ in space() + record(layout) + space() }.joined(separator: ",") + "]"
            ]
            if chance(50) {
                members.append("\"meta\":{\"next_page_uri\":" + pick(["null", "\"/api/v2/export/messages?page=2\\u0026x=\\/\""]) + "}")
            }
            if chance(30) { members.append("\"cursor\":" + value(2)) }
            members.shuffle(using: &random)
            return space() + "{" + members.joined(separator: ",") + "}" + space()
        }
    }

    @Test("on valid generated pages the scanner finds what Foundation finds, or refuses a record Foundation shows is unusable")
    func generatedPages() throws {
        var generator = Generator(random: SplitMix64(seed: Self.seed))
        // The scanner target's layouts: Ada's top-level ISO cursor, DeepConverse's epoch-or-ISO one, nested paths.
        let layouts = ScannerCheck.layouts
        var compared = 0
        var refusedRecords = 0
        for number in 0..<Self.pages {
            let layoutNumber = number % layouts.count
            let text = generator.page(layoutNumber)
            let bytes = Array(text.utf8)
            guard let reference = Differential.foundation(bytes) else {
                Issue.record("page \(number) is valid JSON, but Foundation refuses it: \(text.prefix(300))")
                continue
            }
            do {
                let page = try PageScanner.scan(bytes, stream: "s", recordKeys: ScannerCheck.recordKeys, layout: layouts[layoutNumber])
                try Differential.compare(page, reference, layout: layouts[layoutNumber], label: "seed \(Self.seed) page \(number)")
                compared += page.records.count
            } catch let error as PageScanner.RecordError {
                // Only a record without a usable cursor where one is required: Foundation's value must not read as a time either.
                refusedRecords += 1
                let records = try #require((reference.root["data"] ?? reference.root["items"]) as? [[String: Any]])
                let record = try #require(records.indices.contains(error.index) ? records[error.index] : nil)
                let cursor = Differential.value(record, layouts[layoutNumber].cursorPath ?? [])
                #expect(
                    Differential.cursor(cursor, layouts[layoutNumber].cursorFormat) == nil,
                    "page \(number): \(error), but Foundation's \(String(describing: cursor)) reads as a time")
            } catch let finding as FuzzFinding {
                Issue.record("\(finding)\n\(text.prefix(2000))")
            }
        }
        // The generator exercises both outcomes, over thousands of records.
        #expect(compared > 2000 && refusedRecords > 50, "\(compared) records compared, \(refusedRecords) pages with an unusable cursor")
    }

    @Test("a duplicated id, cursor or parent inside a record is refused as ambiguous, though Foundation silently keeps one")
    func duplicateIdentityKeys() throws {
        for text in [
            #"{"data":[{"_id":"1","date_created":"2026-01-01T00:00:00Z","_id":"2"}]}"#,
            #"{"data":[{"_id":"1","date_created":"2026-01-01T00:00:00Z","date_created":"2026-01-02T00:00:00Z"}]}"#,
            #"{"data":[{"_id":"1","date_created":"2026-01-01T00:00:00Z","conversation_id":"a","conversation_id":"b"}]}"#,
        ] {
            #expect(Differential.foundation(Array(text.utf8)) != nil, "Foundation reads \(text)")
            #expect(throws: InvalidResponse.self, "\(text)") {
                try PageScanner.scan(
                    Array(text.utf8), stream: "s", recordKeys: ["data"],
                    layout: RecordLayout(cursorField: "date_created", parentField: "conversation_id"))
            }
        }
    }
}
