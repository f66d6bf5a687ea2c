import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import PostgresSink
import SQLStore
import SyntheticConnector
import Testing
import VendorSandbox

/// One throwaway PostgreSQL cluster for the whole test run (started on first use, stopped when
/// the process ends); each test gets a database of its own.
enum TestPostgres {
    static let server = Result { try PostgresServer() }
    static let reason = Comment(rawValue: PostgresServer.unavailableReason ?? "")

    /// A new database and the URL of it with `${PGTEST_PASSWORD}` standing for the password.
    static func database() throws -> (server: PostgresServer, name: String, url: String) {
        let server = try server.get()
        let name = "t_" + UUID().uuidString.prefix(8).lowercased()
        try server.psql("CREATE DATABASE \(name)")
        return (server, name, "postgresql://postgres:${PGTEST_PASSWORD}@127.0.0.1:\(server.port)/\(name)")
    }

    /// `_id` → `data` as stored, byte for byte (`data::text` is the json value's exact text).
    static func rows(_ server: PostgresServer, _ database: String, table: String) throws -> [String: String] {
        let connection = try PostgresConnection(try PostgresAddress(url: server.url(database: database)))
        defer { connection.close() }
        let rows = try connection.query("SELECT _id, data::text FROM \(table)", doing: "read \(table)").rows
        return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] ?? "", $0[1] ?? "") })
    }

    static func environment(_ server: PostgresServer) -> [String: String] { ["PGTEST_PASSWORD": server.password] }

    /// A sandbox of `conversations` Ada conversations (8 messages each unless configured).
    static func sandbox(conversations: Int, _ configure: (inout SandboxSettings) -> Void = { _ in }) throws -> VendorSandbox {
        var settings = SandboxSettings()
        settings.conversations = conversations
        settings.messagesPerConversation = 8
        configure(&settings)
        return try VendorSandbox(settings: settings)
    }

    /// An Ada v2 job for the sandbox into the PostgreSQL `url`, paced at `perSecond`.
    static func adaJob(_ sandbox: VendorSandbox, url: String, perSecond: Int, extra: String = "", sinkExtra: String = "") -> String {
        #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)", "page_size": 100, "rate_limits": {"per_endpoint_per_second": \#(perSecond), "per_minute": 0}, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())"\#(extra)}, "sinks": [{"type": "postgres", "url": "\#(url)"\#(sinkExtra)}]}"#
    }

    /// Expects the `messages` (and, unless `messagesOnly`, `conversations`) tables to hold exactly
    /// the sandbox's records, byte for byte.
    static func expectExact(
        _ server: PostgresServer, _ database: String, _ sandbox: VendorSandbox, messagesOnly: Bool = false, schema: String = "public"
    ) throws {
        let dataset = sandbox.dataset
        #expect(
            try rows(server, database, table: schema + ".messages")
                == Dictionary(uniqueKeysWithValues: dataset.adaMessages.map { ($0.id, String(decoding: $0.json, as: UTF8.self)) }))
        if messagesOnly { return }
        #expect(
            try rows(server, database, table: schema + ".conversations")
                == Dictionary(uniqueKeysWithValues: dataset.adaConversations.map { ($0.id, String(decoding: $0.json, as: UTF8.self)) }))
    }
}

/// A source of hand-written records, for bytes the vendors' fakes never send.
struct FixedSource: Source {
    let records: [String]
    var streams: [StreamDescriptor] {
        [
            StreamDescriptor(
                name: "notes", summary: "", cursorField: "at", cursorColumn: "at", fields: [FieldDescriptor("n", type: .integer)])
        ]
    }

    func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        guard request.checkpoint == nil else { return }
        let parsed = records.enumerated().map { index, text in
            Record(
                stream: "notes", id: "r\(index % 3)", cursor: Timestamp(epochSeconds: 1_767_225_600 + Int64(index)),
                json: ArraySlice(text.utf8))
        }
        try await emit(RecordBatch(stream: "notes", records: parsed, checkpoint: Checkpoint(.string("done"))))
    }
}

