import CSQLite
import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// The README's conversation-model queries, as written (the ```sql block after "One conversation model").
func readmeModelQueries() throws -> [String] {
    let readme = try String(
        contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").path,
        encoding: .utf8)
    let section = try #require(readme.range(of: "**One conversation model across vendors.**"))
    let block = try #require(readme[section.upperBound...].range(of: "```sql\n"))
    let end = try #require(readme[block.upperBound...].range(of: "```"))
    return readme[block.upperBound..<end.lowerBound].components(separatedBy: ";")
        .map {
            $0.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        .filter { !$0.isEmpty }
}

/// Rows of a query as text, with a connection of the test's own.
func sqliteQuery(_ path: String, _ sql: String) throws -> [[String?]] {
    var db: OpaquePointer?
    guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { throw ChatExportError(.failure, "cannot open \(path)") }
    defer { sqlite3_close_v2(db) }
    var statement: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
        throw ChatExportError(.failure, "\(String(cString: sqlite3_errmsg(db))) in: \(sql)")
    }
    defer { sqlite3_finalize(statement) }
    var rows: [[String?]] = []
    while sqlite3_step(statement) == SQLITE_ROW {
        rows.append((0..<sqlite3_column_count(statement)).map { sqlite3_column_text(statement, $0).map { String(cString: $0) } })
    }
    return rows
}

