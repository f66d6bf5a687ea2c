import ConnectorKit
import ConnectorTesting
import Foundation
import PostgresSink
import SQLStore
import Testing
import VendorSandbox

/// A Meltano project in a temporary directory: `tap-chat-export` as a custom extractor
/// (capabilities catalog, discover, state) reading the sandbox, and one loader.
struct MeltanoProject {
    let directory = TemporaryDirectory()

    init(sandbox: VendorSandbox, loader: String) throws {
        let tap = ProgramRun.product("tap-chat-export")
        let yaml = """
            version: 1
            default_environment: test
            send_anonymous_usage_stats: false
            project_id: chat-export-protocol-tests
            environments:
            - name: test
            plugins:
              extractors:
              - name: tap-chat-export
                namespace: tap_chat_export
                executable: \(tap)
                capabilities: [catalog, discover, state]
                settings:
                - {name: type}
                - {name: base_url}
                - {name: token, kind: password}
                - {name: page_size, kind: integer}
                - {name: start}
                - {name: end}
                - {name: rate_limits, kind: object}
                config:
                  type: ada-v2
                  base_url: \(sandbox.baseURL)
                  token: \(sandbox.settings.adaToken)
                  page_size: 100
                  start: "\(sandbox.dataset.start.iso8601())"
                  end: "\(sandbox.settings.end.iso8601())"
                  rate_limits: {per_endpoint_per_second: 50, per_minute: 0}
              loaders:
            \(loader)
            """
        _ = try directory.write("meltano.yml", yaml)
    }

    /// Starts `meltano run tap-chat-export LOADER`.
    func start(_ loader: String) throws -> ProgramRun.Running {
        try ProgramRun.Running(
            ProtocolTools.meltano, ["--log-level", "info", "run", "tap-chat-export", loader],
            environment: [
                "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", "MELTANO_DISABLE_TRACKING": "true", "MELTANO_PROJECT_ROOT": directory.path,
                "NO_COLOR": "1",
            ],
            directory: directory.path)
    }

    /// Runs `meltano run tap-chat-export LOADER` to its end.
    func run(_ loader: String) throws -> ProgramRun { try start(loader).wait() }
}

@Suite("Meltano runs tap-chat-export into real Singer targets", .serialized)
struct MeltanoTests {
    @Test(
        "target-jsonl: the first meltano run delivers every record exactly once; the next, from Meltano's stored state, adds none",
        .enabled(if: ProtocolTools.meltanoJSONLReason == nil, Comment(rawValue: ProtocolTools.meltanoJSONLReason ?? "")))
    func jsonl() throws {
        let sandbox = try adaSandbox(conversations: 40)
        defer { sandbox.stop() }
        let out = TemporaryDirectory()
        let project = try MeltanoProject(
            sandbox: sandbox,
            loader: """
                  - name: target-jsonl
                    namespace: target_jsonl
                    executable: \(ProtocolTools.targetJSONL)
                    settings: [{name: destination_path}]
                    config: {destination_path: \(out.path)}
                """)
        let first = try project.run("target-jsonl")
        #expect(first.status == 0, "\(first.stderr.suffix(3000))")
        /// Every line target-jsonl wrote, by stream, keyed by `_id` (a repeat is an issue).
        func delivered() throws -> (records: [String: [String: JSONValue]], lines: Int) {
            var records: [String: [String: JSONValue]] = [:]
            var lines = 0
            for file in try FileManager.default.contentsOfDirectory(atPath: out.path) {
                let stream = String(file.prefix { $0 != "-" })
                let text = try String(contentsOfFile: out.path + "/" + file, encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let record = try JSONValue.parse(String(line))
                    let id = record["_id"]?.stringValue ?? ""
                    #expect(records[stream, default: [:]].updateValue(canonical(record), forKey: id) == nil, "\(stream) \(id) twice")
                    lines += 1
                }
            }
            return (records, lines)
        }
        let expected = try adaRecords(sandbox).mapValues { try $0.mapValues { canonical(try JSONValue.parse($0)) } }
        let after = try delivered()
        #expect(after.records == expected, "every record, every field, as the vendor sent it")

        let second = try project.run("target-jsonl")
        #expect(second.status == 0, "\(second.stderr.suffix(3000))")
        #expect(second.stderr.contains("Reading state from"), "the second run starts from Meltano's stored state")
        #expect(try delivered().lines == after.lines, "the second run adds no record")
    }

