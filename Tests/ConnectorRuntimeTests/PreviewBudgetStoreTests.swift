import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import Testing

@testable import ConnectorRuntime

@Suite("A preview's budget count in a store it cannot write")
struct PreviewBudgetStoreTests {
    /// The job's store on a read-only file: reads work, every write fails as the file store's do.
    actor ReadOnlyStore: CheckpointStore {
        nonisolated let location = "job.checkpoint.json"
        private(set) var writes = 0
        let values: [String: JSONValue]
        init(values: [String: JSONValue]) { self.values = values }
        func load() async throws -> [String: StreamState] { [:] }
        func save(_ state: StreamState, for stream: String) async throws { try refuse() }
        func loadJobValues() async throws -> [String: JSONValue] { values }
        func saveJobValue(_ value: JSONValue?, for key: String) async throws { try refuse() }
        func reset(streams: Set<String>?) async throws { try refuse() }
        func close() async {}
        private func refuse() throws {
            writes += 1
            throw ChatExportError(.storageFailure, "cannot write job.checkpoint.json.tmp-1: Operation not permitted")
        }
    }

    @Test("the preview goes on, counting in memory from the stored count, with one warning and one failed write")
    func readOnly() async throws {
        let now = try #require(Timestamp(iso8601: "2026-12-05T12:00:00Z"))
        let base = ReadOnlyStore(values: ["requests:acme": .object([("day", .string("2026-12-05")), ("used", .integer(40))])])
        let handler = InMemoryLogHandler()
        let store = PreviewBudgetStore(base: base, logger: ExportLogger(level: .info, handler: handler))
        let budget = RequestBudget(limit: 42, instance: "acme")
        try await budget.spend(now: now, store: store)
        try await budget.spend(now: now, store: store)
        // The stored count is honoured: the budget is spent now, whatever the store could keep.
        await #expect(throws: ChatExportError.self) { try await budget.spend(now: now, store: store) }
        #expect(await budget.spent == 42)
        #expect(await base.writes == 1)
        let warnings = handler.events.filter { $0.level == .warning }
        #expect(warnings.count == 1)
        #expect(handler.text.contains("counted in memory for this preview only"))
        #expect(handler.text.contains("Operation not permitted"))
    }
}
