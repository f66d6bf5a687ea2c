import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// A checkpoint as the Swift `DeepConverseSource` (before the connector became its definition)
/// wrote it, kept literally in `Fixtures/`: a file checkpoint store's JSON after a run of
/// `type: "deepconverse"` (per_page 20, windows of 5 days, two at a time) over the sandbox below
/// failed at its third batch, the instance's port replaced by `{{ORIGIN}}`. The messages
/// checkpoint holds the vendor's cursor inside its first window (20 records read).
enum OldDeepConverseCheckpoint {
    static let literal = String(decoding: PackageResources.old_deepconverse_checkpoint_json, as: UTF8.self)

    /// The sandbox it was written against (its cursors, issued then, stay valid).
    static var sandbox: SandboxSettings {
        settings {
            $0.conversations = 40
            $0.days = 20
            $0.seed = 7
            $0.end = Timestamp(microseconds: 1_794_268_800_000_000)  // 2026-11-10T00:00:00Z
            $0.now = $0.end
            $0.cursorTTL = 100 * 365 * 86_400
        }
    }
}

@Suite("A checkpoint the Swift DeepConverse connector wrote")
struct OldDeepConverseCheckpointTests {
    @Test("a job carries on from it, from the stored cursor: exactly what it had not read, nothing twice")
    func carriesOn() async throws {
        let sandbox = try VendorSandbox(settings: OldDeepConverseCheckpoint.sandbox)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let path = directory.path + "/job.checkpoint.json"
        let origin = String(sandbox.baseURL.dropFirst("http://".count))
        try OldDeepConverseCheckpoint.literal.replacingOccurrences(of: "{{ORIGIN}}", with: origin)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let store = try FileCheckpointStore(path: path)
        let source = try deepConverse(sandbox) {
            $0.perPage = 20
            $0.windowSeconds = 5 * 86_400
            $0.maxConcurrentWindows = 2
        }
        let sink = InMemorySink()
        try await JobRunner(source: source, sinks: [sink], checkpoints: store, logger: .disabled).run()
        await store.close()
        let written = sink.written
        let dataset = sandbox.dataset
        // The cursor was followed, not restarted: no 400 and the first window's 20 not sent again.
        #expect(!sandbox.requests.contains { $0.status == 400 })
        let messages = written.filter { $0.stream == "messages" }
        #expect(messages.count == dataset.deepConverseMessages.count - 20)
        #expect(Set(messages.map(\.id)).count == messages.count)
        #expect(Set(messages.map(\.id)).isSubset(of: Set(dataset.deepConverseMessages.map(\.id))))
        let laterWindows = try #require(Timestamp(iso8601: "2026-10-26T00:00:00Z"))
        #expect(
            Set(dataset.deepConverseMessages.filter { $0.time >= laterWindows }.map(\.id)).isSubset(of: Set(messages.map(\.id))))
        // Conversations: done through 2026-10-26.
        let conversations = written.filter { $0.stream == "conversations" }
        let expected = dataset.deepConverseConversations.filter { $0.time >= laterWindows }
        #expect(conversations.count == expected.count)
        #expect(Set(conversations.map(\.id)) == Set(expected.map(\.id)))
    }
}
