import ConnectorRuntime

/// Ada's streams and their well-known fields (the same for v2 and v1.4).
public enum AdaStreams {
    /// How conversations are read incrementally.
    public enum ConversationsCursor: String, Sendable, CaseIterable {
        /// By `date_updated` (`updated_since`/`updated_to`): catches later changes (CSAT, escalation, topics).
        case updated
        /// By `date_created` (`created_since`/`created_to`).
        case created
    }

    /// The conversations stream, keyed by the chosen cursor.
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
                FieldDescriptor("generated_topic_label"), FieldDescriptor("automated_resolution_classification"),
                FieldDescriptor("agent_handle_time", type: .real), FieldDescriptor("bot_handle_time", type: .real),
            ]
        )
    }

    /// The messages stream, keyed by `date_created`, child of conversations.
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
        ]
    )
}