@Suite("One conversation model")
struct ConversationModelTests {
    @Test(
        "after the demo, chat_messages holds every vendor message once (the Ada bot is exported twice), roles, text, languages by primary subtag; the README queries run"
    )
    func demoDatabase() throws {
        let directory = TemporaryDirectory()
        let outcome = try CLIHarness.run(["demo", "--dir", directory.path + "/demo", "--progress", "off"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let database = directory.path + "/demo/out/demo.sqlite"
        func count(_ sql: String) throws -> Int { Int(try sqliteQuery(database, sql).first?.first.flatMap { $0 } ?? "") ?? -1 }
        let vendorMessages = try ["ada_v2_messages", "ada_v14_messages", "deepconverse_messages"].map {
            try count("SELECT count(*) FROM \($0)")
        }
        #expect(vendorMessages.allSatisfy { $0 > 0 })
        // v2 and v1.4 export the same bot: each message once (from the first table by name), not twice.
        #expect(vendorMessages[0] == vendorMessages[1])
        let trueCount = vendorMessages[0] + vendorMessages[2]
        #expect(try count("SELECT count(*) FROM chat_messages") == trueCount)
        #expect(try count("SELECT count(*) FROM chat_messages WHERE vendor = 'ada'") == vendorMessages[0])
        #expect(try count("SELECT count(DISTINCT table_prefix) FROM chat_messages WHERE vendor = 'ada'") == 1)
        #expect(
            try count("SELECT count(*) FROM chat_conversations WHERE vendor = 'ada'")
                == (try count("SELECT count(*) FROM ada_v2_conversations")))
        // Each conversation's messages are found by vendor, instance and id.
        #expect(
            try count(
                "SELECT count(*) FROM chat_messages m WHERE NOT EXISTS (SELECT 1 FROM chat_conversations c "
                    + "WHERE c.vendor = m.vendor AND c.instance = m.instance AND c.conversation_id = m.conversation_id)") == 0)
        // Languages by primary subtag across vendors (Ada's "en", DeepConverse's "en-US"), the vendor's value beside it.
        let languages = Set(try sqliteQuery(database, "SELECT DISTINCT language FROM chat_conversations").compactMap { $0[0] })
        #expect(languages.contains("en") && languages.contains("fr") && !languages.contains { $0.contains("-") }, "\(languages)")
        #expect(try count("SELECT count(*) FROM chat_conversations WHERE language = 'en' AND language_tag = 'en-US'") > 0)
        #expect(try count("SELECT count(*) FROM chat_conversations WHERE language = 'en' AND language_tag = 'en'") > 0)
        // The README's "Who speaks" gives the true number of Ada messages.
        let speakers = try sqliteQuery(database, try #require(try readmeModelQueries().last))
        #expect(speakers.filter { $0[0] == "ada" }.compactMap { Int($0[2] ?? "") }.reduce(0, +) == vendorMessages[0])
        // state show: records delivered, and the rows the table holds.
        let shown = try CLIHarness.run(["state", "show", directory.path + "/demo/ada-v2.json"])
        #expect(shown.stdout.contains("messages: \(vendorMessages[0]) records delivered in "), "\(shown.stdout)")
        #expect(shown.stdout.contains("\(vendorMessages[0]) rows stored in sqlite:"), "\(shown.stdout)")
        #expect(try count("SELECT count(DISTINCT vendor) FROM chat_messages") >= 2)
        #expect(
            Set(try sqliteQuery(database, "SELECT DISTINCT role FROM chat_messages").compactMap { $0[0] }).isSuperset(of: [
                "user", "bot", "tool", "system",
            ]))
        let withText = try count("SELECT count(*) FROM chat_messages WHERE text IS NOT NULL")
        #expect(withText * 10 >= trueCount * 8, "\(withText) of \(trueCount) carry text")
        #expect(try count("SELECT count(*) FROM chat_conversations WHERE started_at NOT LIKE '____-__-__T__:__:__%Z'") == 0)
        // The per-vendor views show times as ISO-8601 UTC too (Ada writes them without a zone, DeepConverse as epoch seconds).
        #expect(try count("SELECT count(*) FROM ada_v2_conversations_view WHERE date_created NOT LIKE '____-__-__T__:__:__%Z'") == 0)
        #expect(try count("SELECT count(*) FROM deepconverse_conversations_view WHERE start_time NOT LIKE '____-__-__T__:__:__%Z'") == 0)
        #expect(try count("SELECT count(*) FROM ada_v2_messages_view WHERE text IS NOT NULL") > 0)
        let queries = try readmeModelQueries()
        #expect(queries.count == 4)
        for query in queries { #expect(!(try sqliteQuery(database, query)).isEmpty, "\(query)") }
    }

    @Test(
        "the same views and README queries against PostgreSQL, over three jobs with their own prefixes",
        .enabled(if: PostgresServer.unavailableReason == nil, TestPostgres.reason))
    func postgres() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let (server, database, url) = try TestPostgres.database()
        let directory = TemporaryDirectory()
        func sink(_ prefix: String) -> String { #"[{"type": "postgres", "url": "\#(url)", "table_prefix": "\#(prefix)"}]"# }
        let jobs = [
            try directory.write("v2.json", adaJob(sandbox, sinks: sink("ada_v2_"))),
            try directory.write("v14.json", adaJob(sandbox, type: "ada-v1.4", sinks: sink("ada_v14_"))),
            try directory.write(
                "dc.json",
                #"{"source": {"type": "deepconverse", "base_url": "\#(sandbox.baseURL)", "api_key": "\#(sandbox.settings.deepConverseKey)", "bot_name": "\#(sandbox.settings.botName)", "per_page": 500, "rate_limits": {"per_endpoint_per_second": 50}, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())"}, "sinks": \#(sink("dc_"))}"#
            ),
        ]
        for job in jobs {
            let run = try CLIHarness.run(["run", job, "--progress", "off"], environment: TestPostgres.environment(server))
            #expect(run.status == 0, "\(run.stderr)")
        }
        func value(_ sql: String) throws -> String {
            try server.psql(sql, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // The Ada bot exported twice (v2, v1.4) counts once.
        let total = sandbox.dataset.adaMessages.count + sandbox.dataset.deepConverseMessages.count
        #expect(try value("SELECT count(*) FROM chat_messages") == String(total))
        #expect(try value("SELECT count(*) FROM chat_conversations WHERE language ~ '[-_A-Z]'") == "0")
        #expect(try value("SELECT count(*) FROM chat_conversations WHERE language = 'en' AND language_tag = 'en-US'") != "0")
        let state = try CLIHarness.run(["state", "show", jobs[0]], environment: TestPostgres.environment(server))
        #expect(state.stdout.contains(", \(sandbox.dataset.adaMessages.count) rows stored in postgres:"), "\(state.stdout)")
        #expect(try value("SELECT string_agg(DISTINCT role, ',' ORDER BY role) FROM chat_messages") == "bot,system,tool,user")
        // A tool call reads as the tool's name; a CSAT survey sent only by SMS as its SMS text.
        #expect(
            try value("SELECT count(*) FROM chat_messages WHERE role = 'tool' AND (text IS NULL OR message_type <> 'tool_call')") == "0")
        #expect(
            try value(
                "SELECT count(*) FROM chat_messages m JOIN ada_v14_messages t ON t._id = m.message_id "
                    + "WHERE m.message_type = 'csat_shown' AND t.data->'message_data'->>'body' IS NULL "
                    + "AND m.text = t.data->'message_data'->>'sms_text'") != "0")
        #expect(
            try value("SELECT count(*) FROM ada_v2_conversations_view WHERE last_agent_id IS NOT NULL AND last_agent_name IS NOT NULL")
                != "0")
        #expect(try value("SELECT count(DISTINCT vendor) FROM chat_messages") == "2")
        for query in try readmeModelQueries() { #expect(!(try value(query)).isEmpty, "\(query)") }
    }
}

extension ConversationModelTests {
    /// Ada message types whose role comes from the type, not from who sent the message.
    static let typedRoles = ["tool_call": "tool", "voice_transcript_summary": "system"]

