import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

@Suite("Hostile input against the runtime's types: duplicate keys, names, header fields, numbers that overflow")
struct HostileInputTests {
    @Test("a key given twice in a config or definition is an error naming its path and both places, nested or not")
    func duplicateKeys() throws {
        let text = """
            {"source": {"type": "ada-v2",
              "base_url": "https://acme.ada.support", "base_url": "https://evil.example"},
             "sinks": [{"type": "files", "dir": "a", "dir": "b"}]}
            """
        let error = try #require(throws: JSONDuplicateKeysError.self) { try JSONValue.parseRejectingDuplicateKeys(Array(text.utf8)) }
        #expect(error.duplicates.map(\.path) == ["source.base_url", "sinks[0].dir"])
        #expect(
            error.duplicates.first?.message
                == "duplicate key: given at line 2, column 3 and again at line 2, column 43 (source.base_url at both); a key may appear once in an object, remove one"
        )
        #expect(error.issues(prefix: "acme.json:").first?.path == "acme.json:source.base_url")
        // Without duplicates it reads as the plain parser does; vendor pages keep using that one.
        let clean = #"{"a": [{"b": 1}, {"b": 2}], "c": {"b": 3}}"#
        #expect(try JSONValue.parseRejectingDuplicateKeys(Array(clean.utf8)) == (try JSONValue.parse(clean)))
    }

    @Test("stream names, table prefixes and schemas are identifiers: nothing that could leave a directory or need quoting")
    func names() {
        for good in ["conversations", "messages", "m", "chat_2024", String(repeating: "a", count: 32)] {
            #expect(NameRules.streamNameProblem(good) == nil, "\(good)")
        }
        for bad in ["../../escape", "a/b", "", ".hidden", "Messages", "2024", "_x", "a-b", "a b", "é", String(repeating: "a", count: 33)] {
            #expect(NameRules.streamNameProblem(bad) != nil, "\(bad)")
        }
        #expect(NameRules.tablePrefixProblem("") == nil)
        #expect(NameRules.tablePrefixProblem("ada_v2_") == nil)
        #expect(NameRules.tablePrefixProblem("x\"; DROP TABLE t; --") != nil)
        #expect(NameRules.tablePrefixProblem("Ada_") != nil)
        #expect(NameRules.identifierProblem("public") == nil)
        #expect(NameRules.identifierProblem("chat.export") != nil)
    }

    @Test("header names are RFC 9110 tokens; framing, hop-by-hop and runtime headers cannot carry a credential")
    func headerFields() {
        #expect(HTTPFieldRules.credentialHeaderProblem("x-api-key") == nil)
        #expect(HTTPFieldRules.credentialHeaderProblem("Authorization") == nil)
        for bad in ["X-Key\r\nX-Evil: 1", "X Key", "X-Key:", "", "Ünicode"] {
            #expect(HTTPFieldRules.credentialHeaderProblem(bad)?.contains("is not a header name") == true, "\(bad)")
        }
        for reserved in ["Host", "content-length", "Transfer-Encoding", "Connection", "Proxy-Authorization", "TE", "Upgrade", "Cookie"] {
            #expect(HTTPFieldRules.credentialHeaderProblem(reserved)?.contains("controls") == true, "\(reserved)")
        }
        #expect(HTTPFieldRules.problem(in: VendorHTTPRequest(url: "https://a.example/x?y=1")) == nil)
        #expect(HTTPFieldRules.problem(in: VendorHTTPRequest(url: "https://a.example/x\r\nX-Evil: 1")) != nil)
        #expect(HTTPFieldRules.problem(in: VendorHTTPRequest(url: "https://a.example/", headers: [("X-Key", "v\r\nX-Evil: 1")])) != nil)
        #expect(HTTPFieldRules.problem(in: VendorHTTPRequest(url: "https://a.example/", headers: [("X-Key\nX", "v")])) != nil)
    }

    @Test("windows over a range back to 1970 are planned without overflow; more than the maximum are refused, not allocated")
    func longRanges() {
        let start = Timestamp(iso8601: "1900-01-01")!
        let end = Timestamp(iso8601: "2026-01-01")!
        // 126 years in 7-day windows (DeepConverse's "start": "1900-01-01", before `validate`
        // refused it): the old `total × index` product overflowed Int64 and trapped here.
        let windows: [TimeWindow<PagePosition>] = WindowPlanner.plan(from: start, to: end, maxSeconds: 7 * 86_400, concurrency: 4)
        #expect(windows.count == 6575)
        #expect(windows.first?.start == start)
        #expect(windows.last?.end == end)
        #expect(zip(windows, windows.dropFirst()).allSatisfy { $0.end == $1.start && $0.end > $0.start })
        #expect(WindowPlanner.countProblem(seconds: 126 * 365 * 86_400, windowSeconds: 7 * 86_400) == nil)
        let tooMany = WindowPlanner.countProblem(seconds: 365 * 86_400, windowSeconds: 86.4)
        #expect(tooMany?.contains("makes 365000 windows, more than the 10000 a run plans") == true, "\(tooMany ?? "")")
        // However a caller asks, the planner's allocation stays bounded.
        let capped: [TimeWindow<PagePosition>] = WindowPlanner.plan(from: start, to: end, maxSeconds: 1, concurrency: 1)
        #expect(capped.count == WindowPlanner.maximumWindows)
    }

    @Test("time arithmetic saturates instead of trapping; an epoch number outside 1970 to 9999 is not a timestamp")
    func saturatingTime() {
        let now = Timestamp(iso8601: "2026-01-01")!
        #expect(now.adding(seconds: -Int64(saturating: 999_999_999 * 86_400.0)).microseconds == -Int64.saturationLimit)
        #expect(now.adding(seconds: .max).microseconds == Int64.saturationLimit)
        #expect(Timestamp(epochSeconds: .min).microseconds == -Int64.saturationLimit)
        #expect(Int64(saturating: .nan) == 0)
        #expect(Int64(saturating: 1e300) == Int64.saturationLimit)
        #expect(Int32(saturating: 25 * 86_400 * 1000.0) == Int32.max)
        #expect(Timestamp(epochSecondsOrMilliseconds: 1e300).microseconds == Int64.saturationLimit)
        #expect(Timestamp(checkedEpochSecondsOrMilliseconds: 1e300) == nil)
        #expect(Timestamp(checkedEpochSecondsOrMilliseconds: -5) == nil)
        #expect(Timestamp(checkedEpochSecondsOrMilliseconds: 1_767_225_600) == now)
        // The far end of the range still formats.
        #expect(Timestamp.validRange.upperBound.iso8601() == "9999-12-31T23:59:59Z")
        #expect(Timestamp(microseconds: Int64.saturationLimit).iso8601().hasSuffix("Z"))
    }

    @Test("a pacing interval of centuries (a rate of 1e-12/s) waits without trapping, and cancels")
    func hugeDeadlines() async throws {
        let clock = ManualClock()
        let scheduling = SchedulingClock(clock)
        let limiter = RateLimiter(limits: RateLimits(perEndpointPerSecond: 1e-12), clock: scheduling)
        _ = try await limiter.acquire(endpoint: "/x")
        let waiting = Task { try await limiter.acquire(endpoint: "/x") }
        await clock.waitForSleepers(1)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }

    @Test("a record whose id, cursor or parent is given twice is an invalid response naming it, never kept or dropped")
    func duplicateRecordFields() throws {
        let layout = RecordLayout(cursorField: "date_created", parentField: "conversation_id")
        let cases: [(String, String)] = [
            (#"{"_id":"a","date_created":"2026-01-01T00:00:00Z","date_created":"2027-01-01T00:00:00Z"}"#, #""date_created" twice"#),
            (#"{"_id":"a","_id":"b","date_created":"2026-01-01T00:00:00Z"}"#, #""_id" twice"#),
            (
                #"{"_id":"a","conversation_id":"c","date_created":"2026-01-01T00:00:00Z","conversation_id":"d"}"#,
                #""conversation_id" twice"#
            ),
        ]
        for (record, expected) in cases {
            let page = Array(#"{"data":[{"_id":"ok","date_created":"2026-01-01T00:00:00Z"},\#(record)]}"#.utf8)
            let error = try #require(throws: InvalidResponse.self) {
                try PageScanner.scan(page, stream: "s", recordKeys: ["data"], layout: layout)
            }
            #expect(error.reason.hasPrefix("record 1 (_id "), "\(error.reason)")
            #expect(error.reason.contains(expected + ": which value is meant is ambiguous"), "\(error.reason)")
        }
        // Nested: the object holding the id given twice.
        let nested = RecordLayout(idPath: ["meta", "id"], cursorPath: ["meta", "at"], cursorFormat: .epochOrISO8601)
        let twice = Array(#"{"data":[{"meta":{"id":"m1","at":1767225600},"meta":{"id":"m2","at":1767225601}}]}"#.utf8)
        let nestedError = try #require(throws: InvalidResponse.self) {
            try PageScanner.scan(twice, stream: "s", recordKeys: ["data"], layout: nested)
        }
        #expect(nestedError.reason.contains(#""meta.id" twice"#), "\(nestedError.reason)")
        // Other fields may repeat (the raw record is kept as sent); a page member may not.
        let other = Array(#"{"data":[{"_id":"a","date_created":"2026-01-01T00:00:00Z","text":"x","text":"y"}]}"#.utf8)
        #expect(try PageScanner.scan(other, stream: "s", recordKeys: ["data"], layout: layout).records.count == 1)
        let cursors = Array(#"{"data":[],"cursor":"a","cursor":"b"}"#.utf8)
        let member = try #require(throws: InvalidResponse.self) {
            try PageScanner.scan(cursors, stream: "s", recordKeys: ["data"], layout: layout)
        }
        #expect(member.reason == #"the page has "cursor" twice: which one is meant is ambiguous"#)
        let epoch = Array(#"{"data":[{"_id":"a","t":1e300}]}"#.utf8)
        let range = try #require(throws: PageScanner.RecordError.self) {
            try PageScanner.scan(
                epoch, stream: "s", recordKeys: ["data"], layout: RecordLayout(cursorField: "t", cursorFormat: .epochOrISO8601))
        }
        #expect(range.reason.contains("outside 1970 to 9999"), "\(range.reason)")
    }

    @Test("a next link that asks for the same bound after a short page is a paging error, not a tie of 10000 records")
    func shortPageSameLink() throws {
        let start = Timestamp(epochSeconds: 1_767_225_600)
        let window = TimeWindow<PagePosition>(start: start, end: start.adding(seconds: 3600))
        let paginator = LowerBoundPaginator(
            stream: "messages", sinceParameter: "created_since", linkPath: ["next"], pageSize: 10_000, largestPage: 10_000,
            logger: .disabled)
        let items = (0..<25).map { #"{"_id":"m\#($0)","at":\#(start.epochSeconds + Int64($0))}"# }.joined(separator: ",")
        let body = #"{"data":[\#(items)],"next":"https://x/p?created_since=\#(start.iso8601())&page_size=10000"}"#
        let page = try PageScanner.scan(
            Array(body.utf8), stream: "messages", recordKeys: ["data"],
            layout: RecordLayout(cursorField: "at", cursorFormat: .epochOrISO8601))
        let error = try #require(throws: InvalidResponse.self) {
            try paginator.advance(page, in: window, requested: "https://x/p?created_since=\(start.iso8601())&page_size=10000")
        }
        #expect(
            error.reason
                == "its next link asks for \(start.iso8601()) again after a page of 25 records (fewer than the 10000 asked for, so not a tie): paging would never advance"
        )
    }
}
