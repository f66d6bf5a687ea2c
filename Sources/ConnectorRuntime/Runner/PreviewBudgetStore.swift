import ConnectorKit

/// Where a preview (`run --dry-run`, `discover`) counts its requests: the job's store, best
/// effort. A preview stores nothing of its own, so a store it cannot write (a read-only checkpoint,
/// a read-only mount) must not stop it: the first failed write is reported once as a warning,
/// and the preview goes on counting in memory only.
actor PreviewBudgetStore: CheckpointStore {
    private let base: any CheckpointStore
    private let logger: ExportLogger
    private var writable = true

    /// The job's store, as it is described in messages.
    nonisolated let location: String

    /// Wraps the job's opened store.
    ///
    /// - Parameters:
    ///   - base: The job's store.
    ///   - logger: Where a failed write is reported.
    init(base: any CheckpointStore, logger: ExportLogger) {
        self.base = base
        self.logger = logger
        self.location = base.location
    }

    /// No stream state: a preview never reads or moves one through this store.
    func load() async throws -> [String: StreamState] { [:] }

    /// Never called by a preview's runner, which keeps its states elsewhere; ignored.
    func save(_ state: StreamState, for stream: String) async throws {}

    /// The job's values (today's request count among them).
    func loadJobValues() async throws -> [String: JSONValue] { try await base.loadJobValues() }

    /// Stores the count in the job's store while it can; after a failure, nothing more.
    func saveJobValue(_ value: JSONValue?, for key: String) async throws {
        guard writable else { return }
        do {
            try await base.saveJobValue(value, for: key)
        } catch let error as ChatExportError {
            writable = false
            logger.warning("the daily request budget is counted in memory for this preview only: \(error.message)")
        }
    }

    /// Nothing to forget.
    func reset(streams: Set<String>?) async throws {}

    /// Closes the job's store.
    func close() async { await base.close() }
}
