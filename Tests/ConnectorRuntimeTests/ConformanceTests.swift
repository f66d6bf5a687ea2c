import ConnectorKit
import ConnectorTesting
import SyntheticConnector
import Testing

/// A source that loses the records whose id ends in 7, or sends every batch's last record again on resume.
struct FlawedSource: Source {
    enum Flaw: Sendable { case drops, repeatsOnResume }
    let base = SyntheticSource(streams: ["messages"], settings: .init(records: 200, pageSize: 20))
    let flaw: Flaw
    var streams: [StreamDescriptor] { base.streams }

    func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        let resumed = request.checkpoint != nil
        try await base.read(request) { batch in
            var batch = batch
            switch flaw {
            case .drops: batch.records.removeAll { $0.id.hasSuffix("7") }
            case .repeatsOnResume: if resumed, let last = batch.records.last { batch.records.append(last) }
            }
            try await emit(batch)
        }
    }
}

@Suite("Connector conformance suite")
struct ConformanceTests {
    let expected = ["messages": Set((0..<200).map { SyntheticSource.identifier(stream: "messages", index: $0, seed: 1) })]

    @Test("a correct source passes; one that drops records or repeats them on resume is reported")
    func catchesFlaws() async {
        let good = SourceConformance(expected: expected, maxInterruptions: 5) {
            SyntheticSource(streams: ["messages"], settings: .init(records: 200, pageSize: 20))
        }
        #expect(await good.problems().isEmpty)
        let dropping = await SourceConformance(expected: expected, maxInterruptions: 5) { FlawedSource(flaw: .drops) }.problems()
        #expect(dropping.contains { $0.hasPrefix("exact export: messages is missing") }, "\(dropping)")
        let repeating = await SourceConformance(expected: expected, maxInterruptions: 5) { FlawedSource(flaw: .repeatsOnResume) }.problems()
        #expect(repeating.contains { $0.contains("then resumed: messages delivered") && $0.contains("records twice") }, "\(repeating)")
        #expect(!repeating.contains { $0.hasPrefix("exact export") })
    }
}
