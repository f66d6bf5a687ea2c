import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

@testable import FilesSink

@Suite("forget in the files sink: parts read back and written again without some records")
struct ForgetPartsTests {
    static let stream = StreamDescriptor(
        name: "messages", summary: "", cursorField: "date_created", cursorColumn: "created_at", parentField: "conversation_id")

    /// Twenty records of four conversations; conversation c1's records are to go.
    static let records: [Record] = (0..<20).map { index in
        let json =
            #"{"_id":"m\#(index)","conversation_id":"c\#(index % 4)","date_created":"2026-01-01T00:00:\#(10 + index)Z","text":"hé \"\#(index)\""}"#
        return Record(
            stream: "messages", id: "m\(index)", cursor: Timestamp(iso8601: "2026-01-01T00:00:\(10 + index)Z"), parentID: "c\(index % 4)",
            json: Array(json.utf8)[...])
    }
    static let request = ForgetRequest.Stream(descriptor: stream, endUsers: [], parents: ["c1"])

    static func kept() -> [String] { records.filter { $0.parentID != "c1" }.map(\.jsonText) }

    @Test("every layout: lines, gzip lines, Parquet, staged lines and Parquet frames keep every other record exactly")
    func layouts() throws {
        let directory = TemporaryDirectory()
        var lines: [UInt8] = []
        var frames: [UInt8] = []
        for record in Self.records {
            FileFormat.jsonl.stage(record, syncedAt: 42, to: &lines)
            FileFormat.parquet.stage(record, syncedAt: 42, to: &frames)
        }
        let plain = directory.path + "/part-00000001.jsonl"
        try Data(lines).write(to: URL(fileURLWithPath: plain))
        let gzip = directory.path + "/part-00000001.jsonl.gz"
        try Data(try GzipDeflater(level: 1).member(lines)).write(to: URL(fileURLWithPath: gzip))
        let staged = directory.path + "/.part-00000001.parquet.inprogress"
        try Data(frames).write(to: URL(fileURLWithPath: staged))
        // Small pages and row groups, so the reader goes through several of each.
        let parquet = directory.path + "/part-00000001.parquet"
        var bytes: [UInt8] = []
        let writer = try ParquetWriter(
            cursorColumn: "created_at", parentColumn: "conversation_id", level: 1, rowGroupBytes: 600, pageBytes: 200
        ) { bytes += $0 }
        for record in Self.records {
            try writer.append(
                ParquetWriter.Row(
                    id: Array(record.id.utf8)[...], cursor: record.cursor?.microseconds,
                    parent: record.parentID.map { Array($0.utf8)[...] },
                    data: record.json, syncedAt: 42))
        }
        try writer.finish()
        try Data(bytes).write(to: URL(fileURLWithPath: parquet))

        for (file, layout) in [(plain, PartRewriter.Layout.lines), (gzip, .gzipLines), (parquet, .parquet), (staged, .frames)] {
            let output = directory.path + "/out-" + (file as NSString).lastPathComponent
            let removed = try PartRewriter.rewrite(file, layout, to: output, rowGroupBytes: 300) { try Self.request.matches($0) }
            #expect(removed == 5, "\(layout)")
            var read: [String] = []
            var rows: [ParquetWriter.Row] = []
            try PartRewriter.forEach(in: output, layout) { item in
                read.append(String(decoding: item.json, as: UTF8.self))
                if case .row(let row) = item { rows.append(row) }
            }
            #expect(read == Self.kept(), "\(layout)")
            if layout == .parquet {
                // Several row groups, and every column kept: id, cursor, parent, synced_at.
                #expect(rows.map { String(decoding: $0.id, as: UTF8.self) } == Self.records.filter { $0.parentID != "c1" }.map(\.id))
                #expect(rows.map(\.cursor) == Self.records.filter { $0.parentID != "c1" }.map { $0.cursor?.microseconds })
                #expect(rows.allSatisfy { $0.syncedAt == 42 && $0.parent.map { String(decoding: $0, as: UTF8.self) } != "c1" })
            }
        }
        // Removing everything leaves a part that still reads, with nothing in it.
        let none = directory.path + "/none.parquet"
        #expect(try PartRewriter.rewrite(parquet, .parquet, to: none, rowGroupBytes: 300) { _ in true } == 20)
        var count = 0
        try PartRewriter.forEach(in: none, .parquet) { _ in count += 1 }
        #expect(count == 0)
    }

    @Test("a line a crash cut short is kept as it is; a file that is not Parquet is refused, naming it")
    func damaged() throws {
        let directory = TemporaryDirectory()
        let file = directory.path + "/part-00000001.jsonl"
        try Data((Self.records.map(\.jsonText).joined(separator: "\n") + "\n{\"_id\":\"m9").utf8).write(to: URL(fileURLWithPath: file))
        let output = directory.path + "/out.jsonl"
        let removed = try PartRewriter.rewrite(file, .lines, to: output, rowGroupBytes: 1 << 20) { (try? Self.request.matches($0)) == true }
        #expect(removed == 5)
        #expect(try String(contentsOfFile: output, encoding: .utf8).hasSuffix("\n{\"_id\":\"m9"))
        let bogus = directory.path + "/part-00000002.parquet"
        try Data("PAR1 not really PAR1".utf8).write(to: URL(fileURLWithPath: bogus))
        #expect(throws: ChatExportError.self) { try PartRewriter.forEach(in: bogus, .parquet) { _ in } }
    }

    @Test("a run killed before publishing: forget publishes what the checkpoint covers, then removes the records from it")
    func stagedParts() async throws {
        let directory = TemporaryDirectory()
        let dir = directory.path + "/out"
        let job = JobIdentity(id: "job-1", checkpoint: "test", source: "test")
        let sink = FilesSink(settings: .init(directory: dir, maxFileBytes: 1 << 20, format: .jsonlGzip))
        try await sink.claim(for: job)
        try await sink.open(Self.stream, restoring: nil)
        try await sink.write(RecordBatch(stream: "messages", records: Self.records, checkpoint: Checkpoint(.null)))
        let state = try await sink.commit(SinkCommit(stream: "messages", sequence: 1, checkpoint: Checkpoint(.null)))
        // Killed: nothing published.
        try await sink.finish(succeeded: false)
        #expect(FilesSink.publishedParts(directory: dir, stream: "messages").isEmpty)

        let again = FilesSink(settings: .init(directory: dir, maxFileBytes: 1 << 20, format: .jsonlGzip))
        var request = Self.request
        request.sinkState = state
        let removed = try await again.forget(ForgetRequest(job: job, streams: [request]))
        #expect(removed == ["messages": 5])
        let parts = FilesSink.publishedParts(directory: dir, stream: "messages")
        #expect(parts.count == 1)
        var read: [String] = []
        try PartRewriter.forEach(in: parts[0], .gzipLines) { read.append(String(decoding: $0.json, as: UTF8.self)) }
        #expect(read == Self.kept())
        try await again.finish(succeeded: false)
    }
}
