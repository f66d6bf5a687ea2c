public import ConnectorKit
import Foundation

/// A sink that keeps everything in memory, for tests: what was written, what was committed, and
/// the order of calls. It can be told to fail at a given call to test failure paths.
public final class InMemorySink: Sink, @unchecked Sendable {
    /// A call the runner made, in order.
    public enum Event: Sendable, Hashable {
        /// `open` for a stream.
        case open(String)
        /// `write` of a batch with this many records.
        case write(String, Int)
        /// `commit` of a stream at a sequence number.
        case commit(String, Int)
        /// `checkpointSaved` of a stream at a sequence number.
        case saved(String, Int)
        /// `finish`.
        case finish(succeeded: Bool)
    }

    /// When to fail.
    public enum Failure: Sendable {
        /// Throw from the n-th `write` call (1-based), after keeping half of its records.
        case write(Int)
        /// Throw from the n-th `commit` call (1-based).
        case commit(Int)
        /// Throw from `open` of this stream.
        case open(String)
        /// Throw from a successful run's `finish`.
        case finish
    }

    private let lock = NSLock()
    private var _written: [Record] = []
    private var _pending: [String: [Record]] = [:]
    private var _checkpointed: [Record] = []
    private var _committedCount: [String: Int] = [:]
    private var _events: [Event] = []
    private var writes = 0
    private var commits = 0
    private let failure: Failure?
    /// The sink's identity.
    public let identity: String
    /// Replays are kept, so tests can count duplicates.
    public var replay: SinkReplay { .atLeastOnce }

    /// Creates a sink.
    ///
    /// - Parameters:
    ///   - identity: The identity within a job.
    ///   - failure: When to fail, if ever.
    public init(identity: String = "memory", failure: Failure? = nil) {
        self.identity = identity
        self.failure = failure
    }

    /// Every record written, in order, including uncommitted ones.
    public var written: [Record] { lock.withLock { _written } }
    /// The records whose batch's checkpoint was stored, in order: what a run delivered for good.
    public var checkpointed: [Record] { lock.withLock { _checkpointed } }
    /// The calls made, in order.
    public var events: [Event] { lock.withLock { _events } }

    /// Records `open`.
    public func open(_ stream: StreamDescriptor, restoring state: JSONValue?) async throws {
        lock.withLock { _events.append(.open(stream.name)) }
        if case .open(stream.name) = failure { throw ChatExportError(.storageFailure, "injected open failure of \(stream.name)") }
    }

    /// Keeps the batch's records (or fails as configured).
    public func write(_ batch: RecordBatch) async throws {
        try lock.withLock {
            writes += 1
            _events.append(.write(batch.stream, batch.records.count))
            if case .write(let n) = failure, n == writes {
                _written += batch.records.prefix(batch.records.count / 2)
                _pending[batch.stream, default: []] += batch.records.prefix(batch.records.count / 2)
                throw ChatExportError(.storageFailure, "injected write failure at write \(n)")
            }
            _written += batch.records
            _pending[batch.stream, default: []] += batch.records
        }
    }

    /// Records the commit (or fails as configured).
    public func commit(_ commit: SinkCommit) async throws -> JSONValue? {
        try lock.withLock {
            commits += 1
            _events.append(.commit(commit.stream, commit.sequence))
            if case .commit(let n) = failure, n == commits {
                throw ChatExportError(.storageFailure, "injected commit failure at commit \(n)")
            }
            return .integer(commit.sequence)
        }
    }

    /// Records that the checkpoint was saved.
    public func checkpointSaved(_ commit: SinkCommit) async throws {
        lock.withLock {
            _events.append(.saved(commit.stream, commit.sequence))
            _checkpointed += _pending[commit.stream] ?? []
            _pending[commit.stream] = nil
        }
    }

    /// Records `finish`.
    public func finish(succeeded: Bool) async throws {
        lock.withLock { _events.append(.finish(succeeded: succeeded)) }
        if succeeded, case .finish = failure { throw ChatExportError(.storageFailure, "injected finish failure") }
    }
}
