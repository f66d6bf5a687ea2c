public import ConnectorKit
import ConnectorRuntime

/// The checks every connector must pass, for a connector's own tests (run against a scripted
/// transport or a sandbox-style server holding known records):
///
/// - **exact export**: one run delivers every record the vendor holds, once;
/// - **interruption at every batch, then resume**: a run stopped at its n-th commit (for every n),
///   then run again from its checkpoint, delivers every record exactly once across the batches
///   both runs committed, with records re-sent at a page or checkpoint boundary dropped;
/// - **rejected credentials**: a source built with a wrong credential fails with
///   ``ChatExportError/Code/credentialsRejected``.
public struct SourceConformance: Sendable {
    /// Builds a fresh source (each run gets its own).
    public var makeSource: @Sendable () throws -> any Source
    /// The ids the vendor holds, per stream.
    public var expected: [String: Set<String>]
    /// Builds a source with a wrong credential, if the check applies.
    public var makeSourceWithBadCredentials: (@Sendable () throws -> any Source)?
    /// The most interruption points tried (spread over the run's batches).
    public var maxInterruptions: Int

    /// Creates the suite.
    ///
    /// - Parameters:
    ///   - expected: The ids the vendor holds, per stream.
    ///   - maxInterruptions: The most interruption points tried.
    ///   - makeSource: Builds a fresh source.
    ///   - makeSourceWithBadCredentials: Builds a source with a wrong credential.
    public init(
        expected: [String: Set<String>], maxInterruptions: Int = 40, makeSource: @escaping @Sendable () throws -> any Source,
        makeSourceWithBadCredentials: (@Sendable () throws -> any Source)? = nil
    ) {
        self.expected = expected
        self.maxInterruptions = maxInterruptions
        self.makeSource = makeSource
        self.makeSourceWithBadCredentials = makeSourceWithBadCredentials
    }

    /// Runs every check.
    ///
    /// - Returns: One line per problem; empty when the connector conforms.
    public func problems() async -> [String] {
        var problems: [String] = []
        do {
            let sink = InMemorySink()
            let summary = try await JobRunner(
                source: try makeSource(), sinks: [sink], checkpoints: InMemoryCheckpointStore(), logger: .disabled
            )
            .run()
            problems += compare(sink.checkpointed, "exact export")
            let batches = summary.streams.values.reduce(0) { $0 + $1.batches }
            let step = max(1, batches / max(1, maxInterruptions))
            for failAt in stride(from: 1, through: batches, by: step) {
                let store = InMemoryCheckpointStore()
                let first = InMemorySink(failure: .commit(failAt))
                do {
                    _ = try await JobRunner(source: try makeSource(), sinks: [first], checkpoints: store, logger: .disabled).run()
                    problems.append("interrupted at commit \(failAt): the run did not stop")
                    continue
                } catch {}
                let second = InMemorySink()
                _ = try await JobRunner(source: try makeSource(), sinks: [second], checkpoints: store, logger: .disabled).run()
                problems += compare(first.checkpointed + second.checkpointed, "interrupted at commit \(failAt), then resumed")
            }
        } catch {
            problems.append("a run failed: \(error)")
        }
        if let makeSourceWithBadCredentials {
            do {
                _ = try await JobRunner(
                    source: try makeSourceWithBadCredentials(), sinks: [InMemorySink()], checkpoints: InMemoryCheckpointStore(),
                    logger: .disabled
                ).run()
                problems.append("rejected credentials: the run succeeded")
            } catch let error as ChatExportError where error.code == .credentialsRejected {
            } catch {
                problems.append("rejected credentials: failed with \(error), not a credentials-rejected error")
            }
        }
        return problems
    }

    private func compare(_ records: [Record], _ check: String) -> [String] {
        var problems: [String] = []
        let byStream = Dictionary(grouping: records, by: \.stream)
        for (stream, ids) in expected.sorted(by: { $0.key < $1.key }) {
            let got = byStream[stream]?.map(\.id) ?? []
            let unique = Set(got)
            if got.count != unique.count { problems.append("\(check): \(stream) delivered \(got.count - unique.count) records twice") }
            let missing = ids.subtracting(unique)
            let extra = unique.subtracting(ids)
            if !missing.isEmpty { problems.append("\(check): \(stream) is missing \(missing.count) of \(ids.count) records") }
            if !extra.isEmpty { problems.append("\(check): \(stream) delivered \(extra.count) records the vendor does not hold") }
        }
        return problems
    }
}

/// Runs `source` to its end into memory and returns every record delivered, per stream: the
/// quickest way to see what a connector reads.
///
/// - Parameters:
///   - source: The source.
///   - checkpoints: The store (pass one to run again from its checkpoint).
/// - Returns: The records per stream, in delivery order.
/// - Throws: What the run throws.
public func collect(_ source: any Source, checkpoints: InMemoryCheckpointStore = InMemoryCheckpointStore()) async throws -> [String:
    [Record]]
{
    let sink = InMemorySink()
    try await JobRunner(source: source, sinks: [sink], checkpoints: checkpoints, logger: .disabled).run()
    return Dictionary(grouping: sink.checkpointed, by: \.stream)
}