@Suite("PostgreSQL sink against a real server", .enabled(if: PostgresServer.unavailableReason == nil, TestPostgres.reason))
struct PostgresTests {
    @Test("both Ada streams under 5xx, 429 and cut-off bodies: the tables equal the vendor's records exactly, byte for byte")
    func exactUnderFaults() throws {
        var settings = SandboxSettings()
        settings.conversations = 300
        settings.messagesPerConversation = 6
        settings.errorRate = 0.1
        settings.throttleRate = 0.05
        settings.truncateRate = 0.05
        settings.retryAfter = 0
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let (server, database, url) = try TestPostgres.database()
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            adaJob(
                sandbox, pageSize: 100, extra: #", "max_retry_delay": "20ms", "max_attempts": 20"#,
                sinks: #"[{"type": "postgres", "url": "\#(url)"}]"#))
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"], environment: TestPostgres.environment(server))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!outcome.stderr.contains(server.password), "the password never appears in logs")
        let dataset = sandbox.dataset
        try TestPostgres.expectExact(server, database, sandbox)
        // The checkpoint is in the database; a re-run finds nothing new.
        let state = try CLIHarness.run(["state", "show", file], environment: TestPostgres.environment(server))
        #expect(state.stdout.contains("checkpoint: postgres:postgres@127.0.0.1:\(server.port)/\(database)/public#"), "\(state.stdout)")
        let again = try CLIHarness.run(
            ["run", file, "--progress", "off", "--log-format", "json"], environment: TestPostgres.environment(server))
        #expect(again.stderr.contains(#""event":"job_finished""#) && again.stderr.contains(#""records":0,"#), "\(again.stderr)")
        // state reset forgets one stream (backing its state up); the next run re-reads only it.
        #expect(
            try CLIHarness.run(["state", "reset", file, "--stream", "messages"], environment: TestPostgres.environment(server)).status == 0)
        #expect(try server.psql("SELECT count(*) FROM _chat_export_state_backup", database: database).hasPrefix("1"))
        let reread = try CLIHarness.run(
            ["run", file, "--progress", "off", "--log-format", "json"], environment: TestPostgres.environment(server))
        #expect(reread.stderr.contains(#""records":\#(dataset.adaMessages.count),"#), "\(reread.stderr)")
        #expect(try TestPostgres.rows(server, database, table: "messages").count == dataset.adaMessages.count)
        // The analyst view reads the json column.
        let csat = try server.psql("SELECT count(*) FROM conversations_view WHERE csat_score IS NOT NULL", database: database)
        #expect((Int(csat.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0)
    }

    @Test(
        "bytes that jsonb would change are stored exactly: \\u0000, key order, whitespace, tabs, backslashes; a batch repeating an _id keeps its last copy"
    )
    func exactBytes() async throws {
        let (server, database, _) = try TestPostgres.database()
        let records = [
            #"{"z": 1, "a": "nul \u0000 here", "n": 1}"#,
            "{\n\t\"text\": \"tab\\tand \\\\ backslash\",\n\t\"n\": 2.0\n}",
            #"{"b":"é 👋 \ud83d\ude00","n":3,"a":null}"#,
            #"{"n": 4, "dup": "the last copy of r0"}"#,
        ]
        let sink = try PostgresSink(settings: .init(url: server.url(database: database)))
        let store = try await sink.checkpointStore()
        try await JobRunner(source: FixedSource(records: records), sinks: [sink], checkpoints: store, logger: .disabled).run()
        await store.close()
        let stored = try TestPostgres.rows(server, database, table: "notes")
        #expect(stored == ["r0": records[3], "r1": records[1], "r2": records[2]])
        let typed = try server.psql("SELECT n FROM notes_view ORDER BY _id", database: database)
        #expect(typed.split(separator: "\n") == ["4", "2.0", "3"])
    }

