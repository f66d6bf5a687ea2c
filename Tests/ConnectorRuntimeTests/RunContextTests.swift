import ConnectorHTTP
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import SyntheticConnector
import Testing

@Suite("What a run hands its source: the context, and how far a checkpoint has read")
struct RunContextTests {
    /// A source that records the context of every read, then reads like the synthetic one.
    struct Probe: Source {
        final class Seen: @unchecked Sendable {
            private let lock = NSLock()
            private var contexts: [RunContext] = []
            func add(_ context: RunContext) { lock.withLock { contexts.append(context) } }
            var all: [RunContext] { lock.withLock { contexts } }
        }

        let base = SyntheticSource(streams: ["messages"], settings: SyntheticSource.Settings(records: 20, pageSize: 5))
        let seen = Seen()
        var streams: [StreamDescriptor] { base.streams }

        func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
            seen.add(request.context)
            try await base.read(request, emit: emit)
        }
    }

    @Test("the runner hands every read the job's store, the store the budget is counted in, the progress display and the mode")
    func runnerPassesContext() async throws {
        let probe = Probe()
        let store = InMemoryCheckpointStore()
        let progress = ProgressReporter(mode: .off, logger: .disabled)
        _ = try await JobRunner(source: probe, sinks: [InMemorySink()], checkpoints: store, logger: .disabled, progress: progress).run()
        let run = try #require(probe.seen.all.first)
        #expect(run.mode == .run)
        #expect(!run.singleAttempt)
        #expect((run.checkpoints as AnyObject?) === store)
        #expect((run.budget as AnyObject?) === store, "the job's store counts the budget unless told otherwise")
        #expect(run.progress === progress)

        let budget = InMemoryCheckpointStore()
        var preview = JobRunner(source: probe, sinks: [InMemorySink()], checkpoints: EphemeralCheckpointStore(), logger: .disabled)
        preview.budget = budget
        preview.recordLimit = 3
        _ = try await preview.run()
        let previewed = try #require(probe.seen.all.last)
        #expect(previewed.mode == .preview)
        #expect((previewed.budget as AnyObject?) === budget)
        #expect(previewed.progress == nil)
    }

    @Test("a client bound to a check's context tries each request once and does not suggest a re-run")
    func checkIsOneAttempt() async throws {
        let transport = ScriptedTransport { _ in ScriptedTransport.json(503, "{}") }
        var configuration = VendorHTTPClient.Configuration(baseURL: "https://vendor.example", credential: nil, requestsPerSecond: 100)!
        configuration.retry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1))
        let client = VendorHTTPClient(
            configuration: configuration, transport: transport, limiters: RateLimiterRegistry(), logger: .disabled)
        let checked = await #expect(throws: ChatExportError.self) {
            try await client.bound(to: CheckRequest(logger: .disabled).context).get("https://vendor.example/x") { $0.status }
        }
        #expect(transport.requests.count == 1)
        #expect(checked?.message.contains("Re-run") == false, "\(checked?.message ?? "")")
        let ran = await #expect(throws: ChatExportError.self) {
            try await client.get("https://vendor.example/x") { $0.status }
        }
        #expect(transport.requests.count == 5, "a run tries as configured")
        #expect(ran?.message.contains("Re-run to resume") == true, "\(ran?.message ?? "")")
    }

    @Test("a windowed checkpoint says how far it has read, tagged by its cursor or not; a source without a position says nothing")
    func progressOfCheckpoints() throws {
        let start = try #require(Timestamp(iso8601: "2026-01-01T00:00:00Z"))
        let through = try #require(Timestamp(iso8601: "2026-03-04T05:06:07Z"))
        let range = WindowedReading<PagePosition>.Range(start: start, end: nil, lag: .zero, maxWindowSeconds: 86_400, concurrency: 1)
        for reading in [
            WindowedReading<PagePosition>(sourceType: "x"), WindowedReading<PagePosition>(sourceType: "x", cursorTag: "created"),
        ] {
            let checkpoint = try reading.checkpoint(readThrough: through, range: range)
            #expect(reading.progress(of: checkpoint) == StreamProgress(completeThrough: through))
        }
        #expect(WindowedReading<PagePosition>(sourceType: "x").progress(of: Checkpoint(.null)) == nil)
        let synthetic = SyntheticSource(streams: ["messages"])
        let stream = try #require(synthetic.streams.first)
        #expect(synthetic.progress(of: Checkpoint(.object([("done_through", .string(through.iso8601()))])), for: stream) == nil)
        #expect(TransformedSource(base: synthetic, transforms: []).progress(of: Checkpoint(.null), for: stream) == nil)
    }
}
