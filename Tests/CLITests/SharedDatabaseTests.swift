import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// Eight jobs (four bots, each read by an Ada v2 and a DeepConverse job, every job with its own
/// table prefix) starting at the same instant into one database: they share the schema, the
/// conversation-model table and the `chat_conversations` / `chat_messages` views.
struct SharedDatabaseJobs {
    let sandboxes: [VendorSandbox]
    let directory = TemporaryDirectory()

    init() throws {
        sandboxes = try (1...4).map { seed in
            var settings = SandboxSettings()
            settings.seed = UInt64(seed)
            settings.conversations = 30
            settings.messagesPerConversation = 3
            return try VendorSandbox(settings: settings)
        }
    }

    func stop() { for sandbox in sandboxes { sandbox.stop() } }

    /// The eight job files in `folder`, each writing through `sink(prefix)`.
    func write(in folder: String, sink: (String) -> String) throws -> [String] {
        var files: [String] = []
        for (index, sandbox) in sandboxes.enumerated() {
            files.append(try directory.write("\(folder)/ada\(index).json", adaJob(sandbox, pageSize: 100, sinks: sink("ada\(index)_"))))
            files.append(
                try directory.write(
                    "\(folder)/dc\(index).json",
                    #"{"source": {"type": "deepconverse", "base_url": "\#(sandbox.baseURL)", "api_key": "\#(sandbox.settings.deepConverseKey)", "bot_name": "\#(sandbox.settings.botName)", "per_page": 100, "rate_limits": {"per_endpoint_per_second": 50}, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())"}, "sinks": \#(sink("dc\(index)_"))}"#
                ))
        }
        return files
    }

    /// Every job's tables hold exactly its bot's records, byte for byte, and the model views count
    /// every job's rows: `rows(table)` reads `_id` → `data`, `count(sql)` one number.
    func expectExact(rows: (String) throws -> [String: String], count: (String) throws -> Int) throws {
        func records(_ list: [(String, [UInt8])]) -> [String: String] {
            Dictionary(uniqueKeysWithValues: list.map { ($0.0, String(decoding: $0.1, as: UTF8.self)) })
        }
        for (index, sandbox) in sandboxes.enumerated() {
            let dataset = sandbox.dataset
            let expected = [
                "ada\(index)_messages": records(dataset.adaMessages.map { ($0.id, $0.json) }),
                "ada\(index)_conversations": records(dataset.adaConversations.map { ($0.id, $0.json) }),
                "dc\(index)_messages": records(dataset.deepConverseMessages.map { ($0.id, $0.json) }),
                "dc\(index)_conversations": records(dataset.deepConverseConversations.map { ($0.id, $0.json) }),
            ]
            for (table, records) in expected.sorted(by: { $0.key < $1.key }) {
                #expect(try rows(table) == records, "\(table)")
                let prefix = String(table.prefix(while: { $0 != "_" })) + "_"
                let view = table.hasSuffix("_messages") ? "chat_messages" : "chat_conversations"
                #expect(try count("SELECT count(*) FROM \(view) WHERE table_prefix = '\(prefix)'") == records.count, "\(view) of \(prefix)")
            }
        }
        let total = sandboxes.map { $0.dataset.adaMessages.count + $0.dataset.deepConverseMessages.count }.reduce(0, +)
        #expect(try count("SELECT count(*) FROM chat_messages") == total)
    }

    /// Starts `run FILE` for every file at once and waits for all of them.
    static func runTogether(_ files: [String], environment: [String: String] = [:]) throws -> [CLIHarness.Outcome] {
        let running = try files.map { try CLIHarness.start(["run", $0, "--progress", "off"], environment: environment) }
        return running.map { $0.wait() }
    }
}

@Suite("jobs starting at the same instant on one database")
struct SharedDatabaseTests {
    @Test(
        "eight jobs (four bots, two vendors) into one SQLite file, by serve --once and as eight run processes: all succeed, every table exact"
    )
    func sqlite() throws {
        let jobs = try SharedDatabaseJobs()
        defer { jobs.stop() }
        for mode in ["serve", "run"] {
            let database = jobs.directory.path + "/\(mode).sqlite"
            let files = try jobs.write(in: mode) { prefix in #"[{"type": "sqlite", "path": "\#(database)", "table_prefix": "\#(prefix)"}]"#
            }
            if mode == "serve" {
                let outcome = try CLIHarness.run([
                    "serve", jobs.directory.path + "/serve", "--once", "--max-concurrent", "8", "--log-format", "json",
                ])
                #expect(outcome.status == 0, "\(outcome.stderr)")
            } else {
                for outcome in try SharedDatabaseJobs.runTogether(files) { #expect(outcome.status == 0, "\(outcome.stderr)") }
            }
            try jobs.expectExact(
                rows: { try SQLiteRows.ids(database, table: $0) },
                count: { Int(try sqliteQuery(database, $0).first?.first.flatMap { $0 } ?? "") ?? -1 })
        }
    }

    @Test(
        "eight jobs (four bots, two vendors) into one PostgreSQL database, by serve --once and as eight run processes: all succeed, every table exact",
        .enabled(if: PostgresServer.unavailableReason == nil, TestPostgres.reason))
    func postgres() throws {
        let jobs = try SharedDatabaseJobs()
        defer { jobs.stop() }
        for mode in ["serve", "run"] {
            let (server, database, url) = try TestPostgres.database()
            let environment = TestPostgres.environment(server)
            let files = try jobs.write(in: mode) { prefix in #"[{"type": "postgres", "url": "\#(url)", "table_prefix": "\#(prefix)"}]"# }
            if mode == "serve" {
                let outcome = try CLIHarness.run(
                    ["serve", jobs.directory.path + "/serve", "--once", "--max-concurrent", "8", "--log-format", "json"],
                    environment: environment)
                #expect(outcome.status == 0, "\(outcome.stderr)")
            } else {
                for outcome in try SharedDatabaseJobs.runTogether(files, environment: environment) {
                    #expect(outcome.status == 0, "\(outcome.stderr)")
                }
            }
            try jobs.expectExact(
                rows: { try TestPostgres.rows(server, database, table: $0) },
                count: { Int(try server.psql($0, database: database).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 })
        }
    }
}
