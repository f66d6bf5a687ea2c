import ConnectorKit

/// A connector of the embedding tool's own: `count` greetings, one page, no network.
struct GreetingSource: Source {
    let count: Int

    var streams: [StreamDescriptor] {
        [StreamDescriptor(name: "greetings", summary: "Greetings, by time.", cursorField: "at", fields: [FieldDescriptor("text")])]
    }

    func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        // A finished checkpoint means nothing new: a re-run exports nothing twice.
        if request.checkpoint?.state == .string("done") { return }
        let records = (0..<count).map { index in
            let time = Timestamp(epochSeconds: 1_767_225_600 + Int64(index) * 60)
            let json = #"{"_id": "g\#(index)", "at": "\#(time.iso8601())", "text": "hello \#(index)"}"#
            return Record(stream: "greetings", id: "g\(index)", cursor: time, json: ArraySlice(json.utf8))
        }
        try await emit(RecordBatch(stream: "greetings", records: records, checkpoint: Checkpoint(.string("done"))))
    }

    /// The registry entry: `{"type": "greetings", "count": 3}`.
    static let registryEntry = Registry.SourceEntry(
        type: "greetings",
        summary: "Greetings made in memory.",
        options: [OptionSpec("count", .integer(1...10_000), default: .integer(3), summary: "How many greetings.")],
        make: { options, _ in GreetingSource(count: options.integer("count") ?? 3) }
    )
}
