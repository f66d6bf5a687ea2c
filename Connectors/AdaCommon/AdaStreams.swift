import ConnectorKit

/// Ada's streams and their well-known fields (the same for v2 and v1.4).
public enum AdaStreams {
    /// How conversations are read incrementally.
    public enum ConversationsCursor: String, Sendable, CaseIterable {
        /// By `date_updated` (`updated_since`/`updated_to`): catches later changes (CSAT, escalation, topics).
        case updated
        /// By `date_created` (`created_since`/`created_to`).
        case created
    }

    /// The conversations stream, keyed by the chosen cursor; its end user is `end_user_id` or
    /// `chatter_id`.
    public static func conversations(cursor: ConversationsCursor) -> StreamDescriptor {
        StreamDescriptor(
            name: "conversations",
            summary: "Conversations, read by \(cursor == .updated ? "date_updated" : "date_created").",
            cursorField: cursor == .updated ? "date_updated" : "date_created",
            cursorColumn: cursor == .updated ? "updated_at" : "created_at",
            fields: [
                FieldDescriptor("date_created", type: .timestamp), FieldDescriptor("date_updated", type: .timestamp),
                FieldDescriptor("chatter_id"), FieldDescriptor("end_user_id"), FieldDescriptor("platform"), FieldDescriptor("language"),
                FieldDescriptor("is_engaged", type: .boolean), FieldDescriptor("is_escalated", type: .boolean),
                FieldDescriptor("is_test_user", type: .boolean), FieldDescriptor("csat_score", path: ["csat", "score"], type: .integer),
                FieldDescriptor("csat_is_positive", path: ["csat", "is_positive"], type: .boolean),
                FieldDescriptor("csat_comment", path: ["csat", "comment"]),
                FieldDescriptor("csat_resolved", path: ["csat", "resolved"], type: .boolean),
                FieldDescriptor("csat_style", path: ["csat", "style"]), FieldDescriptor("csat_survey_type", path: ["csat", "survey_type"]),
                FieldDescriptor("generated_topic_label"), FieldDescriptor("automated_resolution_classification"),
                FieldDescriptor("agent_handle_time", type: .real), FieldDescriptor("bot_handle_time", type: .real),
            ],
            canonical: conversationModel
        )
        .identifyingEndUsers(by: [["end_user_id"], ["chatter_id"]])
    }

    /// Ada conversations in the vendor-neutral model (CSAT scores run from 1 to 5).
    static let conversationModel = CanonicalMapping(
        .conversation, vendor: "ada",
        [
            "conversation_id": .column("_id"), "started_at": .path([["date_created"]]), "updated_at": .path([["date_updated"]]),
            "channel": .path([["platform"]]), "language": .path([["language"]]), "is_escalated": .path([["is_escalated"]]),
            "is_engaged": .path([["is_engaged"]]), "csat_score": .path([["csat", "score"]]),
            "csat_normalized": .scaled(["csat", "score"], min: 1, max: 5), "end_user_id": .path([["end_user_id"]]),
        ])

    /// The messages stream, keyed by `date_created`, child of conversations; its end user is
    /// `chatter_id`.
    public static let messages = StreamDescriptor(
        name: "messages",
        summary: "Messages, read by date_created.",
        cursorField: "date_created",
        cursorColumn: "created_at",
        parentField: "conversation_id",
        fields: [
            FieldDescriptor("sender"), FieldDescriptor("recipient"), FieldDescriptor("answer_title"), FieldDescriptor("answer_id"),
            FieldDescriptor("message_type", path: ["message_data", "_type"]), FieldDescriptor("review", type: .integer),
            FieldDescriptor("chatter_id"), FieldDescriptor("link_was_clicked", type: .boolean), FieldDescriptor("in_response_to"),
            FieldDescriptor("text", path: ["message_data", "body"]),
        ],
        // The bot is "ada"; a message to "ada" comes from the end user; anything else is an agent.
        canonical: CanonicalMapping(
            .message, vendor: "ada",
            [
                "message_id": .column("_id"), "conversation_id": .column("conversation_id"), "sent_at": .column("created_at"),
                "role": .role(
                    rules: [.init(["sender"], equals: "ada", role: "bot"), .init(["recipient"], equals: "ada", role: "user")],
                    otherwise: "agent"),
                "text": .path([["message_data", "body"], ["message_data", "text"]]), "message_type": .path([["message_data", "_type"]]),
                "intent": .path([["answer_title"]]),
            ])
    )
    .identifyingEndUsers(by: [["chatter_id"]])
}
