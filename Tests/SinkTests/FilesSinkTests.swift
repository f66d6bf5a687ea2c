import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import FilesSink
import Foundation
import StdoutSink
import SyntheticConnector
import Testing

@Suite("Files sink")
struct FilesSinkTests {
    let directory = TemporaryDirectory()
    let settings = SyntheticSource.Settings(records: 600, pageSize: 50)

    var source: SyntheticSource { SyntheticSource(streams: ["messages"], settings: settings) }

    func expectedLines() -> [String] {
        (0..<settings.records).map { source.record(stream: "messages", index: $0) }
    }

    func publishedLines(_ dir: String) throws -> [String] {
        try FilesSink.publishedParts(directory: dir, stream: "messages").flatMap { path in
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(
                String.init)
        }
    }

    @Test("writes each record's bytes as one line and publishes parts no larger than the limit")
    func writesAndRotates() async throws {
        let dir = directory.path + "/out"
        let sink = FilesSink(settings: .init(directory: dir, maxFileBytes: 20_000))
        try await JobRunner(source: source, sinks: [sink], checkpoints: InMemoryCheckpointStore(), logger: .disabled).run()
        #expect(try publishedLines(dir) == expectedLines())
        let parts = FilesSink.publishedParts(directory: dir, stream: "messages")
        #expect(parts.count > 5)
        for part in parts {
            let size = try FileManager.default.attributesOfItem(atPath: part)[.size] as? Int ?? 0
            #expect(size <= 20_000)
        }
        let hidden = try FileManager.default.contentsOfDirectory(atPath: dir + "/messages").filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty)
    }

    @Test(
        "after a failure at any step and a re-run, every record is published exactly once",
        arguments: [("save", 1), ("save", 4), ("save", 9), ("write", 2), ("write", 7), ("commit", 5)]
    )
    func exactlyOnceAcrossFailures(step: String, at: Int) async throws {
        let dir = directory.path + "/out"
        let store = InMemoryCheckpointStore(failSave: step == "save" ? at : nil)
        let failure: InMemorySink.Failure? = step == "write" ? .write(at) : step == "commit" ? .commit(at) : nil
        // The failing sink comes after the files sink, so the files sink has already written
        // (and for "save", committed) the batch that is then lost.
        let first = FilesSink(settings: .init(directory: dir, maxFileBytes: 15_000))
        await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: source, sinks: [first, InMemorySink(failure: failure)], checkpoints: store, logger: .disabled).run()
        }
        // The same job: its states and its id.
        let resumedStore = InMemoryCheckpointStore(states: try await store.load(), values: try await store.loadJobValues())
        let second = FilesSink(settings: .init(directory: dir, maxFileBytes: 15_000))
        try await JobRunner(source: source, sinks: [second, InMemorySink()], checkpoints: resumedStore, logger: .disabled).run()
        #expect(try publishedLines(dir) == expectedLines())
    }

    @Test("a crash after the checkpoint is stored but before a part is renamed is finished on the next run")
    func pendingPublication() async throws {
        let dir = directory.path + "/out"
        let stream = source.streams[0]
        let sink = FilesSink(settings: .init(directory: dir, maxFileBytes: 10_000))
        try await sink.open(stream, restoring: nil)
        actor Progress {
            var state: JSONValue?
            var sequence = 0
            func next() -> Int? {
                guard sequence < 6 else { return nil }
                sequence += 1
                return sequence
            }
            func set(_ value: JSONValue?) { state = value }
        }
        let progress = Progress()
        try await source.read(ReadRequest(stream: stream, checkpoint: nil, logger: .disabled)) { batch in
            guard let sequence = await progress.next() else { return }
            try await sink.write(batch)
            // "Crash" before checkpointSaved: nothing is renamed.
            await progress.set(try await sink.commit(SinkCommit(stream: "messages", sequence: sequence, checkpoint: batch.checkpoint)))
        }
        let state = await progress.state
        #expect(FilesSink.publishedParts(directory: dir, stream: "messages").isEmpty)
        let restarted = FilesSink(settings: .init(directory: dir, maxFileBytes: 10_000))
        try await restarted.open(stream, restoring: state)
        try await restarted.finish(succeeded: true)
        #expect(try publishedLines(dir) == Array(expectedLines().prefix(300)))
    }

    @Test("in-progress parts that no checkpoint covers are removed on a fresh start")
    func strayInProgress() async throws {
        let dir = directory.path + "/out"
        try FileManager.default.createDirectory(atPath: dir + "/messages", withIntermediateDirectories: true)
        try Data("{\"_id\":\"stray\"}\n".utf8).write(to: URL(fileURLWithPath: dir + "/messages/.part-00000001.jsonl.inprogress"))
        let sink = FilesSink(settings: .init(directory: dir))
        try await JobRunner(source: source, sinks: [sink], checkpoints: InMemoryCheckpointStore(), logger: .disabled).run()
        #expect(try publishedLines(dir) == expectedLines())
    }

    @Test("a missing in-progress part that the checkpoint says holds data is a clear error")
    func missingCommittedData() async throws {
        let sink = FilesSink(settings: .init(directory: directory.path + "/out"))
        let state = JSONValue.object([("part", .integer(3)), ("length", .integer(500)), ("publish", .array([]))])
        let error = await #expect(throws: ChatExportError.self) { try await sink.open(source.streams[0], restoring: state) }
        #expect(error?.message.contains(".part-00000003.jsonl.inprogress is missing") == true)
    }

    @Test("a second successful run publishes new records into new parts and keeps the old ones")
    func incrementalRuns() async throws {
        let dir = directory.path + "/out"
        let store = InMemoryCheckpointStore()
        let small = SyntheticSource(streams: ["messages"], settings: SyntheticSource.Settings(records: 300, pageSize: 50))
        try await JobRunner(source: small, sinks: [FilesSink(settings: .init(directory: dir))], checkpoints: store, logger: .disabled).run()
        try await JobRunner(source: source, sinks: [FilesSink(settings: .init(directory: dir))], checkpoints: store, logger: .disabled)
            .run()
        #expect(FilesSink.publishedParts(directory: dir, stream: "messages").count == 2)
        #expect(try publishedLines(dir) == expectedLines())
    }
}

@Suite("Stdout sink")
struct StdoutSinkTests {
    @Test("writes one {stream, record} line per record with the raw bytes, one line even when the record spans lines")
    func format() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/out.jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        let sink = StdoutSink(fileDescriptor: fd)
        let page = Array("{\"data\":[{\"_id\":\"a\",\"t\":\"é 👋\"},{\n\"_id\": \"b\"\n}]}".utf8)
        let records = try PageScanner.scan(page, stream: "messages", recordKeys: ["data"], layout: RecordLayout(cursorField: nil)).records
        try await sink.write(RecordBatch(stream: "messages", records: records, checkpoint: Checkpoint(.null)))
        _ = try await sink.commit(SinkCommit(stream: "messages", sequence: 1, checkpoint: Checkpoint(.null)))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "{\"stream\":\"messages\",\"record\":{\"_id\":\"a\",\"t\":\"é 👋\"}}",
                "{\"stream\":\"messages\",\"record\":{ \"_id\": \"b\" }}",
            ])
        for line in lines {
            let value = try JSONValue.parse(line)
            #expect(value["record"]?["_id"] != nil)
        }
    }
}
