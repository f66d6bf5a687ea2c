import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import SyntheticConnector
import Testing

@Suite("Job runner")
struct JobRunnerTests {
    let settings = SyntheticSource.Settings(records: 1000, pageSize: 100)

    func allIDs(_ stream: String) -> [String] {
        (0..<settings.records).map { SyntheticSource.identifier(stream: stream, index: $0, seed: settings.seed) }
    }

    @Test("writes, commits every sink, then stores the checkpoint, then tells the sinks, batch by batch")
    func ordering() async throws {
        let sinks = [InMemorySink(identity: "a"), InMemorySink(identity: "b")]
        let store = InMemoryCheckpointStore()
        let runner = JobRunner(
            source: SyntheticSource(streams: ["messages"], settings: settings), sinks: sinks, checkpoints: store, logger: .disabled)
        let summary = try await runner.run()
        #expect(summary.streams["messages"]?.records == 1000)
        #expect(summary.streams["messages"]?.batches == 10)
        for sink in sinks {
            var expected: [InMemorySink.Event] = [.open("messages")]
            for sequence in 1...10 { expected += [.write("messages", 100), .commit("messages", sequence), .saved("messages", sequence)] }
            expected.append(.finish(succeeded: true))
            #expect(sink.events == expected)
            #expect(sink.written.map(\.id) == allIDs("messages"))
        }
        let history = await store.history
        #expect(history.map(\.state.sequence) == Array(1...10))
        #expect(history.last?.state.checkpoint.state["offset"] == .integer(1000))
        #expect(history.last?.state.sinkStates == ["a": .integer(10), "b": .integer(10)])
    }

    @Test("a sink failing mid-batch leaves the checkpoint at the last batch every sink committed", arguments: [1, 3, 10])
    func sinkFailure(failingWrite: Int) async throws {
        let good = InMemorySink(identity: "good")
        let bad = InMemorySink(identity: "bad", failure: .write(failingWrite))
        let store = InMemoryCheckpointStore()
        let runner = JobRunner(
            source: SyntheticSource(streams: ["messages"], settings: settings), sinks: [good, bad], checkpoints: store, logger: .disabled)
        let error = await #expect(throws: ChatExportError.self) { try await runner.run() }
        #expect(error?.code == .storageFailure)
        let stored = try await store.load()["messages"]
        #expect(stored?.sequence == (failingWrite == 1 ? nil : failingWrite - 1))
        #expect(stored?.checkpoint.state["offset"]?.intValue == (failingWrite == 1 ? nil : (failingWrite - 1) * 100))
        // No commit and no checkpoint after the failure; sinks are finished as failed.
        #expect(!good.events.contains(.commit("messages", failingWrite)))
        #expect(good.events.last == .finish(succeeded: false))
    }

