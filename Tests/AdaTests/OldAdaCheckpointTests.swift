import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// Checkpoints as the Swift `AdaSource` (before the connector became its definition) wrote them,
/// kept literally in `Fixtures/`: a file checkpoint store's JSON after a run of `type: "ada-v2"`
/// (page_size 100, two windows at a time, lookback 0s) over the sandbox below failed at its third
/// batch, the instance's port replaced by `{{ORIGIN}}`. The messages checkpoint stands inside its
/// first window, on the vendor's next link.
enum OldAdaCheckpoints {
    /// `conversations_cursor` `updated`.
    static let updated = String(decoding: PackageResources.old_ada_v2_updated_checkpoint_json, as: UTF8.self)
    /// `conversations_cursor` `created`.
    static let created = String(decoding: PackageResources.old_ada_v2_created_checkpoint_json, as: UTF8.self)

    /// The sandbox the checkpoints were written against.
    static var settings: SandboxSettings {
        sandboxSettings {
            $0.conversations = 40
            $0.days = 20
            $0.seed = 7
            $0.end = Timestamp(microseconds: 1_794_268_800_000_000)  // 2026-11-10T00:00:00Z
            $0.now = $0.end
        }
    }

    /// A checkpoint file holding `literal` with the sandbox's origin, and its store.
    static func store(_ literal: String, for sandbox: VendorSandbox) throws -> (FileCheckpointStore, TemporaryDirectory) {
        let directory = TemporaryDirectory()
        let path = directory.path + "/job.checkpoint.json"
        let origin = String(sandbox.baseURL.dropFirst("http://".count))
        try literal.replacingOccurrences(of: "{{ORIGIN}}", with: origin).write(toFile: path, atomically: true, encoding: .utf8)
        return (try FileCheckpointStore(path: path), directory)
    }
}

@Suite("Checkpoints the Swift Ada connector wrote")
struct OldAdaCheckpointTests {
    @Test("a job carries on from them: exactly what they had not read, nothing twice", arguments: ConversationsCursor.allCases)
    func carriesOn(cursor: ConversationsCursor) async throws {
        let sandbox = try VendorSandbox(settings: OldAdaCheckpoints.settings)
        defer { sandbox.stop() }
        let (store, directory) = try OldAdaCheckpoints.store(
            cursor == .updated ? OldAdaCheckpoints.updated : OldAdaCheckpoints.created, for: sandbox)
        defer { withExtendedLifetime(directory) {} }
        let source = try ada(.v2, sandbox) {
            $0.conversationsCursor = cursor
            $0.maxConcurrentWindows = 2
            $0.lookback = .zero
        }
        let sink = InMemorySink()
        try await JobRunner(source: source, sinks: [sink], checkpoints: store, logger: .disabled).run()
        await store.close()
        let dataset = sandbox.dataset
        // Messages: the first window from its stored lower bound, less the id seen there; the second whole.
        let since = try #require(Timestamp(iso8601: "2026-10-30T00:16:01.379470Z"))
        let seen = "6d68f76204b04bd10000008a"
        let messages = sink.written.filter { $0.stream == "messages" }
        let expectedMessages = dataset.adaMessages.filter { $0.created >= since && $0.id != seen }
        #expect(expectedMessages.count == dataset.adaMessages.count - 100, "the first run committed 100 messages")
        #expect(messages.count == expectedMessages.count)
        #expect(Set(messages.map(\.id)) == Set(expectedMessages.map(\.id)))
        // Conversations: done through 2026-10-31 by the stored cursor mode.
        let doneThrough = try #require(Timestamp(iso8601: "2026-10-31T00:00:00Z"))
        let conversations = sink.written.filter { $0.stream == "conversations" }
        let expectedConversations = dataset.adaConversations.filter { (cursor == .updated ? $0.updated : $0.created) >= doneThrough }
        #expect(conversations.count == expectedConversations.count)
        #expect(Set(conversations.map(\.id)) == Set(expectedConversations.map(\.id)))
    }

    @Test("one written by updated is refused under created, as before, not misapplied")
    func cursorModeKept() async throws {
        let sandbox = try VendorSandbox(settings: OldAdaCheckpoints.settings)
        defer { sandbox.stop() }
        let (store, directory) = try OldAdaCheckpoints.store(OldAdaCheckpoints.updated, for: sandbox)
        defer { withExtendedLifetime(directory) {} }
        let source = try ada(.v2, sandbox) { $0.conversationsCursor = .created }
        let error = await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: source, sinks: [InMemorySink()], checkpoints: store, logger: .disabled).run()
        }
        #expect(error?.message.contains("created") == true, "\(String(describing: error))")
        await store.close()
    }
}
