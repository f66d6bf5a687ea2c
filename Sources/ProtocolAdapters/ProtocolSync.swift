import BuiltInComponents
public import ConnectorKit
import ConnectorRuntime
import Foundation

/// One sync of a protocol executable: the job's ``JobSession`` (the same session and runner, rate limits,
/// budgets, retries and checkpoint semantics as `chat-export run`), writing into
/// ``ProtocolRecordSink`` with ``ProtocolCheckpointStore`` as its checkpoint store, under the same
/// signal handling: SIGINT or SIGTERM stop it at the last STATE emitted.
public struct ProtocolSync: Sendable {
    /// The loaded job (its only sink is the protocol sink).
    public var job: JobConfig
    /// The store that emits STATE.
    public var store: ProtocolCheckpointStore
    /// Streams to read incrementally from the stored state.
    public var incremental: Set<String>
    /// Streams to read again from the configured start (Singer `FULL_TABLE`, Airbyte `full_refresh`).
    public var fullRefresh: Set<String>
    /// Where to log.
    public var logger: ExportLogger

    /// Creates a sync.
    ///
    /// - Parameters:
    ///   - job: The loaded job.
    ///   - store: The checkpoint store.
    ///   - incremental: Streams read incrementally.
    ///   - fullRefresh: Streams read from the start.
    ///   - logger: Where to log.
    public init(job: JobConfig, store: ProtocolCheckpointStore, incremental: Set<String>, fullRefresh: Set<String>, logger: ExportLogger) {
        self.job = job
        self.store = store
        self.incremental = incremental
        self.fullRefresh = fullRefresh
        self.logger = logger
    }

    /// Runs the sync to its end.
    ///
    /// - Returns: 0, or 128 + the signal that stopped it.
    /// - Throws: The run's failure (``ChatExportError``, ``ConfigError``).
    public func run() async throws -> Int32 {
        var session = JobSession(job: job, checkpoints: .given(store), logger: logger)
        session.passes = [(fullRefresh, true), (incremental, false)].filter { !$0.0.isEmpty }.map {
            JobSession.Pass(streams: $0.0, fullRefresh: $0.1)
        }
        session.now = try RunClock.current()
        let work: @Sendable () async throws -> Int = { [session] in try await session.run().totalRecords }
        let started = MonotonicClock.seconds()
        let event = await SignalWatcher.run(work)
        switch event {
        case .signalled(let number):
            logger.warning("stopped by \(SignalWatcher.name(number)) at the last STATE emitted")
            return 128 + number
        case .finished(.success(let records)):
            let seconds = MonotonicClock.seconds() - started
            logger.info(
                "job finished: \(records) records in \(String(format: "%.2f", seconds)) s",
                ["event": "job_finished", "records": .int(records), "duration_s": .double((seconds * 1000).rounded() / 1000)])
            return 0
        case .finished(.failure(let error)):
            throw error
        }
    }
}
