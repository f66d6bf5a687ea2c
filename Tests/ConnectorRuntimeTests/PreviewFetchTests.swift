import ConnectorHTTP
import ConnectorKit
import Foundation
import Testing

@Suite("A preview asks for no page it will not show")
struct PreviewFetchTests {
    /// Counts fetches; the reader's emit stops the read after the first page, as the runner does
    /// once a preview has its records.
    final class Fetches: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        private var emitted = 0
        private var early = 0
        func fetched() {
            lock.withLock {
                count += 1
                if count > emitted + 1 { early += 1 }
            }
        }
        func emit() { lock.withLock { emitted += 1 } }
        var counts: (fetches: Int, early: Int) { lock.withLock { (count, early) } }
    }

    struct Stop: Error {}

    @Test("without fetching ahead, the page after the one that stops the read is never requested", arguments: [1, 3])
    func stopsWithoutAnotherRequest(pagesBeforeStop: Int) async throws {
        let start = try #require(Timestamp(iso8601: "2026-10-01T00:00:00Z"))
        let windows = [TimeWindow<Int>(start: start, end: start.adding(seconds: 86_400))]
        let state = WindowedReader<Int>.State(doneThrough: start, rangeEnd: start.adding(seconds: 86_400), windows: windows)
        let fetches = Fetches()
        var reader = WindowedReader<Int>(stream: "messages", concurrency: 1)
        reader.fetchesAhead = false
        await #expect(throws: Stop.self) {
            try await reader.read(
                from: state, encode: { try Checkpoint(encoding: $0) },
                fetch: { window in
                    fetches.fetched()
                    return .init(records: [], next: (window.position ?? 0) + 1, reached: nil)
                },
                emit: { _ in
                    // Give a page requested ahead every chance to go out before the stop.
                    for _ in 0..<200 { await Task.yield() }
                    fetches.emit()
                    if fetches.counts.fetches >= pagesBeforeStop { throw Stop() }
                })
        }
        #expect(fetches.counts.fetches == pagesBeforeStop)
        #expect(fetches.counts.early == 0)
    }
}
