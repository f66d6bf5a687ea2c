import ConnectorKit
import Hashing
import Testing
import Transforms

/// A messages stream shaped like Ada's: `_id`, cursor `date_created`, parent `conversation_id`.
let messages = StreamDescriptor(
    name: "messages", summary: "Messages.", cursorField: "date_created", cursorColumn: "created_at", parentField: "conversation_id")

func record(_ json: String) -> Record { Record(stream: "messages", id: "m1", cursor: nil, json: Array(json.utf8)[...]) }

func applying(_ transform: any RecordTransform, to json: String, stream: StreamDescriptor = messages) throws -> String {
    var records = [record(json)]
    try transform.apply(to: &records, of: stream)
    return records[0].jsonText
}

@Suite("Transforms edit a record's bytes in place")
struct RecordTransformTests {
    @Test(
        "drop removes a member and the comma that joined it, wherever it sits",
        arguments: [
            (#"{"a":1,"b":2,"c":3}"#, ["b"], #"{"a":1,"c":3}"#),
            (#"{"a":1,"b":2,"c":3}"#, ["a"], #"{"b":2,"c":3}"#),
            (#"{"a":1,"b":2,"c":3}"#, ["c"], #"{"a":1,"b":2}"#),
            (#"{"a":1,"b":2,"c":3}"#, ["a", "b", "c"], #"{}"#),
            (#"{"a":1,"b":2,"c":3}"#, ["a", "c"], #"{"b":2}"#),
            (#"{ "a" : 1 , "b" : {"x": [1, {"y": 2}]} , "c" : 3 }"#, ["b"], #"{ "a" : 1 , "c" : 3 }"#),
            (#"{"v":{"email":"x@y.com","n":1}}"#, ["v.email"], #"{"v":{"n":1}}"#),
            (#"{"items":[{"s":1,"k":2},{"k":3},{"s":4}]}"#, ["items.s"], #"{"items":[{"k":2},{"k":3},{}]}"#),
            (#"{"a":"x\"y","b":2}"#, ["a"], #"{"b":2}"#),
            (#"{"a\u0062":1,"b":2}"#, ["ab"], #"{"b":2}"#),
            (#"{"a":1}"#, ["missing"], #"{"a":1}"#),
        ])
    func drop(_ input: String, _ paths: [String], _ expected: String) throws {
        let transform = DropTransform(paths: paths.map { $0.split(separator: ".").map(String.init) })
        #expect(try applying(transform, to: input) == expected)
    }

    @Test("pseudonymize replaces strings and numbers by their HMAC-SHA-256 in hex, looking through arrays")
    func pseudonymize() throws {
        let key = "a-key-of-at-least-16-characters"
        let transform = PseudonymizeTransform(paths: [["chatter_id"], ["tags"], ["n"], ["o"]], key: Secret(key))
        let input = #"{"_id":"m1","chatter_id":"caf\u00e9","tags":["a",null,true],"n":-12.5e3,"o":{"k":"v"},"x":"keep"}"#
        let output = try applying(transform, to: input)
        func hmac(_ text: String) -> String { SHA256Digest.hex(SHA256Digest.hmac(key: Array(key.utf8), Array(text.utf8))) }
        // The decoded value is what is hashed; the number's text as written; null, true and objects stay.
        #expect(
            output
                == #"{"_id":"m1","chatter_id":"\#(hmac("café"))","tags":["\#(hmac("a"))",null,true],"n":"\#(hmac("-12.5e3"))","o":{"k":"v"},"x":"keep"}"#
        )
        #expect(transform.pseudonym(of: "café") == hmac("café"))
        #expect(!"\(transform)".contains(key))
        #expect(!transform.settings.serialized(pretty: false).contains(key))
    }

    @Test("a pseudonym is the same in every stream and every run, and differs by key")
    func stable() throws {
        let one = PseudonymizeTransform(paths: [["chatter_id"]], key: Secret("0123456789abcdef-one"))
        let again = PseudonymizeTransform(paths: [["chatter_id"]], key: Secret("0123456789abcdef-one"))
        let other = PseudonymizeTransform(paths: [["chatter_id"]], key: Secret("0123456789abcdef-two"))
        let input = #"{"chatter_id":"5e0001"}"#
        let conversations = StreamDescriptor(name: "conversations", summary: "", cursorField: "date_updated")
        #expect(try applying(one, to: input) == applying(again, to: input, stream: conversations))
        #expect(try applying(one, to: input) != applying(other, to: input))
        #expect(one.settings != other.settings)
    }

    @Test("redact keeps the id, cursor and parent even when they look like personal data")
    func keepsIdentifiers() throws {
        let input =
            #"{"_id":"jane@example.com","date_created":"4111 1111 1111 1111","conversation_id":"+44 20 7946 0958","text":"jane@example.com"}"#
        #expect(
            try applying(RedactTransform(), to: input)
                == #"{"_id":"jane@example.com","date_created":"4111 1111 1111 1111","conversation_id":"+44 20 7946 0958","text":"[REDACTED:email]"}"#
        )
    }

    @Test("redact reads escaped strings decoded and replaces exactly the raw bytes of each occurrence")
    func escapes() throws {
        let input = #"{"_id":"1","text":"line\none jane\u002edoe@example.com\t\"call +1 415-555-2671\" \u00e9"}"#
        #expect(
            try applying(RedactTransform(), to: input)
                == #"{"_id":"1","text":"line\none [REDACTED:email]\t\"call [REDACTED:phone]\" \u00e9"}"#)
    }

    @Test("redact with paths reads only those fields, nested ones included; detect narrows the kinds")
    func narrowed() throws {
        let input = #"{"a":"jane@example.com","b":{"c":["jane@example.com","192.168.1.1"]}}"#
        #expect(
            try applying(RedactTransform(paths: [["b"]]), to: input)
                == #"{"a":"jane@example.com","b":{"c":["[REDACTED:email]","[REDACTED:ip_address]"]}}"#)
        #expect(
            try applying(RedactTransform(detect: [.ipAddress]), to: input)
                == #"{"a":"jane@example.com","b":{"c":["jane@example.com","[REDACTED:ip_address]"]}}"#)
    }

    @Test("a record with nothing to change keeps its very bytes")
    func untouched() throws {
        var records = [record(#"{"_id":"1","text":"nothing here"}"#)]
        let before = records[0].json
        try RedactTransform().apply(to: &records, of: messages)
        #expect(records[0].json.withUnsafeBufferPointer { $0.baseAddress } == before.withUnsafeBufferPointer { $0.baseAddress })
    }

    @Test("a record that does not read as JSON is an error naming the stream and record, not a crash")
    func malformed() throws {
        for json in [#"{"a":"unterminated"#, #"{"a" 1}"#, String(repeating: "[", count: 600) + String(repeating: "]", count: 600)] {
            var records = [Record(stream: "messages", id: "m9", cursor: nil, json: Array((#"{"x":"# + json + "}").utf8)[...])]
            #expect(throws: ChatExportError.self) { try DropTransform(paths: [["x", "y"]]).apply(to: &records, of: messages) }
        }
    }

    @Test("validation refuses a path that is or holds the id, cursor or parent, naming the option")
    func refusesIdentifiers() {
        let drop = DropTransform(paths: [["text"], ["conversation_id"], ["date_created"]])
        #expect(drop.issues(for: messages).map(\.suffix) == [".paths[1]", ".paths[2]"])
        let nested = StreamDescriptor(name: "s", summary: "", cursorField: "meta.time")
        #expect(
            PseudonymizeTransform(paths: [["meta"]], key: Secret("0123456789abcdef")).issues(for: nested).map(\.suffix) == [".paths[0]"])
        // Redacting inside an object that holds the cursor is fine: the cursor itself is skipped.
        #expect(RedactTransform(paths: [["meta"]]).issues(for: nested).isEmpty)
        #expect(RedactTransform(paths: [["meta", "time"]]).issues(for: nested).map(\.suffix) == [".paths[0]"])
    }

    @Test("the checkpoint's stamp names the transforms that change a stream and changes with their settings")
    func stamp() {
        let redact = RedactTransform(streams: ["messages"])
        let drop = DropTransform(paths: [["x"]])
        #expect(RecordTransforms.stamp([redact, drop], for: "conversations")?.hasPrefix("drop #") == true)
        #expect(RecordTransforms.stamp([redact, drop], for: "messages")?.hasPrefix("redact, drop #") == true)
        #expect(RecordTransforms.stamp([], for: "messages") == nil)
        #expect(
            RecordTransforms.stamp([RedactTransform(detect: [.email])], for: "m") != RecordTransforms.stamp([RedactTransform()], for: "m"))
    }
}