    @Test("a second run of the job is locked out; a run whose fence was taken over commits nothing")
    func lockedAndFenced() async throws {
        let (server, database, _) = try TestPostgres.database()
        let url = server.url(database: database)
        let source = SyntheticSource(settings: .init(records: 300, pageSize: 50))
        let first = try PostgresSink(settings: .init(url: url))
        let store = try await first.checkpointStore()
        let second = try PostgresSink(settings: .init(url: url))
        let locked = await #expect(throws: ChatExportError.self) { _ = try await second.checkpointStore() }
        #expect(locked?.code == .checkpointLocked)
        #expect(locked?.message.contains("is locked by another run") == true)
        // Another worker takes the job over (a newer fence): this run's first commit is refused.
        try server.psql("UPDATE _chat_export_fence SET fence = fence + 1", database: database)
        let fenced = await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: source, sinks: [first], checkpoints: store, logger: .disabled).run()
        }
        await store.close()
        #expect(fenced?.message.contains("another run of this job took over the checkpoint") == true)
        #expect(try server.psql("SELECT count(*) FROM messages", database: database).hasPrefix("0"))
        #expect(try server.psql("SELECT count(*) FROM _chat_export_state", database: database).hasPrefix("0"))
        // Once the first run ends, a new one takes the lock and a fence of its own.
        let next = try await second.checkpointStore()
        let summary = try await JobRunner(source: source, sinks: [second], checkpoints: next, logger: .disabled).run()
        await next.close()
        #expect(summary.streams["messages"]?.records == 300)
    }

    @Test("while a run holds the job, another run through the binary is locked out with exit 75; afterwards it completes")
    func concurrentRuns() async throws {
        let (server, database, url) = try TestPostgres.database()
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 400, "page_size": 50}, "sinks": [{"type": "postgres", "url": "\#(url)"}]}"#)
        let environment = TestPostgres.environment(server)
        // A run in progress, as another process holding the job would be.
        let holder = try PostgresSink(settings: .init(url: server.url(database: database)))
        let store = try await holder.checkpointStore()
        let second = try CLIHarness.run(["run", file, "--progress", "off"], environment: environment)
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.contains("is locked by another run (server pid"), "\(second.stderr)")
        await store.close()
        let after = try CLIHarness.run(["run", file, "--progress", "off"], environment: environment)
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try TestPostgres.rows(server, database, table: "messages").count == 400)
    }

    @Test("kill -9 at many points, then a final run: the tables equal the vendor's records exactly")
    func killNine() throws {
        let sandbox = try TestPostgres.sandbox(conversations: 1000) { $0.latency = 0.01 }
        defer { sandbox.stop() }
        let (server, database, url) = try TestPostgres.database()
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", TestPostgres.adaJob(sandbox, url: url, perSecond: 15))
        setenv("PGTEST_PASSWORD", server.password, 1)
        let kills = try CLIHarness.killRuns(of: file, times: 10, after: 0.1...0.6)
        #expect(kills >= 1)
        let final = try CLIHarness.run(["run", file, "--progress", "off"], environment: TestPostgres.environment(server))
        #expect(final.status == 0, "\(final.stderr)")
        try TestPostgres.expectExact(server, database, sandbox)
    }

    @Test("wrong password → 77 naming user and host; no server → 75; no permission → 78; never the password")
    func connectionErrors() throws {
        let (server, database, _) = try TestPostgres.database()
        let directory = TemporaryDirectory()
        func job(_ url: String) throws -> String {
            try directory.write(
                "job-\(UUID().uuidString.prefix(6)).json",
                #"{"source": {"type": "synthetic", "records": 10}, "sinks": [{"type": "postgres", "url": "\#(url)"}]}"#)
        }
        let ok = try CLIHarness.run(["check", try job(server.url(database: database))])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("server reachable as postgres; schema public writable"), "\(ok.stdout)")
        #expect(!ok.stdout.contains(server.password) && !ok.stderr.contains(server.password))
        let wrong = try CLIHarness.run(["run", try job(server.url(database: database, password: "not-it-9137"))])
        #expect(wrong.status == 77, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("PostgreSQL at 127.0.0.1:\(server.port) rejected user postgres"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not-it-9137"))
        let port = try LoopbackPort.unused()
        let down = try CLIHarness.run(["run", try job("postgresql://postgres:pw-x@127.0.0.1:\(port)/db")])
        #expect(down.status == 75, "\(down.stderr)")
        #expect(down.stderr.contains("PostgreSQL at 127.0.0.1:\(port) is unreachable"), "\(down.stderr)")
        let check = try CLIHarness.run(["check", try job("postgresql://postgres:pw-x@127.0.0.1:\(port)/db")])
        #expect(check.status == 75)
        // A user who may not create tables in the schema.
        try server.psql(
            "CREATE ROLE reader LOGIN PASSWORD 'reader-pw-5521'; REVOKE CREATE ON SCHEMA public FROM PUBLIC; "
                + "CREATE SCHEMA locked; GRANT USAGE ON SCHEMA locked TO reader", database: database)
        let denied = try CLIHarness.run([
            "run", try job("postgresql://reader:reader-pw-5521@127.0.0.1:\(server.port)/\(database)"),
        ])
        let deniedCheck = try CLIHarness.run(["check", try job("postgresql://reader:reader-pw-5521@127.0.0.1:\(server.port)/\(database)")])
        #expect(deniedCheck.status == 78, "\(deniedCheck.stderr)")
        #expect(deniedCheck.stderr.contains("GRANT CREATE ON SCHEMA public TO reader"), "\(deniedCheck.stderr)")
        #expect(denied.status == 78, "\(denied.stderr)")
        #expect(denied.stderr.contains("as user reader"), "\(denied.stderr)")
        #expect(!denied.stderr.contains("reader-pw-5521"))
        let bad = try CLIHarness.run(["validate", try job("mysql://x@y/z")])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("sinks[0].url: expected a postgresql:// URL"), "\(bad.stderr)")
    }

    @Test("the server restarted mid-run: the run stops with 75, and a re-run is exact")
    func serverRestart() throws {
        let sandbox = try TestPostgres.sandbox(conversations: 600) { $0.latency = 0.02 }
        defer { sandbox.stop() }
        // A server of its own: the restart must not cut other tests' connections.
        let server = try PostgresServer()
        let database = "postgres"
        let url = server.url().replacingOccurrences(of: server.password, with: "${PGTEST_PASSWORD}")
        let directory = TemporaryDirectory()
        let messagesOnly = #", "streams": ["messages"]"#
        let file = try directory.write("job.json", TestPostgres.adaJob(sandbox, url: url, perSecond: 4, extra: messagesOnly))
        // The same job paced faster, for the final run (pacing is not part of a checkpoint's identity).
        let fast = try directory.write("fast.json", TestPostgres.adaJob(sandbox, url: url, perSecond: 50, extra: messagesOnly))
        let running = try CLIHarness.start(["run", file, "--progress", "off"], environment: TestPostgres.environment(server))
        // Restart once the run has committed something, while it still has pages to go.
        #expect(
            CLIHarness.waitUntil {
                (try? server.psql("SELECT count(*) FROM messages", database: database)).flatMap {
                    Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
                } ?? 0 > 0
            })
        server.stop()
        try server.start()
        let stopped = running.wait()
        #expect(stopped.status == 75, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("connection was lost"), "\(stopped.stderr)")
        let final = try CLIHarness.run(["run", fast, "--progress", "off"], environment: TestPostgres.environment(server))
        #expect(final.status == 0, "\(final.stderr)")
        try TestPostgres.expectExact(server, database, sandbox, messagesOnly: true)
    }

    @Test("server notices go through the logger: with --log-format json every stderr line is JSON; the notices show at debug level")
    func noticesInTheLog() throws {
        let (_, _, url) = try TestPostgres.database()
        let server = try TestPostgres.server.get()
        let directory = TemporaryDirectory()
        // At this level the server sends a notice with every transaction of the session.
        let noisy = url + "?options=-c%20client_min_messages%3Ddebug5"
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 120, "page_size": 40}, "sinks": [{"type": "postgres", "url": "\#(noisy)"}]}"#)
        func lines(_ arguments: [String]) throws -> [JSONValue] {
            let outcome = try CLIHarness.run(arguments + ["--log-format", "json"], environment: TestPostgres.environment(server))
            #expect(outcome.status == 0, "\(outcome.stderr)")
            return outcome.stderr.split(separator: "\n").compactMap { line in
                let parsed = try? JSONValue.parse(Array(line.utf8))
                #expect(parsed?["msg"] != nil, "not a JSON log line: \(line)")
                return parsed
            }
        }
        let quiet = try lines(["run", file, "--progress", "off"])
        #expect(!quiet.isEmpty && !quiet.contains { $0["postgres_severity"] != nil }, "notices are debug lines")
        let debug = try lines(["run", file, "--progress", "off", "--log-level", "debug"])
        #expect(debug.contains { $0["postgres_severity"] == .string("DEBUG") && $0["level"] == .string("debug") })
        // A reset creates its backup table if missing: the second one's "already exists" notice goes to the log too.
        for _ in 0..<2 { _ = try lines(["state", "reset", file, "--log-level", "debug"]) }
    }

    @Test("a statement cancelled by its statement_timeout (a stalled fleet worker's session) is temporary (75)")
    func statementTimeout() throws {
        let (server, database, _) = try TestPostgres.database()
        let connection = try PostgresConnection(try PostgresAddress(url: server.url(database: database)))
        try connection.execute("SET statement_timeout = 50", doing: "set a timeout")
        let error = #expect(throws: ChatExportError.self) { try connection.execute("SELECT pg_sleep(30)", doing: "wait") }
        #expect(error?.code == .temporaryFailure, "\(String(describing: error))")
    }

    @Test("two sessions creating one table at the same moment: the loser's error is temporary (75), saying why")
    func catalogRace() throws {
        let (server, database, _) = try TestPostgres.database()
        let address = try PostgresAddress(url: server.url(database: database))
        let first = try PostgresConnection(address)
        let second = try PostgresConnection(address)
        try first.execute("BEGIN; CREATE TABLE raced (a int)", doing: "create table raced")
        /// The second session's outcome, written by its thread before `done` is signalled.
        final class Outcome: @unchecked Sendable { var error: (any Error)? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let racer = second
        Thread.detachNewThread {
            do { try racer.execute("CREATE TABLE IF NOT EXISTS raced (a int)", doing: "create table raced") } catch {
                outcome.error = error
            }
            done.signal()
        }
        // Once the second session waits for the first one's lock, the first commits.
        #expect(
            CLIHarness.waitUntil {
                (try? first.query("SELECT count(*) FROM pg_locks WHERE NOT granted", doing: "look at the locks").rows.first?[0]) != "0"
            })
        try first.execute("COMMIT", doing: "commit")
        done.wait()
        let error = try #require(outcome.error as? ChatExportError, "\(String(describing: outcome.error))")
        #expect(error.code == .temporaryFailure, "\(error)")
        #expect(error.message.contains("another session was creating it at the same moment"), "\(error)")
    }

    @Test("numbers no column holds (400 digits, 1e400, past 64 bits) read as NULL in the views instead of failing every query")
    func outOfRangeNumbers() async throws {
        let (server, database, _) = try TestPostgres.database()
        let sink = try PostgresSink(settings: .init(url: server.url(database: database)))
        let store = try await sink.checkpointStore()
        try await JobRunner(source: OutOfRangeNumbers(), sinks: [sink], checkpoints: store, logger: .disabled).run()
        await store.close()
        func rows(_ sql: String) throws -> [String] {
            try server.psql(sql, database: database).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
        func ids(_ sql: String) throws -> Set<String> { Set(try rows(sql)) }
        #expect(try rows("SELECT * FROM chat_conversations").count == 10)
        #expect(try rows("SELECT * FROM conversations_view").count == 10)
        #expect(try ids("SELECT conversation_id FROM chat_conversations WHERE csat_score IS NOT NULL") == OutOfRangeNumbers.finiteReals)
        #expect(
            try ids("SELECT conversation_id FROM chat_conversations WHERE csat_normalized IS NOT NULL") == OutOfRangeNumbers.finiteReals)
        #expect(try ids("SELECT _id FROM conversations_view WHERE csat_score IS NOT NULL") == OutOfRangeNumbers.integers)
        #expect(try ids("SELECT _id FROM conversations_view WHERE handle_time IS NOT NULL") == OutOfRangeNumbers.finiteReals)
        #expect(try ids("SELECT _id FROM conversations_view WHERE seen_at IS NOT NULL") == OutOfRangeNumbers.times)
        #expect(try rows("SELECT csat_score, csat_normalized FROM chat_conversations WHERE conversation_id = 'n1'") == ["4|0.75"])
        #expect(
            try rows("SELECT csat_score FROM conversations_view WHERE _id IN ('n9', 'n10') ORDER BY _id")
                == ["-9223372036854775808", "9223372036854775807"])
    }
}
