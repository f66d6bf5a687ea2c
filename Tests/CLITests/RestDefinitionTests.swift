import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import RestConnector
import Testing
import VendorSandbox

@testable import chat_export

@Suite("Connector definitions (\"type\": \"rest\") through the binary and against made-up vendors")
struct RestDefinitionTests {
    /// A job for a built-in definition against the sandbox, into SQLite.
    func builtInJob(_ definition: String, _ sandbox: VendorSandbox) -> String {
        let range = #""start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())""#
        let credential =
            definition == "deepconverse"
            ? #""api_key": "\#(sandbox.settings.deepConverseKey)", "bot_name": "\#(sandbox.settings.botName)", "per_page": 200"#
            : #""token": "\#(sandbox.settings.adaToken)", "page_size": 200"#
        return
            #"{"source": {"type": "rest", "definition": "\#(definition)", "base_url": "\#(sandbox.baseURL)", \#(credential), \#(range), "max_retry_delay": "1s", "rate_limits": {"per_endpoint_per_second": 40, "per_minute": 0}}, "sinks": [{"type": "sqlite", "path": "out/db.sqlite"}]}"#
    }

    @Test(
        "each built-in definition exports exactly under 5xx, 429 and cut-off bodies, and after kill -9 at random instants",
        arguments: ["ada-v2", "ada-v1.4", "deepconverse"])
    func builtIns(definition: String) throws {
        var settings = SandboxSettings()
        settings.conversations = 400
        settings.messagesPerConversation = 6
        settings.errorRate = 0.1
        settings.truncateRate = 0.05
        settings.throttleRate = 0.05
        settings.retryAfter = 0
        settings.latency = 0.005
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", builtInJob(definition, sandbox))
        // Random faults depend on request targets; one 503 and one 429 up front make sure both are met.
        let messagesPath =
            ["ada-v2": "/api/v2/export/messages", "ada-v1.4": "/data_api/v1.4/messages"][definition] ?? "/conversations/export/v1/messages"
        sandbox.script(
            messagesPath, [.json(503, Array(#"{"message":"unavailable"}"#.utf8)), .json(429, Array(#"{"message":"slow down"}"#.utf8))])
        _ = try CLIHarness.killRuns(of: file, times: 4, after: 0.05...0.4)
        let final = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(final.status == 0, "\(final.stderr)")
        for secret in [settings.adaToken, settings.deepConverseKey] { #expect(!final.stderr.contains(secret)) }
        let database = directory.path + "/out/db.sqlite"
        let dataset = sandbox.dataset
        let (conversations, messages) =
            definition == "deepconverse"
            ? (dataset.deepConverseConversations.map { ($0.id, $0.json) }, dataset.deepConverseMessages.map { ($0.id, $0.json) })
            : (dataset.adaConversations.map { ($0.id, $0.json) }, dataset.adaMessages.map { ($0.id, $0.json) })
        #expect(
            try SQLiteRows.ids(database, table: "messages")
                == Dictionary(uniqueKeysWithValues: messages.map { ($0, String(decoding: $1, as: UTF8.self)) }))
        #expect(
            try SQLiteRows.ids(database, table: "conversations")
                == Dictionary(uniqueKeysWithValues: conversations.map { ($0, String(decoding: $1, as: UTF8.self)) }))
        #expect(sandbox.requests.contains { $0.status == 429 } && sandbox.requests.contains { $0.status >= 500 })
        let again = try CLIHarness.run(["run", file, "--progress", "off", "--log-format", "json"])
        #expect(again.status == 0)
        #expect(again.stderr.contains(#""records":0"#), "a re-run finds nothing new: \(again.stderr)")
    }

    @Test("the scaffold of new-connector is a working connector: a made-up vendor exported exactly, under faults and kill -9")
    func madeUpVendor() throws {
        let acme = try AcmeServer()
        defer { acme.stop() }
        acme.faultEvery = 7
        acme.latency = 0.01
        let directory = TemporaryDirectory()
        let scaffold = try CLIHarness.run(["new-connector", "acme", "--dir", directory.path])
        #expect(scaffold.status == 0, "\(scaffold.stderr)")
        #expect(try CLIHarness.run(["new-connector", "acme", "--dir", directory.path]).status == 78, "never overwrites")
        // Point the scaffolded job at the fake vendor and its range.
        let jobPath = directory.path + "/acme-job.json"
        var job = try String(contentsOfFile: jobPath, encoding: .utf8)
        job = job.replacingOccurrences(of: "https://api.acme.example", with: acme.baseURL)
            .replacingOccurrences(
                of: #""start": "2026-01-01T00:00:00Z""#,
                with:
                    #""start": "2026-03-01T00:00:00Z", "end": "2026-03-20T00:00:00Z", "page_size": 50, "max_retry_delay": "1s", "rate_limits": {"per_endpoint_per_second": 100, "per_minute": 0}"#
            )
        try job.write(toFile: jobPath, atomically: true, encoding: .utf8)
        let environment = ["ACME_TOKEN": acme.token]
        let validated = try CLIHarness.run(["validate", jobPath], environment: environment)
        #expect(validated.status == 0, "\(validated.stderr)")
        #expect(validated.stdout.contains("source rest (definition acme.json)"))
        let checked = try CLIHarness.run(["check", jobPath], environment: environment)
        #expect(checked.status == 0, "\(checked.stderr)")
        let wrong = try CLIHarness.run(["run", jobPath, "--progress", "off"], environment: ["ACME_TOKEN": "nope"])
        #expect(wrong.status == 77, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("unknown token"), "the vendor's message, read from error.message: \(wrong.stderr)")
        for _ in 0..<4 {
            let running = try CLIHarness.start(["run", jobPath, "--progress", "off"], environment: environment)
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.3))
            running.signal(SIGKILL)
            _ = running.wait()
        }
        let final = try CLIHarness.run(["run", jobPath, "--progress", "off"], environment: environment)
        #expect(final.status == 0, "\(final.stderr)")
        let database = directory.path + "/out/acme.sqlite"
        #expect(
            try SQLiteRows.ids(database, table: "conversations")
                == Dictionary(uniqueKeysWithValues: acme.conversations.map { ($0.id, $0.json) }))
        #expect(try SQLiteRows.ids(database, table: "messages") == Dictionary(uniqueKeysWithValues: acme.messages.map { ($0.id, $0.json) }))
        // Every request carried both bounds; messages' inclusive end was sent one microsecond early.
        for request in acme.requests {
            let bounds = request.path == "/v1/conversations" ? ["updated_after", "updated_before"] : ["sent_after", "sent_before"]
            #expect(bounds.allSatisfy { request.query[$0] != nil }, "\(request)")
            // (Windows of the range end on whole seconds; `check` asks for the last day before now.)
            if let before = request.query["sent_before"], let time = Timestamp(iso8601: before), time <= acme.end {
                #expect(before.hasSuffix(".999999Z"), "\(before)")
            }
        }
    }

