import AdaV2
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import RestConnector
import SQLiteSink
import Testing

/// Ada v2 messages, mapped by the built-in definition's own canonical mapping.
struct AdaRoleMessages: Source {
    static let chatter = "b9e51eae-5449-4a46-b6ce-aef2dcb4e067"

    /// `_id` → message_data `_type`, sender, recipient, and the role the message must get.
    static let values: [(id: String, type: String, sender: String, recipient: String, role: String)] = [
        ("m1", "text", chatter, "ada", "user"),
        // A type Ada has not documented (or one this connector's list lacks), sent by the end user
        // to the bot: the sender says who wrote it, yet the rule for unknown types comes first.
        ("m2", "location", chatter, "ada", "user"),
        // The type the sandbox itself served until this change (and so earlier demo databases hold).
        ("m3", "sms_text", chatter, "ada", "user"),
        // The bot's messages: a tool call, a known type, and one Ada has not documented.
        ("m4", "tool_call", "ada", chatter, "tool"),
        ("m5", "sms_consent_asked", "ada", chatter, "bot"),
        ("m6", "voice_transcript_summary", "ada", chatter, "system"),
        // A human agent's message of an undocumented type is system too; of a known type, agent.
        ("m7", "live_chat_summary", "619d95c0c063a5bf2b1efb7c", chatter, "system"),
        ("m8", "text", "619d95c0c063a5bf2b1efb7c", chatter, "agent"),
    ]

    static let stream: StreamDescriptor = {
        let messages = AdaV2.definition.streams.first { $0.name == "messages" }!
        return StreamDescriptor(
            name: "messages", summary: "Ada v2 messages.", cursorField: "date_created", cursorColumn: "created_at",
            fields: messages.fields, canonical: messages.canonical)
    }()

    var streams: [StreamDescriptor] { [Self.stream] }

    func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        guard request.checkpoint == nil else { return }
        let records = Self.values.enumerated().map { index, value in
            let json =
                "{\"_id\":\"\(value.id)\",\"conversation_id\":\"c1\",\"date_created\":\"2026-12-04T06:03:46.371052+00:00\","
                + "\"message_data\":{\"_type\":\"\(value.type)\",\"body\":\"hello\"},"
                + "\"recipient\":\"\(value.recipient)\",\"sender\":\"\(value.sender)\"}"
            return Record(
                stream: Self.stream.name, id: value.id, cursor: Timestamp(epochSeconds: 1_796_000_000 + Int64(index)),
                json: ArraySlice(json.utf8))
        }
        try await emit(RecordBatch(stream: Self.stream.name, records: records, checkpoint: Checkpoint(.string("done"))))
    }
}

@Suite("Ada v2 roles through the built-in mapping")
struct AdaRoleTests {
    @Test(
        "the end user's messages are user whatever their type; the bot's tool calls are tool; other undocumented types are system, never dropped"
    )
    func userMessageOfUnlistedType() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/ada.sqlite"
        try await runEach(AdaRoleMessages(), into: [SQLiteSink(settings: .init(path: path))])
        let rows = try sqliteQuery(path, "SELECT message_id, role FROM chat_messages ORDER BY message_id")
        let roles = Dictionary(uniqueKeysWithValues: rows.map { ($0[0] ?? "", $0[1] ?? "NULL") })
        let expected = Dictionary(uniqueKeysWithValues: AdaRoleMessages.values.map { ($0.id, $0.role) })
        #expect(roles == expected)
    }
}
