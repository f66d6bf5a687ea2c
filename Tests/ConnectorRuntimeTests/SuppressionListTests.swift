import ConnectorKit
import Testing

@Suite("The suppression list of forgotten end users")
struct SuppressionListTests {
    static let messages = StreamDescriptor(
        name: "messages", summary: "", cursorField: "date_created", parentField: "conversation_id"
    ).identifyingEndUsers(by: [["chatter_id"], ["meta", "user"]])

    func record(_ json: String, parent: String? = nil) -> Record {
        Record(stream: "messages", id: "m1", cursor: nil, parentID: parent, json: Array(json.utf8)[...])
    }

    @Test("holds back a record by an end-user field (nested or in an array), its id, or its parent")
    func suppresses() throws {
        var list = SuppressionList()
        list.insert(endUser: "eu-1")
        list.insert(record: "c9")
        #expect(try list.suppresses(record(#"{"chatter_id":"eu-1"}"#), of: Self.messages))
        #expect(try list.suppresses(record(#"{"meta":{"user":["x","eu-1"]}}"#), of: Self.messages))
        #expect(try list.suppresses(record(#"{"chatter_id":"other"}"#, parent: "c9"), of: Self.messages))
        #expect(try !list.suppresses(record(#"{"chatter_id":"eu-10","meta":{"user":"eu-1x"}}"#, parent: "c1"), of: Self.messages))
    }

    @Test("stored as digests under its own key: no identifier in clear, read back the same")
    func stored() throws {
        var list = SuppressionList()
        for index in 0..<100 { list.insert(endUser: "eu-\(index)") }
        list.insert(record: "5d00000001")
        let text = list.json.serialized(pretty: false)
        #expect(!text.contains("eu-") && !text.contains("5d00000001"))
        let read = try SuppressionList(json: try JSONValue.parse(text))
        #expect(read == list)
        #expect(read.contains(endUser: "eu-42") && !read.contains(endUser: "eu-420"))
        // Another list (another key) does not merge; a damaged one is a storage failure, not a crash.
        var other = SuppressionList()
        let merged = other.formUnion(read)
        #expect(!merged)
        #expect(throws: ChatExportError.self) { try SuppressionList(json: .object([("key", .string("xyz"))])) }
        #expect(throws: ChatExportError.self) {
            try SuppressionList(
                json: .object([("key", .string(String(repeating: "0", count: 32))), ("end_users", .string("!!")), ("records", .string(""))])
            )
        }
    }
}
