import ConnectorKit
import Testing

@Suite("Page scanner")
struct PageScannerTests {
    let layout = RecordLayout(cursorField: "date_created", parentField: "conversation_id")

    @Test("splits a page into byte-identical records and extracts id, cursor and parent", arguments: ["data", "items"])
    func splitsPage(key: String) throws {
        let first = #"{"_id":"m1","conversation_id":"c1","date_created":"2019-10-31T14:28:02.865000+00:00","nested":{"_id":"no"}}"#
        let second = "{ \"date_created\" : \"2019-10-31T14:28:03\", \"_id\" : \"m\\u0032\", \"text\": \"é 👋 \\\"q\\\"\" }"
        let page = Array("{\"\(key)\": [\(first),\n \(second)], \"meta\": {\"next_page_uri\": \"/next?x=1\"}}".utf8)
        let scanned = try PageScanner.scan(page, stream: "messages", recordKeys: ["data", "items"], layout: layout)
        #expect(scanned.recordsKey == key)
        #expect(scanned.records.map(\.id) == ["m1", "m2"])
        #expect(scanned.records.map(\.jsonText) == [first, second])
        #expect(scanned.records[0].parentID == "c1")
        #expect(scanned.records[1].parentID == nil)
        #expect(scanned.records[0].cursor == Timestamp(iso8601: "2019-10-31T14:28:02.865Z"))
        #expect(scanned.records[1].cursor == Timestamp(iso8601: "2019-10-31T14:28:03Z"))
        #expect(scanned.members["meta"]?["next_page_uri"] == .string("/next?x=1"))
    }