    @Test(
        "Ada's newer data in the model: a tool call is a tool speaking its name, SMS consent and CSAT by SMS are the bot's with their text, an undocumented type is system and kept; v2's view names the last agent",
        arguments: ["ada-v2", "ada-v1.4"])
    func adaNewerData(type: String) throws {
        var settings = SandboxSettings()
        settings.conversations = 60
        settings.messagesPerConversation = 6
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let prefix = type == "ada-v2" ? "ada_v2_" : "ada_v14_"
        let file = try directory.write(
            "job.json", adaJob(sandbox, type: type, sinks: #"[{"type": "sqlite", "path": "out/db.sqlite", "table_prefix": "\#(prefix)"}]"#))
        let run = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(run.status == 0, "\(run.stderr)")
        let database = directory.path + "/out/db.sqlite"
        func count(_ sql: String) throws -> Int { Int(try sqliteQuery(database, sql).first?.first.flatMap { $0 } ?? "") ?? -1 }

        // Each vendor message once, with the role, text and type worked out here from the vendor's record.
        var expected: [String: [String?]] = [:]
        var types: [String: Int] = [:]
        for message in sandbox.dataset.adaMessages {
            let record = try JSONValue.parse(message.json)
            let data = record["message_data"]
            let messageType = data?["_type"]?.stringValue ?? ""
            types[messageType, default: 0] += 1
            let role = Self.typedRoles[messageType] ?? (record["sender"]?.stringValue == "ada" ? "bot" : "user")
            let text = ["body", "text", "sms_text", "tool_name"].lazy.compactMap { data?[$0]?.stringValue }.first
            expected[message.id] = [role, text, messageType]
        }
        for messageType in ["tool_call", "sms_consent_asked", "csat_shown", "voice_transcript_summary", "text"] {
            #expect(types[messageType, default: 0] > 0, "the sandbox sends \(messageType)")
        }
        let rows = try sqliteQuery(database, "SELECT message_id, role, text, message_type FROM chat_messages")
        #expect(rows.count == sandbox.dataset.adaMessages.count)
        #expect(try count("SELECT count(*) FROM \(prefix)messages") == rows.count, "no message dropped")
        let actual = Dictionary(rows.map { ($0[0] ?? "", Array($0.dropFirst())) }, uniquingKeysWith: { first, _ in first })
        #expect(actual == expected)

        // The same, as an analyst would ask.
        #expect(try count("SELECT count(*) FROM chat_messages WHERE role = 'tool'") == types["tool_call"])
        #expect(
            try count(
                "SELECT count(*) FROM chat_messages m JOIN \(prefix)messages t ON t._id = m.message_id WHERE m.message_type = 'tool_call' "
                    + "AND m.role = 'tool' AND m.text = json_extract(t.data, '$.message_data.tool_name')") == types["tool_call"])
        #expect(
            try count("SELECT count(*) FROM chat_messages WHERE message_type = 'sms_consent_asked' AND role = 'bot' AND text IS NOT NULL")
                == types["sms_consent_asked"])
        let smsOnly = try count(
            "SELECT count(*) FROM chat_messages m JOIN \(prefix)messages t ON t._id = m.message_id WHERE m.message_type = 'csat_shown' "
                + "AND m.role = 'bot' AND json_type(t.data, '$.message_data.body') IS NULL AND m.text = json_extract(t.data, '$.message_data.sms_text')"
        )
        #expect(smsOnly > 0 && smsOnly < types["csat_shown", default: 0], "\(smsOnly) CSAT surveys sent only by SMS")
        #expect(
            try count("SELECT count(*) FROM chat_messages WHERE message_type = 'voice_transcript_summary' AND role = 'system'")
                == types["voice_transcript_summary"])
        #expect(try count("SELECT count(*) FROM \(prefix)messages_view WHERE tool_name IS NOT NULL") == types["tool_call"])
        #expect(try count("SELECT count(*) FROM \(prefix)messages_view WHERE sms_text IS NOT NULL") > 0)

