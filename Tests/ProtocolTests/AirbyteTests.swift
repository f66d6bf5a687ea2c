import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@Suite(
    "source-chat-export under the official Airbyte protocol models",
    .enabled(if: ProtocolTools.airbyteReason == nil, Comment(rawValue: ProtocolTools.airbyteReason ?? "")))
struct AirbyteTests {
    static let source = ProgramRun.product("source-chat-export")

    /// Parses every line with `airbyte_protocol.models.AirbyteMessage` (pydantic v2) and checks
    /// that the member its type names is there; prints one line per message: its type.
    static let validator = """
        import sys
        from airbyte_protocol.models import AirbyteMessage
        member = {"RECORD": "record", "STATE": "state", "LOG": "log", "SPEC": "spec", "CATALOG": "catalog",
                  "CONNECTION_STATUS": "connectionStatus", "TRACE": "trace"}
        for number, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
            message = AirbyteMessage.model_validate_json(line)
            if getattr(message, member[message.type.value]) is None:
                sys.exit(f"line {number}: {message.type.value} without {member[message.type.value]}")
            print(message.type.value)
        """

    /// Validates `output` line by line; returns each message's type.
    static func validate(_ output: String, in directory: TemporaryDirectory) throws -> [String] {
        let script = try directory.write("validate.py", validator)
        let file = try directory.write("output-\(UUID().uuidString.prefix(8)).jsonl", output)
        let run = try ProgramRun.run(ProtocolTools.airbytePython, [script, file])
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        return run.lines
    }

    @Test("every line of spec, check, discover and read validates; a read resumed from its own last states emits no record")
    func protocolAndResume() throws {
        let sandbox = try adaSandbox(conversations: 40)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let config = try directory.write("config.json", adaSourceConfig(sandbox))

        let spec = try ProgramRun.run(Self.source, ["spec"])
        #expect(spec.status == 0)
        #expect(try Self.validate(spec.stdout, in: directory) == ["SPEC"])
        #expect(spec.stdout.contains(#""airbyte_secret":true"#), "secrets are marked for Airbyte to mask")
        let check = try ProgramRun.run(Self.source, ["check", "--config", config])
        #expect(try Self.validate(check.stdout, in: directory).last == "CONNECTION_STATUS")
        #expect(check.stdout.contains(#""status":"SUCCEEDED""#), "\(check.stdout)")
        let discover = try ProgramRun.run(Self.source, ["discover", "--config", config])
        #expect(try Self.validate(discover.stdout, in: directory).last == "CATALOG")

        // A configured catalog as Airbyte writes it: every stream, incremental, append.
        let catalog = try JSONValue.parse(try #require(discover.lines.last))["catalog"]?["streams"]?.arrayValue ?? []
        let configured = JSONValue.object([
            (
                "streams",
                .array(
                    catalog.map {
                        .object([
                            ("stream", $0), ("sync_mode", .string("incremental")), ("destination_sync_mode", .string("append")),
                            ("cursor_field", $0["default_cursor_field"] ?? .array([])),
                        ])
                    })
            )
        ])
        let catalogFile = try directory.write("catalog.json", configured.jsonText)
        let read = try ProgramRun.run(Self.source, ["read", "--config", config, "--catalog", catalogFile])
        #expect(read.status == 0, "\(read.stdout.suffix(2000))")
        let types = try Self.validate(read.stdout, in: directory)
        #expect(types.count == read.lines.count)
        var received: [String: [String: String]] = [:]
        var latest: [String: JSONValue] = [:]
        var sinceState: [String: Int] = [:]
        for line in read.lines {
            let message = try JSONValue.parse(line)
            if message["type"]?.stringValue == "RECORD", let stream = message["record"]?["stream"]?.stringValue {
                let data = try #require(message["record"]?["data"])
                received[stream, default: [:]][data["_id"]?.stringValue ?? ""] = data.jsonText
                sinceState[stream, default: 0] += 1
                #expect(line.contains(#","data":"# + String(decoding: try #require(Self.raw(line)), as: UTF8.self) + "}}"))
            } else if message["type"]?.stringValue == "STATE",
                let stream = message["state"]?["stream"]?["stream_descriptor"]?["name"]?.stringValue
            {
                // Each per-stream state counts exactly the stream's records since its previous state.
                #expect(message["state"]?["sourceStats"]?["recordCount"]?.intValue == sinceState[stream] ?? 0)
                sinceState[stream] = 0
                latest[stream] = message["state"]
            }
        }
        let expected = adaRecords(sandbox).mapValues { $0.mapValues { (try? JSONValue.parse($0))?.jsonText ?? "" } }
        #expect(received == expected, "every record once, every field")

        let stateFile = try directory.write("state.json", JSONValue.array(latest.keys.sorted().map { latest[$0]! }).jsonText)
        let resumed = try ProgramRun.run(Self.source, ["read", "--config", config, "--catalog", catalogFile, "--state", stateFile])
        #expect(resumed.status == 0, "\(resumed.stdout.suffix(2000))")
        #expect(!(try Self.validate(resumed.stdout, in: directory)).contains("RECORD"), "nothing is emitted again")
    }

    @Test("an invalid config: check reports FAILED (exit 0); read ends with a TRACE config_error and exit 78")
    func failures() throws {
        let directory = TemporaryDirectory()
        let config = try directory.write("config.json", #"{"type": "ada-v2", "base_url": "ftp://x", "token": "secret-token-1"}"#)
        let check = try ProgramRun.run(Self.source, ["check", "--config", config])
        #expect(check.status == 0 && check.stdout.contains(#""status":"FAILED""#) && check.stdout.contains("base_url"), "\(check.stdout)")
        #expect(try Self.validate(check.stdout, in: directory) == ["CONNECTION_STATUS"])
        let catalog = try directory.write("catalog.json", #"{"streams": []}"#)
        let read = try ProgramRun.run(Self.source, ["read", "--config", config, "--catalog", catalog])
        #expect(read.status == 78)
        #expect(try Self.validate(read.stdout, in: directory).last == "TRACE")
        #expect(read.stdout.contains(#""failure_type":"config_error""#) && !read.stdout.contains("secret-token-1"))
    }

    /// The bytes of a RECORD line's `data`: everything between `"data":` and the closing `}}`.
    static func raw(_ line: String) -> [UInt8]? {
        guard let range = line.range(of: #","data":"#), line.hasSuffix("}}") else { return nil }
        return Array(line[range.upperBound...].dropLast(2).utf8)
    }
}
