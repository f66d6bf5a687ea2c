import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@Suite("The tap and the Airbyte source apply the job's transforms")
struct TransformProtocolTests {
    static let texts = [
        ("write to jane.doe@example.com or call +44 20 7946 0958", "write to [REDACTED:email] or call [REDACTED:phone]"),
        ("nothing here", "nothing here"),
    ]

    static func sandbox() throws -> VendorSandbox {
        var settings = SandboxSettings()
        settings.conversations = 20
        settings.messagesPerConversation = 4
        settings.messageTexts = texts.map(\.0)
        return try VendorSandbox(settings: settings)
    }

    /// The source config with transforms beside its options, as a tap's or a source's config file holds them.
    static func config(_ sandbox: VendorSandbox) -> String {
        String(adaSourceConfig(sandbox).dropLast())
            + #", "transforms": [{"type": "redact", "streams": ["messages"]}, {"type": "drop", "paths": ["variables"], "streams": ["conversations"]}]}"#
    }

    /// Each record as the sinks should get it: bodies redacted, `variables` dropped, every other byte as sent.
    static func expected(_ sandbox: VendorSandbox) throws -> [String: [String: String]] {
        let redacted = Dictionary(uniqueKeysWithValues: texts)
        var records = adaRecords(sandbox)
        for (id, json) in records["messages"] ?? [:] {
            let body = try JSONValue.parse(json)["message_data"]?["body"]?.stringValue ?? ""
            records["messages"]?[id] = json.replacingOccurrences(
                of: "\"body\":" + JSONValue.quoted(body), with: "\"body\":" + JSONValue.quoted(redacted[body] ?? body))
        }
        for (id, json) in records["conversations"] ?? [:] {
            let variables = try JSONValue.parse(json)["variables"]?.jsonText ?? ""
            records["conversations"]?[id] = json.replacingOccurrences(of: ",\"variables\":" + variables, with: "")
        }
        return records
    }

    @Test("tap-chat-export: every RECORD is the transformed record, byte for byte")
    func tap() throws {
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let config = try directory.write("config.json", Self.config(sandbox))
        let run = try ProgramRun.run(TapTests.tap, ["--config", config])
        #expect(run.status == 0, "\(run.stderr)")
        var received: [String: [String: String]] = [:]
        for line in run.lines where line.hasPrefix(#"{"type":"RECORD""#) {
            let message = try JSONValue.parse(line)
            let stream = message["stream"]?.stringValue ?? ""
            let raw = String(line.dropFirst(#"{"type":"RECORD","stream":"\#(stream)","record":"#.count).dropLast())
            received[stream, default: [:]][message["record"]?["_id"]?.stringValue ?? ""] = raw
        }
        #expect(received == (try Self.expected(sandbox)))
        #expect(!run.stdout.contains("jane.doe@example.com"))
    }

    @Test("source-chat-export read: every RECORD's data is the transformed record; spec offers transforms")
    func airbyte() throws {
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let config = try directory.write("config.json", Self.config(sandbox))
        let spec = try ProgramRun.run(AirbyteTests.source, ["spec"])
        #expect(spec.status == 0 && spec.stdout.contains(#""transforms":{"type":"array""#), "\(spec.stdout.prefix(500))")
        let discover = try ProgramRun.run(AirbyteTests.source, ["discover", "--config", config])
        #expect(discover.status == 0, "\(discover.stderr)")
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
        let read = try ProgramRun.run(AirbyteTests.source, ["read", "--config", config, "--catalog", catalogFile])
        #expect(read.status == 0, "\(read.stderr.suffix(2000))")
        var received: [String: [String: String]] = [:]
        for line in read.lines {
            let message = try JSONValue.parse(line)
            guard message["type"]?.stringValue == "RECORD", let stream = message["record"]?["stream"]?.stringValue,
                let raw = AirbyteTests.raw(line)
            else { continue }
            received[stream, default: [:]][message["record"]?["data"]?["_id"]?.stringValue ?? ""] = String(decoding: raw, as: UTF8.self)
        }
        #expect(received == (try Self.expected(sandbox)))
    }
}
