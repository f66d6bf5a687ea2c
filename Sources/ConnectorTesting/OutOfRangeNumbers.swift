public import ConnectorKit

/// A source of ten conversations whose numbers no column type holds (a 400-digit integer, `1e400`,
/// an exponent of 99999, integers past 64 bits) beside ordinary ones, for testing that a sink's
/// views read a value they cannot hold as NULL instead of failing the query or clamping it.
///
/// Each record puts one value at `csat.score` (a typed integer field, and the conversation
/// model's `csat_score` and `csat_normalized`), at `handle_time` (a real field) and at `seen_at`
/// (a time field, read as epoch seconds).
public struct OutOfRangeNumbers: Source {
    /// The values, by record `_id` (`n1` … `n10`), as JSON number text (one is a string).
    public static let values: [(id: String, json: String)] = [
        ("n1", "4"), ("n2", "1" + String(repeating: "0", count: 399)), ("n3", "1e400"), ("n4", "-1e400"),
        ("n5", "99999999999999999999"), ("n6", "1e-400"), ("n7", "1e99999"), ("n8", "\"4\""),
        ("n9", "9223372036854775807"), ("n10", "-9223372036854775808"),
    ]

    /// Records whose model `csat_score` (a 64-bit float) is not NULL.
    public static let finiteReals: Set<String> = ["n1", "n5", "n6", "n9", "n10"]
    /// Records whose integer field is not NULL (the value fits 64 bits).
    public static let integers: Set<String> = ["n1", "n6", "n9", "n10"]
    /// Records whose time field is not NULL (epoch seconds any database's times hold).
    public static let times: Set<String> = ["n1", "n6"]

    /// The stream: `conversations` with the fields and a conversation-model mapping.
    public static let stream = StreamDescriptor(
        name: "conversations", summary: "Conversations with numbers out of every range.", cursorField: "date_created",
        cursorColumn: "created_at",
        fields: [
            FieldDescriptor("csat_score", path: ["csat", "score"], type: .integer), FieldDescriptor("handle_time", type: .real),
            FieldDescriptor("seen_at", type: .timestamp),
        ],
        canonical: CanonicalMapping(
            .conversation, vendor: "test",
            [
                "conversation_id": .column("_id"), "started_at": .path([["date_created"]]), "csat_score": .path([["csat", "score"]]),
                "csat_normalized": .scaled(["csat", "score"], min: 1, max: 5),
            ]))

    /// Creates the source.
    public init() {}

    /// The one stream.
    public var streams: [StreamDescriptor] { [Self.stream] }

    /// Emits the ten records in one batch (nothing when resuming from a checkpoint).
    ///
    /// - Parameters:
    ///   - request: The stream and checkpoint.
    ///   - emit: Receives the batch.
    /// - Throws: What `emit` throws.
    public func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        guard request.checkpoint == nil else { return }
        let records = Self.values.enumerated().map { index, value in
            let created = Timestamp(epochSeconds: 1_767_225_600 + Int64(index))
            let json =
                #"{"_id": "\#(value.id)", "date_created": "\#(created.iso8601())", "csat": {"score": \#(value.json)}, "#
                + #""handle_time": \#(value.json), "seen_at": \#(value.json)}"#
            return Record(stream: Self.stream.name, id: value.id, cursor: created, json: ArraySlice(json.utf8))
        }
        try await emit(RecordBatch(stream: Self.stream.name, records: records, checkpoint: Checkpoint(.string("done"))))
    }
}
