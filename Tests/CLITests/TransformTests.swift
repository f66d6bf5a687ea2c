import ConnectorKit
import ConnectorTesting
import FilesSink
import Foundation
import Testing
import VendorSandbox

/// Jobs with transforms, and what the records should look like after them.
enum Transformed {
    /// The pseudonym key the tests use (from the environment, as a job would).
    static let key = "test-pseudonym-key-0123456789abcdef"

    /// An Ada v2 job for the sandbox's whole dataset into `sinks`, with `transforms`.
    static func job(_ sandbox: VendorSandbox, sinks: String, transforms: String, pageSize: Int = 200) -> String {
        let base = adaJob(sandbox, pageSize: pageSize, sinks: sinks)
        return String(base.dropLast()) + #", "transforms": \#(transforms)}"#
    }

    /// HMAC-SHA-256 of each value under `key` in hex, computed by Python's `hmac`, not by chat-export.
    static func independentHMAC(_ values: Set<String>, key: String = key) throws -> [String: String] {
        let ordered = values.sorted()
        let script = """
            import hashlib, hmac, json, sys
            values = json.loads(sys.stdin.read())
            print(json.dumps([hmac.new(sys.argv[1].encode(), v.encode(), hashlib.sha256).hexdigest() for v in values]))
            """
        let input = JSONValue.array(ordered.map(JSONValue.string)).serialized(pretty: false)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, key]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, case .array(let codes) = try JSONValue.parse(Array(output)) else {
            throw ChatExportError(.failure, "python3 hmac failed")
        }
        return Dictionary(uniqueKeysWithValues: zip(ordered, codes.map { $0.stringValue ?? "" }))
    }

    /// `json` with the string value of top-level `field` replaced by `replacement` (raw text
    /// without quotes), the rest untouched.
    static func replacing(_ field: String, in json: String, with replacement: (String) -> String) -> String {
        guard let value = (try? JSONValue.parse(json))?[field]?.stringValue else { return json }
        let old = "\"\(field)\":" + JSONValue.quoted(value)
        return json.replacingOccurrences(of: old, with: "\"\(field)\":\"" + replacement(value) + "\"")
    }

    /// `json` without the member whose exact text is `member` (and the comma that joined it).
    static func removing(_ member: String, from json: String) -> String {
        if json.contains("," + member) { return json.replacingOccurrences(of: "," + member, with: "") }
        return json.replacingOccurrences(of: member + ",", with: "")
    }
}

@Suite("Transforms through the binary", .serialized)
struct TransformTests {
    /// Message texts with personal data, and what redaction makes of them.
    static let texts: [(String, String)] = [
        ("call me at +44 20 7946 0958 or jane.doe@example.com", "call me at [REDACTED:phone] or [REDACTED:email]"),
        ("nothing personal here, order #123456789", "nothing personal here, order #123456789"),
        ("card 4111 1111 1111 1111 \"quoted\"\nnext line", "card [REDACTED:payment_card] \"quoted\"\nnext line"),
        ("IBAN DE89 3704 0044 0532 0130 00 — danke", "IBAN [REDACTED:iban] — danke"),
    ]

    static func sandbox(conversations: Int = 24) throws -> VendorSandbox {
        var settings = SandboxSettings()
        settings.conversations = conversations
        settings.messagesPerConversation = 4
        settings.messageTexts = texts.map(\.0)
        return try VendorSandbox(settings: settings)
    }

    static let transforms = """
        [{"type": "redact", "streams": ["messages"]},
         {"type": "pseudonymize", "paths": ["chatter_id", "end_user_id"], "key": "${PSEUDONYM_KEY}"},
         {"type": "drop", "paths": ["variables.note", "metavariables"], "streams": ["conversations"]}]
        """

    /// What every sink must hold: each vendor record with the body redacted, the identifiers
    /// replaced by their HMAC computed independently, the fields dropped, and every other byte as sent.
    static func expected(_ sandbox: VendorSandbox) throws -> [String: [String: String]] {
        let dataset = sandbox.dataset
        var values = Set<String>()
        for conversation in dataset.adaConversations {
            let json = try JSONValue.parse(conversation.json)
            for field in ["chatter_id", "end_user_id"] { if let value = json[field]?.stringValue { values.insert(value) } }
        }
        for message in dataset.adaMessages {
            if let value = try JSONValue.parse(message.json)["chatter_id"]?.stringValue { values.insert(value) }
        }
        let codes = try Transformed.independentHMAC(values)
        let redacted = Dictionary(uniqueKeysWithValues: texts)
        var messages: [String: String] = [:]
        for message in dataset.adaMessages {
            var json = String(decoding: message.json, as: UTF8.self)
            let body = try JSONValue.parse(json)["message_data"]?["body"]?.stringValue ?? ""
            json = json.replacingOccurrences(
                of: "\"body\":" + JSONValue.quoted(body), with: "\"body\":" + JSONValue.quoted(redacted[body] ?? body))
            messages[message.id] = Transformed.replacing("chatter_id", in: json) { codes[$0] ?? "" }
        }
        var conversations: [String: String] = [:]
        for conversation in dataset.adaConversations {
            var json = String(decoding: conversation.json, as: UTF8.self)
            let parsed = try JSONValue.parse(json)
            json = Transformed.removing("\"note\":" + (parsed["variables"]?["note"]?.jsonText ?? ""), from: json)
            json = Transformed.removing("\"metavariables\":" + (parsed["metavariables"]?.jsonText ?? ""), from: json)
            for field in ["chatter_id", "end_user_id"] { json = Transformed.replacing(field, in: json) { codes[$0] ?? "" } }
            conversations[conversation.id] = json
        }
        return ["messages": messages, "conversations": conversations]
    }

