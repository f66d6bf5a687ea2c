import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

@Suite("File checkpoint store", .serialized)
struct CheckpointStoreTests {
    let directory = TemporaryDirectory()

    @Test("saves atomically, human-readably, and reloads what it saved")
    func roundTrip() async throws {
        let path = directory.path + "/nested/job.checkpoint.json"
        let store = try FileCheckpointStore(path: path)
        let state = StreamState(
            checkpoint: Checkpoint(.object([("window", .integer(3)), ("cursor", .string("abc"))])),
            sinkStates: ["files:/x": .object([("part", .integer(2))])],
            sequence: 7,
            records: 700
        )
        try await store.save(state, for: "messages")
        await store.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\n  \"streams\": {"))
        #expect(try FileCheckpointStore.read(path: path)["messages"] == state)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/nested").filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test("a second open of the same job fails with checkpoint-locked until the first closes")
    func locking() async throws {
        let path = directory.path + "/job.checkpoint.json"
        let first = try FileCheckpointStore(path: path)
        let error = try #require(throws: ChatExportError.self) { try FileCheckpointStore(path: path) }
        #expect(error.code == .checkpointLocked)
        #expect(error.message.contains("pid \(getpid())"))
        await first.close()
        let second = try FileCheckpointStore(path: path)
        await second.close()
    }

    @Test("a leftover temp file from a crash does not affect the stored state")
    func crashLeftover() async throws {
        let path = directory.path + "/job.checkpoint.json"
        let store = try FileCheckpointStore(path: path)
        try await store.save(StreamState(checkpoint: Checkpoint(.integer(1)), sequence: 1), for: "s")
        await store.close()
        // A crash mid-write leaves a torn temp file; the real file is untouched.
        try Data("{\"format\": \"chat-ex".utf8).write(to: URL(fileURLWithPath: path + ".tmp-99999"))
        #expect(try FileCheckpointStore.read(path: path)["s"]?.sequence == 1)
    }

    @Test("a corrupt checkpoint is a storage failure naming the file")
    func corrupt() throws {
        let path = directory.path + "/job.checkpoint.json"
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: ChatExportError.self) { try FileCheckpointStore.read(path: path) }
        #expect(error.code == .storageFailure)
        #expect(error.message.contains(path))
    }

    @Test("reset forgets only the named streams")
    func reset() async throws {
        let path = directory.path + "/job.checkpoint.json"
        let store = try FileCheckpointStore(path: path)
        try await store.save(StreamState(checkpoint: Checkpoint(.integer(1))), for: "a")
        try await store.save(StreamState(checkpoint: Checkpoint(.integer(2))), for: "b")
        try await store.reset(streams: ["a"])
        await store.close()
        #expect(try FileCheckpointStore.read(path: path).keys.sorted() == ["b"])
    }

    @Test("a save that cannot be written leaves the previous state in place")
    func failedSave() async throws {
        let path = directory.path + "/job.checkpoint.json"
        let store = try FileCheckpointStore(path: path)
        try await store.save(StreamState(checkpoint: Checkpoint(.integer(1)), sequence: 1), for: "s")
        // A directory where the temp file must go makes the write fail (even for root).
        try FileManager.default.createDirectory(atPath: path + ".tmp-\(getpid())", withIntermediateDirectories: false)
        let error = await #expect(throws: ChatExportError.self) {
            try await store.save(StreamState(checkpoint: Checkpoint(.integer(2)), sequence: 2), for: "s")
        }
        #expect(error?.code == .storageFailure)
        #expect(try await store.load()["s"]?.sequence == 1)
        await store.close()
        #expect(try FileCheckpointStore.read(path: path)["s"]?.sequence == 1)
    }
}