    /// A definition file in a temporary directory, for the rails tests.
    func railsSource(_ acme: AcmeServer, paging: String, auth: String = #"{"type": "bearer", "option": "token"}"#) throws -> (
        RestSource, TemporaryDirectory
    ) {
        let directory = TemporaryDirectory()
        _ = try directory.write(
            "rails.json",
            #"""
            {"name": "rails", "options": [{"name": "base_url", "type": "url", "required": true}, {"name": "token", "type": "secret", "required": true},
              {"name": "start", "type": "timestamp", "required": true}, {"name": "end", "type": "timestamp"},
              {"name": "window_days", "type": "number", "default": 30}, {"name": "page_size", "type": "integer", "default": 50}],
             "base_url": "{base_url}", "auth": \#(auth), "range": {"start": "start", "end": "end", "window_days": "window_days"},
             "streams": [{"name": "messages", "path": "/v1/messages", "records": ["messages"], "id": "id",
               "cursor": {"field": "sent_at"}, "bounds": {"start": "sent_after", "end": "sent_before", "end_inclusive": true},
               "paging": \#(paging), "page_size": {"parameter": "limit", "option": "page_size"}}]}
            """#)
        let config: JSONValue = .object([
            ("type", .string("rest")), ("definition", .string("rails.json")), ("base_url", .string(acme.baseURL)),
            ("token", .string(acme.token)), ("max_attempts", .number("2")), ("max_retry_delay", .number("0.01")),
            ("start", .string(acme.start.iso8601())), ("end", .string(acme.end.iso8601())),
        ])
        return (try RestSource.make(config: config, baseDirectory: directory.path), directory)
    }

    @Test(
        "rails no definition can switch off: a link to another origin, a repeated cursor, a missing cursor are errors; a query credential is never stored"
    )
    func rails() async throws {
        let acme = try AcmeServer(conversations: 300)
        defer { acme.stop() }
        // The vendor's next link leaves the configured origin: refused, the token not sent.
        let other = try AcmeServer(conversations: 1)
        defer { other.stop() }
        let scripted = try VendorSandbox()
        defer { scripted.stop() }
        let definitions = TemporaryDirectory()
        /// A source of a one-stream definition with `paging` against the scripted sandbox, two attempts per request.
        func scriptedSource(paging: String) throws -> RestSource {
            try RestSource.make(
                config: .object([
                    ("type", .string("rest")), ("definition", .string(try definitionFile(paging: paging, in: definitions))),
                    ("base_url", .string(scripted.baseURL)), ("token", .string("scripted-token-0123")), ("max_attempts", .number("2")),
                    ("max_retry_delay", .number("0.01")),
                ]))
        }
        scripted.script(
            "/v1/messages",
            [
                .json(
                    200,
                    Array(
                        #"{"messages":[{"id":"a","sent_at":"2026-11-20T00:00:00Z"}],"next":"\#(other.baseURL)/v1/messages?cursor=2"}"#.utf8)
                )
            ])
        let leaving = try scriptedSource(paging: #"{"type": "next_link", "next_link": ["next"]}"#)
        let refused = await #expect(throws: ChatExportError.self) {
            try await collectRecords(leaving)
        }
        #expect(
            refused?.message.contains("refusing to send credentials to \(other.baseURL)") == true
        )
        #expect(other.requests.isEmpty)

        // The same cursor twice: an error, not a loop.
        scripted.script(
            "/v1/messages",
            [
                .json(200, Array(#"{"messages":[{"id":"a","sent_at":"2026-11-20T00:00:00Z"}],"next_cursor":"same"}"#.utf8)),
                .json(200, Array(#"{"messages":[{"id":"b","sent_at":"2026-11-20T00:00:01Z"}],"next_cursor":"same"}"#.utf8)),
                .json(200, Array(#"{"messages":[{"id":"b","sent_at":"2026-11-20T00:00:01Z"}],"next_cursor":"same"}"#.utf8)),
            ])
        let looping = try scriptedSource(paging: #"{"type": "cursor", "cursor": ["next_cursor"], "parameter": "cursor"}"#)
        let loop = await #expect(throws: ChatExportError.self) {
            try await collectRecords(looping)
        }
        #expect(loop?.message.contains("returned the cursor it was given") == true, "\(loop?.message ?? "")")

        // A page without its cursor key: an error (it might be the middle of the data).
        scripted.script(
            "/v1/messages", [.json(200, Array(#"{"messages":[{"id":"a","sent_at":"2026-11-20T00:00:00Z"}]}"#.utf8))])
        scripted.script(
            "/v1/messages", [.json(200, Array(#"{"messages":[{"id":"a","sent_at":"2026-11-20T00:00:00Z"}]}"#.utf8))])
        let missing = await #expect(throws: ChatExportError.self) {
            try await collectRecords(looping)
        }
        #expect(missing?.message.contains("no \"next_cursor\"") == true, "\(missing?.message ?? "")")

        // A full page without its next link: an error, never a silent one-page run; null ends it.
        let linking = try scriptedSource(paging: #"{"type": "next_link", "next_link": ["next"]}"#)
        let full = #"{"messages":[{"id":"a","sent_at":"2026-11-20T00:00:00Z"}]}"#
        scripted.script("/v1/messages", [.json(200, Array(full.utf8)), .json(200, Array(full.utf8))])
        let silent = await #expect(throws: ChatExportError.self) {
            try await collectRecords(linking)
        }
        #expect(silent?.message.contains("the page is full (1 records) but has no \"next\"") == true, "\(silent?.message ?? "")")
        scripted.script(
            "/v1/messages", [.json(200, Array(#"{"messages":[{"id":"a","sent_at":"2026-11-20T00:00:00Z"}],"next":null}"#.utf8))])
        #expect(try await collectRecords(linking).map(\.id) == ["a"])

        // A vendor that ignores the offset hands back the same full page: an error, not a loop.
        let counting = try scriptedSource(paging: #"{"type": "offset", "parameter": "offset"}"#)
        scripted.script("/v1/messages", Array(repeating: .json(200, Array(full.utf8)), count: 3))
        let ignored = await #expect(throws: ChatExportError.self) { try await collectRecords(counting) }
        #expect(ignored?.message.contains("sent the previous page's 1 records again") == true, "\(ignored?.message ?? "")")

        // A query-parameter credential that the vendor echoes in its next links: sent, read,
        // never stored in a checkpoint and never logged.
        acme.queryToken = true
        let (querying, _) = try railsSource(
            acme, paging: #"{"type": "next_link", "next_link": ["next"]}"#,
            auth: #"{"type": "query", "name": "api_key", "option": "token"}"#)
        let store = InMemoryCheckpointStore()
        let sink = InMemorySink(failure: .write(3))
        let handler = InMemoryLogHandler()
        let logger = ExportLogger(level: .trace, handler: handler)
        await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: querying, sinks: [sink], checkpoints: store, logger: logger).run()
        }
        let stored = try await store.load()["messages"]
        #expect(stored != nil)
        #expect(!(stored?.checkpoint.state.serialized(pretty: false).contains(acme.token) ?? true), "the checkpoint holds no credential")
        #expect(stored?.checkpoint.state.serialized(pretty: false).contains("cursor=") == true, "it resumes from the vendor's link")
        let resumed = InMemorySink()
        try await JobRunner(source: querying, sinks: [resumed], checkpoints: store, logger: logger).run()
        #expect(Set((sink.written + resumed.written).map(\.id)) == Set(acme.messages.map(\.id)))
        #expect(acme.requests.allSatisfy { $0.query["api_key"] == acme.token }, "every request carried the credential")
        #expect(!handler.text.contains(acme.token))
    }

    /// A one-stream definition with `paging`, written to a temporary file; returns its path.
    func definitionFile(paging: String, in directory: TemporaryDirectory) throws -> String {
        try directory.write(
            "scripted.json",
            #"""
            {"name": "scripted", "options": [{"name": "base_url", "type": "url", "required": true}, {"name": "token", "type": "secret", "required": true},
              {"name": "window_days", "type": "number", "default": 400}, {"name": "page_size", "type": "integer", "default": 1},
              {"name": "windows", "type": "integer", "default": 1}],
             "base_url": "{base_url}", "auth": {"type": "bearer", "option": "token"},
             "range": {"window_days": "window_days", "max_concurrent_windows": "windows", "retention_days": 2},
             "streams": [{"name": "messages", "path": "/v1/messages", "records": ["messages"], "id": "id", "cursor": {"field": "sent_at"},
               "bounds": {"start": "sent_after", "end": "sent_before"}, "paging": \#(paging), "page_size": {"parameter": "limit", "option": "page_size"}}]}
            """#)
    }

    @Test("a broken definition is a config error naming its file and JSON path, with a did-you-mean; spec prints the format's schema")
    func validation() throws {
        let directory = TemporaryDirectory()
        _ = try directory.write(
            "bad.json",
            #"""
            {"name": "bad", "options": [{"name": "token", "type": "secret", "required": true}, {"name": "lag", "type": "duraton"}],
             "base_url": "https://x.example", "auth": {"type": "bearer", "option": "tokn"}, "range": {"window_days": "days"},
             "streams": [{"name": "s", "path": "/s", "records": ["data"], "cursor": {"field": "t"}, "bounds": {"start": "a", "end": "b"},
               "paging": {"type": "offset", "parameter": "o"}, "pagesize": 1}]}
            """#)
        let job = try directory.write(
            "job.json", #"{"source": {"type": "rest", "definition": "bad.json", "token": "x"}, "sinks": [{"type": "stdout"}]}"#)
        let result = try CLIHarness.run(["validate", job])
        #expect(result.status == 78)
        for expected in [
            #"bad.json:options[1].type: unknown value "duraton"; did you mean "duration"?"#,
            #"bad.json:auth.option: no option named "tokn"; did you mean "token"?"#,
            #"bad.json:streams[0].pagesize: unknown key; did you mean "page_size"?"#,
            "bad.json:streams[0].page_size: this paging needs page_size",
            #"bad.json:range.window_days: no option named "days""#,
        ] {
            #expect(result.stderr.contains(expected), "\(expected)\n\(result.stderr)")
        }
        let unknown = try directory.write(
            "unknown.json", #"{"source": {"type": "rest", "definition": "ada-v3"}, "sinks": [{"type": "stdout"}]}"#)
        let named = try CLIHarness.run(["validate", unknown])
        #expect(named.status == 78)
        #expect(named.stderr.contains(#"source.definition: no built-in definition "ada-v3"; did you mean "ada-v2"?"#), "\(named.stderr)")
        let option = try directory.write(
            "option.json",
            #"{"source": {"type": "rest", "definition": "ada-v2", "base_url": "https://a.ada.support", "token": "t", "page_sise": 100}, "sinks": [{"type": "stdout"}]}"#
        )
        let typo = try CLIHarness.run(["validate", option])
        #expect(typo.stderr.contains(#"source.page_sise: unknown key for "rest"; did you mean "page_size"?"#), "\(typo.stderr)")
        let spec = try CLIHarness.run(["spec", "rest-definition"])
        #expect(spec.status == 0)
        let schema = try JSONValue.parse(spec.stdout)
        #expect(schema["properties"]?["streams"]?["items"]?["properties"]?["paging"] != nil)
        // The schema's keys are the parser's.
        let keys = Set(schema["properties"]?.objectValue?.map(\.key) ?? [])
        #expect(
            keys == [
                "$schema", "name", "title", "summary", "documentation", "options", "base_url", "auth", "rate_limits", "errors", "range",
                "bot", "streams",
            ])
    }

    @Test("the README's worked example is what new-connector writes, and its job is the README's")
    func readmeExample() throws {
        let readme = try String(
            contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").path,
            encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## A vendor without Swift").dropFirst().first)
        let blocks = section.components(separatedBy: "```json\n").dropFirst().map { $0.components(separatedBy: "\n```").first ?? "" }
        try #require(blocks.count >= 2)
        let directory = TemporaryDirectory()
        #expect(try CLIHarness.run(["new-connector", "acme", "--dir", directory.path]).status == 0)
        let written = try String(contentsOfFile: directory.path + "/acme.json", encoding: .utf8)
        #expect(blocks[1] + "\n" == written)
        let job = try JSONValue.parse(Array(blocks[0].utf8))
        let scaffolded = try JSONValue.parse(Array(try String(contentsOfFile: directory.path + "/acme-job.json", encoding: .utf8).utf8))
        #expect(job == scaffolded)
    }

    @Test("page-number paging and basic auth from the scaffold's definition; a status the definition lists as credentials exits 77")
    func pagesAndBasicAuth() async throws {
        let acme = try AcmeServer(conversations: 250)
        defer { acme.stop() }
        acme.basicUser = "exporter"
        let directory = TemporaryDirectory()
        var definition = NewConnectorCommand.definition(name: "acme")
        definition = definition.replacingOccurrences(
            of: #""paging": {"type": "offset", "parameter": "offset"}"#,
            with: #""paging": {"type": "page", "parameter": "page", "first": 1}"#)
        definition = definition.replacingOccurrences(
            of: #""auth": {"type": "bearer", "option": "api_token"}"#,
            with: #""auth": {"type": "basic", "user_option": "user", "password_option": "api_token"}, "errors": {"credentials": [402]}"#)
        definition = definition.replacingOccurrences(
            of: #""errors": {"message": [["error", "message"]], "config": {"422": "acme refused the request's parameters"}},"#, with: "")
        definition = definition.replacingOccurrences(
            of: #"{"name": "base_url", "type": "url", "required": true, "summary": "The API's base URL."},"#,
            with:
                #"{"name": "base_url", "type": "url", "required": true, "summary": "The API's base URL."}, {"name": "user", "type": "string", "required": true},"#
        )
        _ = try directory.write("acme.json", definition)
        func source(_ base: String, token: String) throws -> RestSource {
            try RestSource.make(
                config: .object([
                    ("type", .string("rest")), ("definition", .string("acme.json")), ("base_url", .string(base)),
                    ("user", .string("exporter")),
                    ("api_token", .string(token)), ("start", .string(acme.start.iso8601())), ("end", .string(acme.end.iso8601())),
                    ("page_size", .number("40")), ("streams", .array([.string("conversations")])),
                    ("rate_limits", .object([("per_endpoint_per_second", .number("100")), ("per_minute", .number("0"))])),
                ]), baseDirectory: directory.path)
        }
        let written = try await collectRecords(try source(acme.baseURL, token: acme.token))
        #expect(written.count == acme.conversations.count)
        #expect(
            Dictionary(uniqueKeysWithValues: written.map { ($0.id, String(decoding: $0.json, as: UTF8.self)) })
                == Dictionary(uniqueKeysWithValues: acme.conversations.map { ($0.id, $0.json) }))
        #expect(acme.requests.contains { $0.query["page"] == "2" })
        #expect(!acme.requests.contains { $0.query["offset"] != nil })
        let scripted = try VendorSandbox()
        defer { scripted.stop() }
        // Every window's first request is refused alike: which window answers first must not matter.
        scripted.script("/v1/conversations", Array(repeating: .json(402, Array(#"{"message":"account suspended"}"#.utf8)), count: 64))
        let refused = await #expect(throws: ChatExportError.self) {
            try await collectRecords(try source(scripted.baseURL, token: "a-token-0123"))
        }
        #expect(refused?.code == .credentialsRejected)
        #expect(refused?.message.contains("account suspended") == true, "\(refused?.message ?? "")")
    }

    func collectRecords(_ source: any Source) async throws -> [Record] {
        let sink = InMemorySink()
        try await JobRunner(source: source, sinks: [sink], checkpoints: InMemoryCheckpointStore(), logger: .disabled).run()
        return sink.written
    }

    @Test("id, cursor and parent may sit in nested objects; their paths become the descriptor's dotted fields")
    func nestedFields() async throws {
        let scripted = try VendorSandbox()
        defer { scripted.stop() }
        let records = [
            #"{"meta":{"id":"m1","at":"2026-11-20T10:00:00Z"},"thread":{"id":"c1"},"text":"a"}"#,
            #"{"meta":{"id":"m2","at":1763632800},"thread":{"id":"c1"},"text":"b"}"#,
        ]
        scripted.script("/v1/messages", [.json(200, Array(#"{"messages":[\#(records.joined(separator: ","))],"next_cursor":null}"#.utf8))])
        let directory = TemporaryDirectory()
        _ = try directory.write(
            "nested.json",
            #"""
            {"name": "nested", "options": [{"name": "base_url", "type": "url", "required": true}, {"name": "token", "type": "secret", "required": true},
              {"name": "window_days", "type": "number", "default": 400}, {"name": "windows", "type": "integer", "default": 1}],
             "base_url": "{base_url}", "auth": {"type": "bearer", "option": "token"},
             "range": {"window_days": "window_days", "max_concurrent_windows": "windows", "retention_days": 2},
             "streams": [{"name": "messages", "path": "/v1/messages", "records": ["messages"], "id": ["meta", "id"],
               "cursor": {"field": ["meta", "at"], "column": "sent_at", "format": "epoch_or_iso8601"},
               "parent": {"field": ["thread", "id"], "column": "conversation_id"},
               "bounds": {"start": "from", "end": "to"}, "paging": {"type": "cursor", "cursor": ["next_cursor"], "parameter": "cursor"}}]}
            """#)
        let source = try RestSource.make(
            config: .object([
                ("type", .string("rest")), ("definition", .string("nested.json")), ("base_url", .string(scripted.baseURL)),
                ("token", .string("nested-token-0123")),
            ]), baseDirectory: directory.path)
        #expect(source.streams.first?.cursorField == "meta.at")
        #expect(source.streams.first?.parentField == "thread.id")
        let written = try await collectRecords(source)
        #expect(written.map(\.id) == ["m1", "m2"])
        #expect(written.map(\.parentID) == ["c1", "c1"])
        #expect(written.map(\.cursor) == [Timestamp(iso8601: "2026-11-20T10:00:00Z"), Timestamp(epochSeconds: 1_763_632_800)])
        #expect(written.map { String(decoding: $0.json, as: UTF8.self) } == records)
    }

    /// The scaffold's definition with its first role rule replaced.
    static func withRoleRule(_ rule: String) throws -> JSONValue {
        let text = NewConnectorCommand.definition(name: "acme")
        let original = #"{"path": ["author"], "equals": "bot", "role": "bot"}"#
        try #require(text.contains(original))
        return try JSONValue.parse(Array(text.replacingOccurrences(of: original, with: rule).utf8))
    }

    @Test(
        "a role rule tests its path with exactly one of equals, one_of and none_of, lists of 1 to 256 strings; anything else names the rule's JSON path",
        arguments: [
            (#"{"path": ["author"], "none_of": [], "role": "bot"}"#, "role[0].none_of: expected at least one string"),
            (#"{"path": ["author"], "one_of": [], "role": "bot"}"#, "role[0].one_of: expected at least one string"),
            (
                #"{"path": ["author"], "equals": "bot", "one_of": ["bot"], "role": "bot"}"#,
                "role[0]: a rule tests its path with exactly one of equals, one_of or none_of (given: equals, one_of)"
            ),
            (
                #"{"path": ["author"], "one_of": ["bot"], "none_of": ["x"], "role": "bot"}"#,
                "role[0]: a rule tests its path with exactly one of equals, one_of or none_of (given: one_of, none_of)"
            ),
            (
                #"{"path": ["author"], "role": "bot"}"#,
                "role[0]: a rule tests its path with exactly one of equals, one_of or none_of (none given)"
            ),
            (#"{"path": ["author"], "one_of": ["bot", 4], "role": "bot"}"#, "role[0].one_of[1]: expected a string, got a number"),
            (#"{"path": ["author"], "none_of": ["bot", null], "role": "bot"}"#, "role[0].none_of[1]: expected a string, got null"),
            (#"{"path": ["author"], "none_of": "bot", "role": "bot"}"#, "role[0].none_of: expected an array of strings, got a string"),
            (#"{"path": ["author"], "equals": ["bot"], "role": "bot"}"#, "role[0].equals: expected a string, got an array"),
            (#"{"path": ["author"], "oneof": ["bot"], "role": "bot"}"#, #"role[0].oneof: unknown key; did you mean "one_of"?"#),
            (
                #"{"path": ["author"], "one_of": [\#((0..<257).map { "\"t\($0)\"" }.joined(separator: ", "))], "role": "bot"}"#,
                "role[0].one_of: at most 256 strings, got 257"
            ),
            // What the views could not run: a NUL in SQL text, a key SQLite's JSON paths cannot address.
            (#"{"path": ["author"], "equals": "b\u0000ot", "role": "bot"}"#, "role[0].equals: contains a NUL character"),
            (#"{"path": ["author"], "one_of": ["bot", "\u0000"], "role": "bot"}"#, "role[0].one_of[1]: contains a NUL character"),
            (#"{"path": ["au\"thor"], "equals": "bot", "role": "bot"}"#, "role[0].path[0]: a key with a double quote"),
        ])
    func roleRuleChecks(rule: String, expected: String) throws {
        let definition = try Self.withRoleRule(rule)
        let error = try #require(throws: ConfigError.self) { try RestDefinition.parse(definition, source: "acme.json") }
        let path = "acme.json:streams[1].canonical.columns.role."
        #expect(error.issues.contains { $0.description.hasPrefix(path + expected) }, "\(error.issues.map(\.description))")
    }

    @Test("one_of and none_of rules parse into the model, beside equals")
    func roleRuleKinds() throws {
        let definition = try RestDefinition.parse(
            try Self.withRoleRule(
                #"{"path": ["author"], "one_of": ["bot", "assistant"], "role": "bot"}, {"path": ["kind"], "none_of": ["chat"], "role": "system"}"#
            ),
            source: "acme.json")
        let role = definition.streams.first { $0.name == "messages" }?.canonical?.values["role"]
        #expect(
            role
                == .role(
                    rules: [
                        .init(["author"], .oneOf(["bot", "assistant"]), role: "bot"), .init(["kind"], .noneOf(["chat"]), role: "system"),
                        .init(["author"], equals: "customer", role: "user"),
                    ], otherwise: "agent"))
    }
}