    @Test("a failed commit or a failed checkpoint save never advances the checkpoint")
    func commitAndSaveFailures() async throws {
        let commitFailing = InMemorySink(failure: .commit(4))
        let store = InMemoryCheckpointStore()
        let source = SyntheticSource(streams: ["messages"], settings: settings)
        await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: source, sinks: [commitFailing], checkpoints: store, logger: .disabled).run()
        }
        #expect(try await store.load()["messages"]?.sequence == 3)

        let saveFailing = InMemoryCheckpointStore(failSave: 5)
        let sink = InMemorySink()
        await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: source, sinks: [sink], checkpoints: saveFailing, logger: .disabled).run()
        }
        #expect(try await saveFailing.load()["messages"]?.sequence == 4)
        #expect(!sink.events.contains(.saved("messages", 5)))
    }

    @Test("resuming after a failure loses nothing: committed records plus the re-run cover the stream exactly")
    func resume() async throws {
        let store = InMemoryCheckpointStore()
        let failing = SyntheticSource(
            streams: ["messages"], settings: SyntheticSource.Settings(records: 1000, pageSize: 100, failAfterPages: 4))
        let first = InMemorySink()
        let error = await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: failing, sinks: [first], checkpoints: store, logger: .disabled).run()
        }
        #expect(error?.code == .temporaryFailure)
        let second = InMemorySink()
        try await JobRunner(
            source: SyntheticSource(streams: ["messages"], settings: settings), sinks: [second], checkpoints: store, logger: .disabled
        ).run()
        #expect((first.written + second.written).map(\.id) == allIDs("messages"))
        #expect(try await store.load()["messages"]?.records == 1000)
    }

    @Test("streams run concurrently and each keeps its own order")
    func concurrentStreams() async throws {
        let sink = InMemorySink()
        let store = InMemoryCheckpointStore()
        let summary = try await JobRunner(source: SyntheticSource(settings: settings), sinks: [sink], checkpoints: store, logger: .disabled)
            .run()
        #expect(summary.totalRecords == 2000)
        for stream in ["conversations", "messages"] {
            #expect(sink.written.filter { $0.stream == stream }.map(\.id) == allIDs(stream))
        }
    }

    @Test("cancelling a run stops it at the last committed batch")
    func cancellation() async throws {
        let store = InMemoryCheckpointStore()
        let slow = SyntheticSource(
            streams: ["messages"], settings: SyntheticSource.Settings(records: 1000, pageSize: 10, pageDelay: .milliseconds(10)))
        let sink = InMemorySink()
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await JobRunner(source: slow, sinks: [sink], checkpoints: store, logger: .disabled).run() }
            // Cancel once a few batches are durable, whatever the machine's load.
            for _ in 0..<500 where await store.history.count < 3 { try? await Task.sleep(nanoseconds: 10_000_000) }
            group.cancelAll()
            let result = await Result { try await group.next() }
            #expect(throws: CancellationError.self) { try result.get() }
        }
        let stored = try await store.load()["messages"]
        let committed = try #require(stored?.records)
        #expect(committed > 0 && committed < 1000)
        #expect(sink.events.last == .finish(succeeded: false))
    }

    @Test("a sink failing to finish does not keep the others from finishing; the failure is reported")
    func finishFailure() async throws {
        let sinks = [InMemorySink(identity: "a", failure: .finish), InMemorySink(identity: "b")]
        let runner = JobRunner(
            source: SyntheticSource(streams: ["messages"], settings: settings), sinks: sinks, checkpoints: InMemoryCheckpointStore(),
            logger: .disabled)
        let error = await #expect(throws: ChatExportError.self) { try await runner.run() }
        #expect(error?.message == "injected finish failure")
        for sink in sinks { #expect(sink.events.last == .finish(succeeded: true)) }
    }

    @Test("a sink failing to open a stream: every sink is finished as failed and nothing is read")
    func openFailure() async throws {
        let sinks = [InMemorySink(identity: "a"), InMemorySink(identity: "b", failure: .open("messages"))]
        let store = InMemoryCheckpointStore()
        let runner = JobRunner(
            source: SyntheticSource(streams: ["messages"], settings: settings), sinks: sinks, checkpoints: store, logger: .disabled)
        await #expect(throws: ChatExportError.self) { try await runner.run() }
        #expect(sinks[0].events == [.open("messages"), .finish(succeeded: false)])
        #expect(sinks[1].events == [.open("messages"), .finish(succeeded: false)])
        #expect(await store.history.isEmpty)
    }

    @Test("a batch for another stream is refused")
    func wrongStream() async throws {
        struct Confused: Source {
            var streams: [StreamDescriptor] { [StreamDescriptor(name: "a", summary: "", cursorField: nil)] }
            func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
                try await emit(RecordBatch(stream: "b", records: [], checkpoint: Checkpoint(.null)))
            }
        }
        let store = InMemoryCheckpointStore()
        await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: Confused(), sinks: [InMemorySink()], checkpoints: store, logger: .disabled).run()
        }
        #expect(try await store.load().isEmpty)
    }
}

extension Result where Failure == any Error {
    init(_ body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