    @Test("extracts id, cursor and parent from nested objects, records byte-identical; a missing nested id names its path")
    func nestedFields() throws {
        let layout = RecordLayout(
            idPath: ["meta", "id"], cursorPath: ["meta", "times", "sent"], cursorFormat: .epochOrISO8601, parentPath: ["thread", "id"])
        let first = #"{"id":"not-this","meta":{"x":[1,{"id":"no"}],"id":"m1","times":{"sent":1696118400}},"thread":{"id":7}}"#
        let second = #"{"thread":{"id":"c2","meta":{"id":"no"}},"meta":{"times":{"sent":"2023-10-01T00:00:01Z"},"id":"m2"},"meta2":{}}"#
        let page = Array(#"{"data":[\#(first),\#(second)]}"#.utf8)
        let records = try PageScanner.scan(page, stream: "s", recordKeys: ["data"], layout: layout).records
        #expect(records.map(\.id) == ["m1", "m2"])
        #expect(records.map(\.parentID) == ["7", "c2"])
        #expect(records.map(\.cursor) == [Timestamp(epochSeconds: 1_696_118_400), Timestamp(epochSeconds: 1_696_118_401)])
        #expect(records.map(\.jsonText) == [first, second])
        let missing = Array(#"{"data":[{"meta":{"times":{"sent":1}},"id":"top"}]}"#.utf8)
        let error = #expect(throws: PageScanner.RecordError.self) {
            try PageScanner.scan(missing, stream: "s", recordKeys: ["data"], layout: layout)
        }
        #expect(error?.reason == #"has no usable "meta.id""#)
    }

    @Test("reads epoch seconds, epoch milliseconds and ISO text when asked to")
    func epochCursors() throws {
        let page = Array(
            #"{"data":[{"_id":"a","t":1696118400},{"_id":"b","t":1696118400123},{"_id":"c","t":"2023-10-01T00:00:00Z"},{"_id":"d","t":"1696118400"}]}"#
                .utf8)
        let layout = RecordLayout(cursorField: "t", cursorFormat: .epochOrISO8601)
        let records = try PageScanner.scan(page, stream: "s", recordKeys: ["data"], layout: layout).records
        let base = Timestamp(epochSeconds: 1_696_118_400)
        #expect(records.map(\.cursor) == [base, Timestamp(microseconds: base.microseconds + 123_000), base, base])
    }

    @Test("an unreadable cursor is reported with the record's index and id, not skipped")
    func badCursor() throws {
        let page = Array(#"{"data":[{"_id":"a","date_created":"2020-01-01T00:00:00Z"},{"_id":"b","date_created":"yesterday"}]}"#.utf8)
        let error = try #require(throws: PageScanner.RecordError.self) {
            try PageScanner.scan(page, stream: "s", recordKeys: ["data"], layout: layout)
        }
        #expect(error.index == 1)
        #expect(error.id == "b")
        #expect(error.description.contains("\"yesterday\""))
    }

    @Test(
        "an ISO-8601 cursor outside 1970 to 9999 is refused like an epoch one, with or without escapes (found by the scanner fuzz target)",
        arguments: [
            #""1013-12-04 10:00:00Z""#, #""1969-12-31T23:59:59Z""#, #""0000-01-01""#, #""9999-12-31T23:59:59-01:00""#,
            #""1969\u002d12-31""#,
        ])
    func isoCursorOutsideRange(_ cursor: String) throws {
        let page = Array(#"{"data":[{"_id":"a","date_created":"1970-01-01T00:00:00Z"},{"_id":"b","date_created":\#(cursor)}]}"#.utf8)
        let error = try #require(throws: PageScanner.RecordError.self) {
            try PageScanner.scan(page, stream: "s", recordKeys: ["data"], layout: layout)
        }
        #expect(error.index == 1)
        #expect(error.description.contains("outside 1970 to 9999"), "\(error)")
        // Where a cursor is optional, the record is kept without one.
        let optional = RecordLayout(cursorField: "date_created", cursorFormat: .epochOrISO8601, cursorRequired: false)
        let records = try PageScanner.scan(page, stream: "s", recordKeys: ["data"], layout: optional).records
        #expect(records.map(\.cursor) == [Timestamp(epochSeconds: 0), nil])
    }

    @Test("a record without an id is an error")
    func missingID() throws {
        let page = Array(#"{"data":[{"date_created":"2020-01-01T00:00:00Z"}]}"#.utf8)
        #expect(throws: PageScanner.RecordError.self) { try PageScanner.scan(page, stream: "s", recordKeys: ["data"], layout: layout) }
    }

    @Test("a truncated page is invalid JSON")
    func truncated() throws {
        let page = Array(#"{"data":[{"_id":"a","date_created":"2020-01-01T00:00:00Z"},{"_id":"b","#.utf8)
        #expect(throws: JSONSyntaxError.self) { try PageScanner.scan(page, stream: "s", recordKeys: ["data"], layout: layout) }
    }

    @Test("a page without a record array has no records and keeps its other members")
    func noRecords() throws {
        let page = Array(#"{"errors":[{"type":"x","message":"bad"}]}"#.utf8)
        let scanned = try PageScanner.scan(page, stream: "s", recordKeys: ["data", "items"], layout: layout)
        #expect(scanned.recordsKey == nil)
        #expect(scanned.records.isEmpty)
        #expect(scanned.members["errors"] != nil)
    }
}

@Suite("Timestamps")
struct TimestampTests {
    @Test(
        "parses vendor formats",
        arguments: [
            ("2019-10-31T14:28:02", "2019-10-31T14:28:02.000000Z"),
            ("2019-10-31T14:28:02.865000+00:00", "2019-10-31T14:28:02.865000Z"),
            ("2019-10-31T14:28:02.8650001Z", "2019-10-31T14:28:02.865000Z"),
            ("2024-07-01T00:00:00Z", "2024-07-01T00:00:00.000000Z"),
            ("2024-07-01 02:00:00+02:00", "2024-07-01T00:00:00.000000Z"),
            ("2024-07-01T00:00:00-0130", "2024-07-01T01:30:00.000000Z"),
            ("2024-02-29", "2024-02-29T00:00:00.000000Z"),
            ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500000Z"),
        ]
    )
    func parses(_ text: String, _ canonical: String) throws {
        let parsed = try #require(Timestamp(iso8601: text))
        #expect(parsed.iso8601(fractionDigits: 6) == canonical)
        #expect(Timestamp(iso8601: canonical) == parsed)
    }

    @Test(
        "rejects malformed text",
        arguments: [
            "", "2024", "2024-13-01", "2023-02-29", "2024-01-01T25:00:00Z", "2024-01-01T00:00:00+", "yesterday", "2024-01-01T00:00:00Zjunk",
        ])
    func rejects(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test("formats whole seconds for query parameters and round-trips through epoch seconds")
    func formats() {
        let time = Timestamp(epochSeconds: 1_696_118_400)
        #expect(time.iso8601() == "2023-10-01T00:00:00Z")
        #expect(time.epochSeconds == 1_696_118_400)
        #expect(Timestamp(epochSecondsOrMilliseconds: 1_696_118_400_000) == time)
    }
}

@Suite("Environment substitution")
struct EnvironmentSubstitutionTests {
    @Test("replaces variables anywhere in strings and reports unset ones by path")
    func substitutes() throws {
        let config = try JSONValue.parse(#"{"a": "${TOKEN}", "b": ["x-${HOST}-y", "$${LITERAL}", "$5"], "c": "${MISSING}"}"#)
        var issues: [ConfigIssue] = []
        let result = EnvironmentSubstitution.apply(to: config, environment: ["TOKEN": "t0k", "HOST": "h"], issues: &issues)
        #expect(result["a"] == .string("t0k"))
        #expect(result["b"] == .array([.string("x-h-y"), .string("${LITERAL}"), .string("$5")]))
        #expect(issues == [ConfigIssue(path: "c", "environment variable MISSING is not set")])
    }

    @Test("reports an unterminated reference and an invalid name")
    func malformed() throws {
        var issues: [ConfigIssue] = []
        _ = EnvironmentSubstitution.apply(
            to: .array([.string("${OPEN"), .string("${BAD-NAME}")]), environment: [:], path: "sinks", issues: &issues)
        #expect(issues.map(\.path) == ["sinks[0]", "sinks[1]"])
    }
}

@Suite("Option validation")
struct OptionValidationTests {
    @Test("suggests the closest known key or value")
    func suggestions() {
        #expect(Suggestion.closest(to: "page_sise", in: ["page_size", "start"]) == "page_size")
        #expect(Suggestion.closest(to: "sinsk", in: ["source", "sinks", "checkpoint"]) == "sinks")
        #expect(Suggestion.closest(to: "completely-different", in: ["dir"]) == nil)
    }

    @Test(
        "parses durations",
        arguments: [
            ("90s", 90.0), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("7d", 604_800), ("1.5h", 5400), ("250ms", 0.25), ("1m30s", 90),
        ])
    func durations(_ text: String, _ seconds: Double) {
        #expect(Duration.parseSeconds(.string(text)) == seconds)
    }

    @Test("rejects malformed durations", arguments: ["", "2", "h", "2x", "-1h", "5 s", "1hh"])
    func badDurations(_ text: String) {
        #expect(Duration.parseSeconds(.string(text)) == nil)
    }
}