    @Test("redact, pseudonymize and drop reach stdout, files and SQLite alike, every other byte as the vendor sent it")
    func everySink() throws {
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            Transformed.job(
                sandbox, sinks: #"[{"type": "stdout"}, {"type": "files", "dir": "out"}, {"type": "sqlite", "path": "out/db.sqlite"}]"#,
                transforms: Self.transforms))
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"], environment: ["PSEUDONYM_KEY": Transformed.key])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let expected = try Self.expected(sandbox)
        #expect(expected["messages"]?.values.contains { $0.contains("[REDACTED:payment_card]") } == true)

        var stdout: [String: [String: String]] = [:]
        for line in outcome.stdout.split(separator: "\n") {
            let stream = try JSONValue.parse(String(line))["stream"]?.stringValue ?? ""
            let prefix = #"{"stream":"\#(stream)","record":"#
            let record = String(line.dropFirst(prefix.count).dropLast())
            stdout[stream, default: [:]][try JSONValue.parse(record)["_id"]?.stringValue ?? ""] = record
        }
        #expect(stdout == expected, "stdout")
        for stream in ["messages", "conversations"] {
            var files: [String: String] = [:]
            for part in FilesSink.publishedParts(directory: directory.path + "/out", stream: stream) {
                for line in try String(contentsOfFile: part, encoding: .utf8).split(separator: "\n") {
                    files[try JSONValue.parse(String(line))["_id"]?.stringValue ?? ""] = String(line)
                }
            }
            #expect(files == expected[stream], "files \(stream)")
            #expect(try SQLiteRows.ids(directory.path + "/out/db.sqlite", table: stream) == expected[stream], "sqlite \(stream)")
        }
        // The key is a secret: never in a log line or the checkpoint.
        #expect(!outcome.stderr.contains(Transformed.key))
        let state = try #require(
            try CLIHarness.run(["state", "show", file, "--json"], environment: ["PSEUDONYM_KEY": Transformed.key]).stdout.nilIfEmpty)
        #expect(!state.contains(Transformed.key))
        #expect(state.contains("redact, pseudonymize #"), "the checkpoint records the transforms of messages")
        #expect(state.contains("pseudonymize, drop #"), "and of conversations")
    }

    @Test(
        "transforms reach PostgreSQL too, byte for byte", .enabled(if: PostgresServer.unavailableReason == nil, TestPostgres.reason))
    func postgres() throws {
        let (server, database, url) = try TestPostgres.database()
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", Transformed.job(sandbox, sinks: #"[{"type": "postgres", "url": "\#(url)"}]"#, transforms: Self.transforms))
        var environment = TestPostgres.environment(server)
        environment["PSEUDONYM_KEY"] = Transformed.key
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"], environment: environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let expected = try Self.expected(sandbox)
        for stream in ["messages", "conversations"] {
            #expect(try TestPostgres.rows(server, database, table: "public." + stream) == expected[stream], "\(stream)")
        }
    }

    @Test("validate refuses transforms that touch an id, cursor or parent, with the JSON path of each")
    func refusesIdentifiers() throws {
        let sandbox = try Self.sandbox(conversations: 2)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            Transformed.job(
                sandbox, sinks: #"[{"type": "files", "dir": "out"}]"#,
                transforms: #"""
                    [{"type": "drop", "paths": ["text", "conversation_id"], "streams": ["messages"]},
                     {"type": "pseudonymize", "paths": ["_id"], "key": "short-key"},
                     {"type": "redcat"},
                     {"type": "redact", "streams": ["conversation"]},
                     {"type": "redact", "detect": ["email", "passport"]}]
                    """#))
        let outcome = try CLIHarness.run(["validate", file])
        #expect(outcome.status == 78)
        let lines = outcome.stderr
        #expect(lines.contains("transforms[0].paths[1]: \"conversation_id\" is the parent id of stream messages"), "\(lines)")
        #expect(!lines.contains("transforms[0].paths[0]"))
        #expect(lines.contains("transforms[1].key: the key is 9 characters long"), "\(lines)")
        #expect(lines.contains("transforms[2].type: unknown type \"redcat\"; did you mean \"redact\"?"), "\(lines)")
        #expect(
            lines.contains("transforms[3].streams[0]: \"conversation\" is not a stream of this job; did you mean \"conversations\"?"),
            "\(lines)")
        #expect(lines.contains("transforms[4].detect[1]: expected one of"), "\(lines)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"), "nothing ran")

        // The id is refused for pseudonymize too, and the cursor for redact.
        let second = try directory.write(
            "second.json",
            Transformed.job(
                sandbox, sinks: #"[{"type": "files", "dir": "out"}]"#,
                transforms:
                    #"[{"type": "pseudonymize", "paths": ["_id"], "key": "${PSEUDONYM_KEY}"}, {"type": "redact", "paths": ["date_created"]}]"#
            ))
        let refused = try CLIHarness.run(["validate", second], environment: ["PSEUDONYM_KEY": Transformed.key])
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("transforms[0].paths[0]: \"_id\" is the id of stream conversations"), "\(refused.stderr)")
        #expect(refused.stderr.contains("transforms[1].paths[0]: \"date_created\" is the cursor of stream messages"), "\(refused.stderr)")
    }

    @Test("changed transforms are refused like a changed source, with the way out; a full refresh applies the new ones")
    func changedTransforms() throws {
        let sandbox = try Self.sandbox(conversations: 6)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let sinks = #"[{"type": "files", "dir": "out"}]"#
        let file = try directory.write("job.json", Transformed.job(sandbox, sinks: sinks, transforms: #"[{"type": "redact"}]"#))
        #expect(try CLIHarness.run(["run", file, "--progress", "off"]).status == 0)
        // Another key, other kinds, or none: each would mix records transformed two ways.
        for changed in [#"[{"type": "redact", "detect": ["email"]}]"#, #"[]"#] {
            _ = try directory.write("job.json", Transformed.job(sandbox, sinks: sinks, transforms: changed))
            let refused = try CLIHarness.run(["run", file, "--progress", "off"])
            #expect(refused.status == 78)
            #expect(refused.stderr.contains("were made with other transforms (stored \"redact #"), "\(refused.stderr)")
            #expect(refused.stderr.contains("--full-refresh"), "the way out")
        }
        _ = try directory.write(
            "job.json", Transformed.job(sandbox, sinks: sinks, transforms: #"[{"type": "redact", "detect": ["email"]}]"#))
        let refreshed = try CLIHarness.run(["run", file, "--progress", "off", "--full-refresh"])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        let lines = try FilesSink.publishedParts(directory: directory.path + "/out", stream: "messages").flatMap {
            try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n")
        }
        #expect(lines.count == sandbox.dataset.adaMessages.count)
        #expect(lines.contains { $0.contains("+44 20 7946 0958") } && lines.contains { $0.contains("[REDACTED:email]") })
        #expect(try CLIHarness.run(["run", file, "--progress", "off"]).status == 0, "then runs resume")
    }

    @Test("a dry run shows records as the sinks would get them")
    func dryRun() throws {
        let sandbox = try Self.sandbox(conversations: 4)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", Transformed.job(sandbox, sinks: #"[{"type": "files", "dir": "out"}]"#, transforms: #"[{"type": "redact"}]"#))
        let outcome = try CLIHarness.run(["run", file, "--dry-run", "--limit", "100", "--stream", "messages"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("[REDACTED:phone]") && !outcome.stdout.contains("7946 0958"))
    }

    @Test("on the labelled corpus, every kind keeps the precision and recall the README states")
    func corpus() throws {
        let cases = PrivacyCorpus.cases()
        var byText: [String: PrivacyCorpus.Case] = [:]
        for item in cases where byText[item.text] == nil { byText[item.text] = item }
        var settings = SandboxSettings()
        settings.conversations = cases.count / 2
        settings.messagesPerConversation = 4
        settings.messageTexts = cases.map(\.text)
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            Transformed.job(sandbox, sinks: #"[{"type": "files", "dir": "out"}]"#, transforms: #"[{"type": "redact"}]"#, pageSize: 1000))
        let outcome = try CLIHarness.run(["run", file, "--progress", "off", "--stream", "messages"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        var originals: [String: String] = [:]
        for message in sandbox.dataset.adaMessages {
            originals[message.id] = try JSONValue.parse(message.json)["message_data"]?["body"]?.stringValue
        }
        var results: [(PrivacyCorpus.Case, String)] = []
        var seen = Set<String>()
        for part in FilesSink.publishedParts(directory: directory.path + "/out", stream: "messages") {
            for line in try String(contentsOfFile: part, encoding: .utf8).split(separator: "\n") {
                let record = try JSONValue.parse(String(line))
                let id = record["_id"]?.stringValue ?? ""
                guard let original = originals[id], let item = byText[original], seen.insert(original).inserted else { continue }
                results.append((item, record["message_data"]?["body"]?.stringValue ?? ""))
            }
        }
        #expect(results.count == byText.count, "every labelled text went through the binary")
        let (scores, unreadable) = PrivacyCorpus.score(results)
        #expect(unreadable.isEmpty)
        for kind in PrivacyCorpus.kinds {
            let score = try #require(scores[kind])
            print("corpus through chat-export run: \(kind): \(score)")
            #expect(score.truePositives + score.falseNegatives >= 250, "\(kind): hundreds of labelled cases")
            #expect(score.precision >= 0.99, "\(kind): \(score)")
            #expect(score.recall >= 0.88, "\(kind): \(score)")
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
