import ConnectorKit
import Foundation

/// Keeps the records of a sampling run in memory (`discover`); stores nothing.
final class SampleSink: Sink, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String: [Record]] = [:]

    let identity = "sample"
    var replay: SinkReplay { .atLeastOnce }

    /// The records per stream, in arrival order.
    var records: [String: [Record]] { lock.withLock { kept } }

    func open(_ stream: StreamDescriptor, restoring state: JSONValue?) async throws {}

    func write(_ batch: RecordBatch) async throws {
        lock.withLock { kept[batch.stream, default: []] += batch.records }
    }

    func commit(_ commit: SinkCommit) async throws -> JSONValue? { nil }

    func finish(succeeded: Bool) async throws {}
}
