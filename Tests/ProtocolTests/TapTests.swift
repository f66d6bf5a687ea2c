import ConnectorKit
import ConnectorTesting
import Foundation
import ProtocolAdapters
import Testing
import VendorSandbox

/// A sandbox of Ada conversations (8 messages each) and the tap's source config for it.
func adaSandbox(conversations: Int) throws -> VendorSandbox {
    var settings = SandboxSettings()
    settings.conversations = conversations
    settings.messagesPerConversation = 8
    return try VendorSandbox(settings: settings)
}

/// The `source` object of an Ada v2 job reading the sandbox's whole dataset, paced fast.
func adaSourceConfig(_ sandbox: VendorSandbox, pageSize: Int = 100) -> String {
    #"{"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)", "page_size": \#(pageSize), "rate_limits": {"per_endpoint_per_second": 50, "per_minute": 0}, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())"}"#
}

/// The sandbox's Ada records by stream, each record's exact text by `_id`.
func adaRecords(_ sandbox: VendorSandbox) -> [String: [String: String]] {
    let dataset = sandbox.dataset
    return [
        "conversations": Dictionary(
            uniqueKeysWithValues: dataset.adaConversations.map { ($0.id, String(decoding: $0.json, as: UTF8.self)) }),
        "messages": Dictionary(uniqueKeysWithValues: dataset.adaMessages.map { ($0.id, String(decoding: $0.json, as: UTF8.self)) }),
    ]
}

@Suite("tap-chat-export speaks Singer")
struct TapTests {
    static let tap = ProgramRun.product("tap-chat-export")

