import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import Testing

@Suite("Progress line")
struct ProgressLineTests {
    @Test("the live line is cut to the terminal's width so a redraw never leaves wrapped rows behind")
    func fitsTheTerminal() {
        let long = String(repeating: "messages: 1234 records | ", count: 8)
        let fitted = FileOutput.fit(long, columns: 80)
        #expect(fitted.count == 79)
        #expect(fitted.hasSuffix("…"))
        #expect(FileOutput.fit("short", columns: 80) == "short")
    }

    @Test("the line says when requests wait for a rate limit, which one and until when; the vendor's throttling comes first")
    func waitingForALimit() {
        let reporter = ProgressReporter(mode: .off, logger: .disabled)
        reporter.committed(stream: "messages", records: 100, pages: 1, fraction: nil)
        #expect(!reporter.line().contains("waiting"))
        let later = Timestamp.now.adding(seconds: 3600)
        reporter.waiting(for: "100 requests a minute", until: later)
        #expect(reporter.line().hasSuffix(" | waiting for the rate limit (100 requests a minute) until \(later.clockText)"))
        reporter.throttled(until: later)
        #expect(reporter.line().hasSuffix(" | throttled by the vendor; next request at \(later.clockText)"))
        // A wait that is over is not shown.
        let other = ProgressReporter(mode: .off, logger: .disabled)
        other.waiting(for: "100 requests a minute", until: Timestamp.now.adding(seconds: -1))
        #expect(!other.line().contains("waiting"))
    }
}

@Suite("Progress by records read")
struct ProgressThroughTests {
    /// Collects the batches a reader emits.
    actor Collected {
        var throughs: [Timestamp?] = []
        func add(_ batch: RecordBatch) { throughs.append(batch.through) }
    }

    @Test("a windowed read reports the record time it has read up to, never a share of time as if it were work")
    func throughNotPercentage() async throws {
        let start = try #require(Timestamp(iso8601: "2026-10-01T00:00:00Z"))
        let day: Int64 = 86_400
        let windows = (0..<3).map {
            TimeWindow<Int>(start: start.adding(seconds: Int64($0) * day), end: start.adding(seconds: Int64($0 + 1) * day))
        }
        let state = WindowedReader<Int>.State(doneThrough: start, rangeEnd: start.adding(seconds: 3 * day), windows: windows)
        let collected = Collected()
        // One window at a time: the first page reaches noon of day one, the second finishes it.
        try await WindowedReader<Int>(stream: "messages", concurrency: 1).read(
            from: state, encode: { try Checkpoint(encoding: $0) },
            fetch: { window in
                if window.position == nil, window.start == start {
                    return .init(records: [], next: 1, reached: start.adding(seconds: day / 2))
                }
                return .init(records: [], next: nil, reached: nil)
            },
            emit: { await collected.add($0) })
        let throughs = await collected.throughs
        #expect(throughs.first == start.adding(seconds: day / 2))
        #expect(throughs.dropFirst().first == start.adding(seconds: day))
        #expect(throughs.last == start.adding(seconds: 3 * day))

        let reporter = ProgressReporter(mode: .off, logger: .disabled)
        reporter.committed(stream: "messages", records: 6, pages: 1, fraction: 0.45, through: start.adding(seconds: day / 2))
        let line = reporter.line()
        #expect(line.contains("through 2026-10-01T12:00Z"), "\(line)")
        #expect(!line.contains("%"), "\(line)")
        reporter.committed(stream: "conversations", records: 6, pages: 1, fraction: 0.45)
        #expect(reporter.line().contains("45.0% of its time range"))
    }
}