        // v2 conversations name their last agent, NULL without one; v1.4's view has no such columns.
        let columns = try sqliteQuery(database, "SELECT name FROM pragma_table_info('\(prefix)conversations_view')").compactMap { $0[0] }
        guard type == "ada-v2" else {
            #expect(!columns.contains("last_agent_id") && !columns.contains("last_agent_name"), "\(columns)")
            return
        }
        var agents: [String: [String?]] = [:]
        for conversation in sandbox.dataset.adaConversations {
            let record = try JSONValue.parse(conversation.json)
            agents[conversation.id] = [record["last_agent_id"]?.stringValue, record["last_agent_name"]?.stringValue]
        }
        let viewed = try sqliteQuery(database, "SELECT _id, last_agent_id, last_agent_name FROM ada_v2_conversations_view")
        #expect(Dictionary(viewed.map { ($0[0] ?? "", Array($0.dropFirst())) }, uniquingKeysWith: { first, _ in first }) == agents)
        #expect(viewed.contains { $0[1] == nil && $0[2] == nil }, "a conversation without an agent")
        #expect(viewed.contains { $0[1] == "619d95c0c063a5bf2b1efb7d" && $0[2] == "Zoë Ōtsuka" }, "the last of two agents")
        #expect(viewed.contains { $0[1] == "619d95c0c063a5bf2b1efb7c" && $0[2] == "Ada Lovelace" })
    }

    @Test("the model views exist, empty, as soon as a job without a conversation mapping writes to the database")
    func viewsWithoutMapping() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 40}, "sinks": [{"type": "sqlite", "path": "out/db.sqlite"}]}"#)
        let run = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(run.status == 0, "\(run.stderr)")
        let database = directory.path + "/out/db.sqlite"
        for view in ["chat_conversations", "chat_messages"] {
            #expect(try sqliteQuery(database, "SELECT count(*) FROM \(view)") == [["0"]])
        }
        // Typed as the mapped views are, so a union or a query written for them works.
        let columns = try sqliteQuery(database, "SELECT name FROM pragma_table_info('chat_conversations')").compactMap { $0[0] }
        #expect(columns.contains("language") && columns.contains("language_tag") && columns.last == "instance", "\(columns)")
        for query in try readmeModelQueries() { #expect(throws: Never.self) { try sqliteQuery(database, query) } }
        let shown = try CLIHarness.run(["state", "show", file])
        #expect(shown.stdout.contains("messages: 40 records delivered in "), "\(shown.stdout)")
        #expect(shown.stdout.contains("40 rows stored in sqlite:"), "\(shown.stdout)")
    }
}