    @Test("stdout is Singer only: SCHEMA first, every record byte for byte once, each STATE after the records it counts; resumed, nothing")
    func fullSyncThenResume() throws {
        let sandbox = try adaSandbox(conversations: 60)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let config = try directory.write("config.json", adaSourceConfig(sandbox))
        let run = try ProgramRun.run(Self.tap, ["--config", config])
        #expect(run.status == 0, "\(run.stderr)")
        var received: [String: [String: String]] = [:]
        var counted: [String: Int] = [:]
        var schemas: [String] = []
        var lastState: JSONValue?
        for line in run.lines {
            let message = try JSONValue.parse(line)
            switch message["type"]?.stringValue {
            case "SCHEMA":
                #expect(counted.isEmpty, "every SCHEMA comes before the first RECORD")
                schemas.append(message["stream"]?.stringValue ?? "")
                #expect(message["key_properties"] == .array([.string("_id")]))
            case "RECORD":
                let stream = message["stream"]?.stringValue ?? ""
                let prefix = #"{"type":"RECORD","stream":"\#(stream)","record":"#
                #expect(line.hasPrefix(prefix) && line.hasSuffix("}"))
                let raw = String(line.dropFirst(prefix.count).dropLast())
                let id = message["record"]?["_id"]?.stringValue ?? ""
                #expect(received[stream, default: [:]].updateValue(raw, forKey: id) == nil, "\(stream) \(id) sent twice")
                counted[stream, default: 0] += 1
            case "STATE":
                // The state never counts a record still to come (another stream's next batch may
                // already be out while this stream's state is emitted, so at most, not equal).
                for (stream, state) in message["value"]?["streams"]?.objectValue ?? [] {
                    #expect((state["records"]?.intValue ?? .max) <= counted[stream] ?? 0, "\(stream) at \(line.prefix(300))")
                }
                lastState = message["value"]
            default:
                Issue.record("not a Singer message: \(line.prefix(200))")
            }
        }
        #expect(schemas.sorted() == ["conversations", "messages"])
        for (stream, state) in lastState?["streams"]?.objectValue ?? [] { #expect(state["records"]?.intValue == counted[stream]) }
        #expect(received == adaRecords(sandbox), "every record exactly as the vendor sent it")

        let state = try directory.write("state.json", try #require(lastState).jsonText)
        let resumed = try ProgramRun.run(Self.tap, ["--config", config, "--state", state])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!resumed.stdout.contains(#""type":"RECORD""#), "nothing is sent again")
    }

    @Test("a catalog selects streams: only the selected one's SCHEMA and records")
    func catalogSelection() throws {
        let sandbox = try adaSandbox(conversations: 10)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let config = try directory.write("config.json", adaSourceConfig(sandbox))
        let discovered = try ProgramRun.run(Self.tap, ["--config", config, "--discover"])
        #expect(discovered.status == 0, "\(discovered.stderr)")
        var catalog = try JSONValue.parse(discovered.stdout)
        // Select messages only, as Meltano writes selection into the stream's metadata.
        let streams = (catalog["streams"]?.arrayValue ?? []).map { entry -> JSONValue in
            guard case .object(var members) = entry, let index = members.firstIndex(where: { $0.key == "metadata" }),
                case .array(var metadata) = members[index].value, case .object(var root) = metadata[0],
                case .object(var rootMetadata) = root[1].value
            else { return entry }
            rootMetadata.append(("selected", .bool(entry["stream"]?.stringValue == "messages")))
            root[1].value = .object(rootMetadata)
            metadata[0] = .object(root)
            members[index].value = .array(metadata)
            return .object(members)
        }
        catalog = .object([("streams", .array(streams))])
        let file = try directory.write("catalog.json", catalog.jsonText)
        let run = try ProgramRun.run(Self.tap, ["--config", config, "--catalog", file])
        #expect(run.status == 0, "\(run.stderr)")
        let messages = try run.lines.map { try JSONValue.parse($0) }
        #expect(Set(messages.compactMap { $0["type"]?.stringValue == "STATE" ? nil : $0["stream"]?.stringValue }) == ["messages"])
        #expect(messages.filter { $0["type"]?.stringValue == "RECORD" }.count == sandbox.dataset.adaMessages.count)
    }

    @Test("a config error names its JSON path in the config and exits 78; a usage error exits 64; stdout stays empty")
    func errors() throws {
        let directory = TemporaryDirectory()
        let config = try directory.write(
            "config.json", #"{"type": "ada-v2", "base_url": "ftp://x", "token": "secret-token-1", "rate_limits": {"per_minute": -1}}"#)
        let run = try ProgramRun.run(Self.tap, ["--config", config])
        #expect(run.status == 78)
        #expect(run.stderr.contains("base_url: expected an absolute http(s) URL"), "\(run.stderr)")
        #expect(run.stderr.contains("rate_limits.per_minute:"), "\(run.stderr)")
        #expect(!run.stderr.contains("secret-token-1"))
        #expect(run.stdout.isEmpty)
        let usage = try ProgramRun.run(Self.tap, ["--discover"])
        #expect(usage.status == 64 && usage.stderr.contains("--config CONFIG is required"), "\(usage.stderr)")
        #expect(try ProgramRun.run(Self.tap, ["--config", config, "--bogus"]).status == 64)
    }

    @Test(
        "the schema declares the id, the cursor, the parent and every known field, each nullable, nested by path, and allows unknown members"
    )
    func schema() throws {
        let stream = StreamDescriptor(
            name: "messages", summary: "", cursorField: "date_created", parentField: "conversation_id",
            fields: [
                FieldDescriptor("score", path: ["csat", "score"], type: .integer), FieldDescriptor("is_engaged", type: .boolean),
                FieldDescriptor("tags", type: .json),
            ])
        let schema = StreamSchema.jsonSchema(for: stream)
        let types = { (path: [String]) -> [String] in
            var node = schema
            for key in path { node = node["properties"]?[key] ?? .null }
            return node["type"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        #expect(schema["additionalProperties"] == .bool(true))
        #expect(types(["_id"]) == ["string", "integer"])
        #expect(types(["date_created"]) == ["string", "number", "null"])
        #expect(types(["conversation_id"]) == ["string", "integer", "null"])
        #expect(types(["csat"]) == ["object", "null"])
        #expect(schema["properties"]?["csat"]?["additionalProperties"] == .bool(true))
        #expect(types(["csat", "score"]) == ["integer", "null"])
        #expect(types(["is_engaged"]) == ["boolean", "null"])
        #expect(types(["tags"]) == ["object", "array", "null"])
    }
}