    @Test(
        "target-postgres: exact; kill -9 of the tap mid-sync, then meltano run again: exact in the upserting target",
        .enabled(if: ProtocolTools.meltanoPostgresReason == nil, Comment(rawValue: ProtocolTools.meltanoPostgresReason ?? "")),
        .enabled(if: PostgresServer.unavailableReason == nil, Comment(rawValue: PostgresServer.unavailableReason ?? "")))
    func postgresKilledMidSync() throws {
        let sandbox = try adaSandbox(conversations: 150)
        defer { sandbox.stop() }
        let server = try PostgresServer()
        let project = try MeltanoProject(
            sandbox: sandbox,
            loader: """
                  - name: target-postgres
                    namespace: target_postgres
                    executable: \(ProtocolTools.targetPostgres)
                    settings:
                    - {name: host}
                    - {name: port, kind: integer}
                    - {name: user}
                    - {name: password, kind: password}
                    - {name: database}
                    - {name: default_target_schema}
                    - {name: activate_version, kind: boolean}
                    - {name: add_record_metadata, kind: boolean}
                    - {name: batch_size_rows, kind: integer}
                    config:
                      host: 127.0.0.1
                      port: \(server.port)
                      user: postgres
                      password: \(server.password)
                      database: postgres
                      default_target_schema: chat
                      activate_version: false
                      add_record_metadata: false
                      batch_size_rows: 100
                """)
        // The tap is stopped in the middle of its run: the sandbox holds a request unanswered
        // while the test kills it, so the kill never races the end of the sync.
        sandbox.hold(request: 6)
        let running = try project.start("target-postgres")
        #expect(sandbox.waitUntilHeld(seconds: 180), "\(running.stderrSoFar.suffix(2000))")
        let tap = try #require(Self.descendant(of: running.process.processIdentifier, named: "tap-chat-export"))
        kill(tap, SIGKILL)
        sandbox.releaseHeld()
        let killed = running.wait()
        #expect(killed.status != 0, "the killed run fails")
        let partial = try Self.count(server, "messages") + Self.count(server, "conversations")
        #expect(partial < sandbox.dataset.adaMessages.count + sandbox.dataset.adaConversations.count)

        let again = try project.run("target-postgres")
        #expect(again.status == 0, "\(again.stderr.suffix(3000))")
        #expect(again.stderr.contains("resuming from checkpoint"), "the run after the kill resumes from the state Meltano stored")
        try Self.expectExact(server, sandbox)
    }

    /// The rows of a table as JSON objects keyed by `_id`.
    static func rows(_ server: PostgresServer, _ table: String) throws -> [String: JSONValue] {
        let connection = try PostgresConnection(try PostgresAddress(url: server.url()))
        defer { connection.close() }
        let result = try connection.query("SELECT _id, row_to_json(t)::text FROM chat.\(table) t", doing: "read \(table)")
        return Dictionary(uniqueKeysWithValues: try result.rows.map { ($0[0] ?? "", canonical(try JSONValue.parse($0[1] ?? "null"))) })
    }

    static func count(_ server: PostgresServer, _ table: String) throws -> Int {
        let exists = try server.psql("SELECT to_regclass('chat.\(table)') IS NOT NULL")
        return exists.hasPrefix("t")
            ? Int(try server.psql("SELECT count(*) FROM chat.\(table)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 : 0
    }

    /// Every sandbox record is a row, and each row holds the record's value of every column the
    /// schema declares (a target keeps declared fields as columns and drops the others).
    static func expectExact(_ server: PostgresServer, _ sandbox: VendorSandbox) throws {
        for (stream, records) in adaRecords(sandbox) {
            let rows = try rows(server, stream)
            #expect(Set(rows.keys) == Set(records.keys), "\(stream): one row per record")
            for (id, text) in records {
                guard let row = rows[id]?.objectValue else { continue }
                let record = try JSONValue.parse(text)
                for (column, value) in row {
                    #expect(value == canonical(record[column] ?? .null), "\(stream) \(id) \(column)")
                }
            }
        }
    }

    /// The first process below `parent` whose executable is named `name`.
    static func descendant(of parent: Int32, named name: String) -> Int32? {
        var found: Int32?
        waitUntil(limit: 60) {
            var children: [Int32: [Int32]] = [:]
            var names: [Int32: String] = [:]
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { continue }
                let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
                if fields.count > 1, let ppid = Int32(fields[1]) { children[ppid, default: []].append(pid) }
                names[pid] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/exe")).map {
                    ($0 as NSString).lastPathComponent
                }
            }
            var queue = children[parent] ?? []
            while let pid = queue.first {
                queue.removeFirst()
                if names[pid] == name {
                    found = pid
                    return true
                }
                queue += children[pid] ?? []
            }
            return false
        }
        return found
    }
}
