import ConnectorHTTP
import ConnectorKit
import Testing

@Suite("Paginators")
struct PaginatorTests {
    let start = Timestamp(epochSeconds: 1_767_225_600)
    var window: TimeWindow<PagePosition> { TimeWindow(start: start, end: start.adding(seconds: 3600)) }

    func page(_ records: [(String, Int64)], _ extra: String) throws -> PageScanner.Page {
        let items = records.map { #"{"_id": "\#($0.0)", "at": \#(start.epochSeconds + $0.1)}"# }.joined(separator: ",")
        let body = #"{"data": [\#(items)]\#(extra)}"#
        return try PageScanner.scan(
            Array(body.utf8), stream: "s", recordKeys: ["data"], layout: RecordLayout(cursorField: "at", cursorFormat: .epochOrISO8601))
    }

    @Test("a body cursor: followed until null; missing, repeated or given back is an InvalidResponse")
    func cursor() throws {
        let paginator = CursorPaginator()
        let first = try paginator.advance(try page([("a", 1)], #", "cursor": "c1""#), in: window, requested: "https://x/p")
        #expect(first.next == PagePosition(cursor: "c1"))
        var second = window
        second.position = first.next
        #expect(throws: InvalidResponse.self) {
            try paginator.advance(try page([("b", 2)], #", "cursor": "c1""#), in: second, requested: "u")
        }
        #expect(throws: InvalidResponse.self) { try paginator.advance(try page([("b", 2)], ""), in: second, requested: "u") }
        let last = try paginator.advance(try page([("b", 2)], #", "cursor": null"#), in: second, requested: "u")
        #expect(last.next == nil)
        #expect(last.reached == window.end)
    }

    @Test("a next link: resolved against the request, absent at the end; unreadable or repeated is an InvalidResponse")
    func nextLink() throws {
        let paginator = NextLinkPaginator(path: ["meta", "next"])
        let first = try paginator.advance(
            try page([("a", 1)], #", "meta": {"next": "?page=2"}"#), in: window, requested: "https://vendor.example/api/items?page=1")
        #expect(first.next == PagePosition(next: "https://vendor.example/api/items?page=2"))
        var second = window
        second.position = first.next
        #expect(throws: InvalidResponse.self) {
            try paginator.advance(
                try page([("b", 2)], #", "meta": {"next": "?page=2"}"#), in: second, requested: "https://vendor.example/api/items?page=2")
        }
        #expect(throws: InvalidResponse.self) { try paginator.advance(try page([], #", "meta": {"next": 7}"#), in: second, requested: "u") }
        #expect(try paginator.advance(try page([("b", 2)], #", "meta": {}"#), in: second, requested: "u").next == nil)
    }

    @Test("an advancing lower bound without links: a full page moves the bound to its last time and drops the records seen at it")
    func lowerBound() throws {
        let paginator = LowerBoundPaginator(
            stream: "s", sinceParameter: "since", linkPath: nil, pageSize: 3, largestPage: 6, logger: .disabled)
        let first = try paginator.advance(try page([("a", 1), ("b", 5), ("c", 5)], ""), in: window, requested: "https://x/p?page_size=3")
        #expect(first.records.map(\.id) == ["a", "b", "c"])
        #expect(first.next == PagePosition(since: start.adding(seconds: 5), seen: ["b", "c"]))
        var second = window
        second.position = first.next
        // The vendor sends b and c again at the inclusive bound: only d is new; a short page ends the window.
        let last = try paginator.advance(try page([("b", 5), ("c", 5), ("d", 9)], ""), in: second, requested: "https://x/p?page_size=4")
        #expect(last.records.map(\.id) == ["d"])
        #expect(last.next == nil)
        // A full page all at the bound: read again in one page of the largest size, then an error past it.
        let tie = try paginator.advance(try page([("b", 5), ("c", 5), ("e", 5)], ""), in: second, requested: "https://x/p?page_size=3")
        #expect(tie.next == PagePosition(since: start.adding(seconds: 5), seen: ["b", "c", "e"], pageSize: 6))
        #expect(throws: ChatExportError.self) {
            try paginator.advance(
                try page((0..<6).map { ("t\($0)", 5) }, ""), in: second, requested: "https://x/p?page_size=6")
        }
    }
}
