import Foundation
import Testing

@testable import ConnectorHTTP
@testable import ConnectorKit

@Suite("Records a vendor shows late: re-read passes and delivered digests")
struct LateArrivalTests {
    @Test("SipHash-2-4 matches the reference vectors")
    func sipHash() {
        // The paper's key 00 01 … 0f; messages 00 01 … (n-1) bytes long.
        let hasher = SipHash(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
        #expect(hasher.hash([UInt8]()) == 0x726f_db47_dd0e_0e31)
        #expect(hasher.hash(Array(0..<8) as [UInt8]) == 0x93f5_f579_9a93_2462)
        #expect(hasher.hash(Array(0..<15) as [UInt8]) == 0xa129_ca61_49be_45e5)
        #expect(hasher.hash(Array(0..<63) as [UInt8]) == 0x958a_324c_eb06_4572)
    }

    @Test("the schedule: passes at lookback/16, /4 and /1 older than lag, each reading at least an eighth of its age")
    func schedule() {
        let passes = RereadSchedule(lookback: .seconds(48 * 3600), lag: .seconds(900)).passes
        #expect(passes.map(\.age) == [10_800, 43_200, 172_800] as [Int64])
        #expect(passes.map(\.step) == [1350, 5400, 21_600] as [Int64])
        #expect(RereadSchedule(lookback: .seconds(172_800), lag: .seconds(14_400)).passes.map(\.age) == [43_200, 172_800] as [Int64])
        #expect(RereadSchedule(lookback: .zero, lag: .zero).passes.isEmpty)
        #expect(RereadSchedule(lookback: .seconds(3600), lag: .seconds(7200)).passes.isEmpty)
    }

    @Test("delivered digests: an unchanged record is held back, a changed one passes, old hours are forgotten, stored and read back")
    func delivered() throws {
        let time = Timestamp(iso8601: "2026-11-10T10:30:00Z")!
        func record(_ id: String, _ text: String, at: Timestamp = time) -> Record {
            Record(stream: "s", id: id, cursor: at, json: ArraySlice(Array(#"{"_id":"\#(id)","t":"\#(text)"}"#.utf8)))
        }
        var delivered = DeliveredRecords()
        #expect(delivered.admit([record("a", "1"), record("b", "1")], rememberingFrom: time).map(\.id) == ["a", "b"])
        #expect(delivered.admit([record("a", "1"), record("b", "2")], rememberingFrom: time).map(\.id) == ["b"])
        // Before the horizon: delivered, not remembered.
        let early = time.adding(seconds: -7200)
        #expect(delivered.admit([record("c", "1", at: early)], rememberingFrom: time).map(\.id) == ["c"])
        #expect(delivered.admit([record("c", "1", at: early)], rememberingFrom: time).map(\.id) == ["c"])
        #expect(delivered.count == 3)
        let stored = try Checkpoint(encoding: delivered)
        var decoded = try stored.decode(DeliveredRecords.self)
        #expect(decoded == delivered)
        #expect(decoded.admit([record("a", "1")], rememberingFrom: time).isEmpty)
        decoded.forget(before: time.adding(seconds: 3600))
        #expect(decoded.count == 0)
        #expect(decoded.admit([record("a", "1")], rememberingFrom: time).map(\.id) == ["a"])
    }

    /// A vendor whose records appear `shown` after their time, read one page per window.
    struct Vendor: Sendable {
        struct Item: Sendable {
            var id: String
            var time: Timestamp
            var shown: Timestamp
        }
        var items: [Item]
        var stream = StreamDescriptor(name: "messages", summary: "test", cursorField: "t")

        func page(_ window: TimeWindow<Int>, now: Timestamp) -> WindowedReader<Int>.Page {
            let records = items.filter { $0.time >= window.start && $0.time < window.end && $0.shown <= now }.map { item in
                Record(stream: "messages", id: item.id, cursor: item.time, json: ArraySlice(Array(#"{"_id":"\#(item.id)"}"#.utf8)))
            }
            return .init(records: records, next: nil, reached: window.end)
        }
    }

    /// What the runner would keep: the last checkpoint stored, and every record delivered.
    actor Runs {
        var checkpoint: Checkpoint?
        var delivered: [String] = []
        var fetches = 0

        func store(_ batch: RecordBatch) {
            delivered += batch.records.map(\.id)
            checkpoint = batch.checkpoint
        }

        func fetched() -> Int {
            fetches += 1
            return fetches
        }
    }

    @Test(
        "runs every 15 min for 5 days, 10 % of records shown up to 48 h late, a fetch in 20 failing: every record delivered exactly once",
        arguments: [1, 2, 3])
    func exactlyOnce(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let start = Timestamp(iso8601: "2026-11-01T00:00:00Z")!
        let span: Int64 = 3 * 86_400
        let items = (0..<3000).map { index -> Vendor.Item in
            let time = start.adding(seconds: Int64(random.next() % UInt64(span)))
            let late = random.unit() < 0.1 ? Int64(random.next() % (48 * 3600 + 1)) : 0
            return .init(id: "r\(index)", time: time, shown: time.adding(seconds: late))
        }
        let vendor = Vendor(items: items)
        let reading = WindowedReading<Int>(sourceType: "test")
        let range = WindowedReading<Int>.Range(
            start: start, end: nil, lag: .seconds(900), lookback: .seconds(48 * 3600), maxWindowSeconds: 86_400, concurrency: 3)
        let runs = Runs()
        let failEvery = 20
        var now = start.adding(seconds: 3600)
        let last = start.adding(seconds: span + 5 * 86_400)
        var failures = 0
        while now <= last {
            let request = ReadRequest(stream: vendor.stream, checkpoint: await runs.checkpoint, logger: .disabled, now: now)
            let clock = now
            do {
                try await reading.read(
                    request, range: range,
                    fetch: { window in
                        if await runs.fetched() % failEvery == 0 { throw CancellationError() }
                        return vendor.page(window, now: clock)
                    },
                    emit: { await runs.store($0) })
            } catch is CancellationError {
                failures += 1
            }
            now = now.adding(seconds: 900)
        }
        let delivered = await runs.delivered
        #expect(failures > 10)
        #expect(delivered.count == Set(delivered).count, "\(delivered.count - Set(delivered).count) delivered twice")
        #expect(Set(delivered) == Set(items.map(\.id)), "\(Set(items.map(\.id)).subtracting(delivered).count) lost")
        // The digests kept are only what a pass can still reach: two days and a bit, not the dataset.
        let state = try #require(try await runs.checkpoint?.decode(WindowedReader<Int>.State.self))
        #expect(state.rereads?.map(\.age) == [10_800, 43_200, 172_800] as [Int64])
        #expect((state.delivered?.count ?? 0) < 100)
    }

    @Test("an earlier start makes passes read the new stretch where it is younger than they are")
    func earlierStart() async throws {
        let start = Timestamp(iso8601: "2026-11-01T00:00:00Z")!
        let now = start.adding(seconds: 86_400)
        let reading = WindowedReading<Int>(sourceType: "test")
        let stream = StreamDescriptor(name: "messages", summary: "test", cursorField: "t")
        let runs = Runs()
        let page: @Sendable (TimeWindow<Int>) async throws -> WindowedReader<Int>.Page = { .init(records: [], next: nil, reached: $0.end) }
        var range = WindowedReading<Int>.Range(
            start: start, end: nil, lag: .seconds(900), lookback: .seconds(48 * 3600), maxWindowSeconds: 86_400, concurrency: 1)
        try await reading.read(
            ReadRequest(stream: stream, checkpoint: nil, logger: .disabled, now: now), range: range, fetch: page,
            emit: { await runs.store($0) })
        range.start = start.adding(seconds: -6 * 3600)
        try await reading.read(
            ReadRequest(stream: stream, checkpoint: await runs.checkpoint, logger: .disabled, now: now.adding(seconds: 900)), range: range,
            fetch: page, emit: { await runs.store($0) })
        let state = try #require(try await runs.checkpoint?.decode(WindowedReader<Int>.State.self))
        // The 48 h pass had settled nothing yet; it now starts at the new start.
        #expect(state.rereads?.last?.doneThrough == range.start)
    }
}

@Suite("Secret masking")
struct SecretMaskingTests {
    @Test("a secret is masked where it stands alone, never inside a longer word")
    func whole() {
        #expect(Secret.mask("host not found: api.acme.example", ["e"]) == "host not found: api.acme.example")
        #expect(Secret.mask("GET /x?token=abc12345&page=2", ["abc12345"]) == "GET /x?token=<redacted>&page=2")
        #expect(Secret.mask(#"{"error": "bad key 'abc12345'"}"#, ["abc12345"]) == #"{"error": "bad key '<redacted>'"}"#)
        #expect(Secret.mask("Bearer abc12345", ["abc12345"]) == "Bearer <redacted>")
        #expect(Secret.mask("xabc12345 abc12345y abc12345", ["abc12345"]) == "xabc12345 abc12345y <redacted>")
        #expect(Secret.mask("key=s3cr3t== next", ["s3cr3t=="]) == "key=<redacted> next")
        #expect(Secret.mask("aaaa", ["aa"]) == "aaaa")
    }
}
