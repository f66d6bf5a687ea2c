import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// Every record a job's sinks hold, by place (a table, a files folder, an object prefix), read
/// back by readers other than chat-export's: SQLite's C API, libpq, `gzip`, pyarrow, boto3.
struct SinkContents: Equatable {
    /// Place (`sqlite messages`, `files:parquet .replaced-…/messages`) → the records' JSON, sorted.
    var places: [String: [String]] = [:]

    mutating func add(_ place: String, _ records: [String]) { places[place, default: []] += records }

    /// The same places without the records `forgotten` selects.
    func removing(_ forgotten: (JSONValue) -> Bool) throws -> SinkContents {
        var kept = SinkContents()
        for (place, records) in places { kept.places[place] = try records.filter { !forgotten(try JSONValue.parse($0)) }.sorted() }
        return kept
    }

    var sorted: SinkContents { SinkContents(places: places.mapValues { $0.sorted() }) }

    /// How many records match.
    func count(_ matching: (JSONValue) -> Bool) throws -> Int {
        try places.values.joined().reduce(0) { $0 + (matching(try JSONValue.parse($1)) ? 1 : 0) }
    }

    /// Reads a files sink's directory: every published part, the copies set aside included (one
    /// reader process per folder and format).
    static func files(_ directory: String, label: String, into contents: inout SinkContents) throws {
        var folders: [String: [String]] = [:]
        for path in (FileManager.default.subpaths(atPath: directory) ?? []).sorted()
        where (path as NSString).lastPathComponent.hasPrefix("part-") {
            folders[(path as NSString).deletingLastPathComponent, default: []].append(directory + "/" + path)
        }
        for (folder, files) in folders.sorted(by: { $0.key < $1.key }) {
            let stream = (folder as NSString).lastPathComponent
            let gzip = files.filter { $0.hasSuffix(".jsonl.gz") }
            let parquet = files.filter { $0.hasSuffix(".parquet") }
            var records = try gunzip(gzip)
            if !parquet.isEmpty {
                records += try PartReaders.pyarrowRows(
                    parquet, cursor: stream == "messages" ? "created_at" : "updated_at",
                    parent: stream == "messages" ? "conversation_id" : nil
                ).map { $0[3] }
            }
            for file in files where file.hasSuffix(".jsonl") {
                records += try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
            }
            contents.add("\(label) \(folder)", records)
        }
    }

    /// The lines of gzip files, decompressed by one `gzip -dc`.
    static func gunzip(_ files: [String]) throws -> [String] {
        guard !files.isEmpty else { return [] }
        let outcome = try PartReaders.run("/bin/sh", ["-c", "gzip -dc \"$@\"", "sh"] + files)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return outcome.stdout.split(separator: "\n").map(String.init)
    }
}

@Suite("forget through the binary", .serialized)
struct ForgetTests {
    static let key = "forget-test-pseudonym-key-0123456789"

    /// The sinks a test can run: SQLite and three files formats always; PostgreSQL and s3 when
    /// their servers can be started here.
    struct Sinks {
        var json: [String] = []
        var postgres: (server: PostgresServer, database: String)?
        var moto: MotoServer?
        var environment: [String: String] = ["PSEUDONYM_KEY": ForgetTests.key]

        init(directory: String) throws {
            json = [
                #"{"type": "sqlite", "path": "out/db.sqlite"}"#, #"{"type": "files", "dir": "out/jsonl", "max_file_bytes": 16384}"#,
                #"{"type": "files", "dir": "out/gz", "format": "jsonl.gz", "max_file_bytes": 16384}"#,
            ]
            if PartReaders.pyarrow {
                json.append(#"{"type": "files", "dir": "out/parquet", "format": "parquet", "max_file_bytes": 16384}"#)
            }
            if PostgresServer.unavailableReason == nil {
                let (server, database, url) = try TestPostgres.database()
                postgres = (server, database)
                json.append(#"{"type": "postgres", "url": "\#(url)"}"#)
                environment.merge(TestPostgres.environment(server)) { $1 }
            }
            if MotoServer.available {
                let moto = try MotoServer()
                self.moto = moto
                json.append(String(moto.sink(format: "jsonl.gz", maxFileBytes: 16384).dropFirst().dropLast()))
                environment.merge(moto.environment) { $1 }
            }
        }

        /// Everything every sink holds.
        func contents(_ directory: String) throws -> SinkContents {
            var contents = SinkContents()
            for stream in ["messages", "conversations"] {
                contents.add("sqlite \(stream)", Array(try SQLiteRows.ids(directory + "/out/db.sqlite", table: stream).values))
                if let postgres {
                    contents.add(
                        "postgres \(stream)",
                        Array(try TestPostgres.rows(postgres.server, postgres.database, table: "public." + stream).values))
                }
            }
            for format in ["jsonl", "gz", "parquet"] where FileManager.default.fileExists(atPath: directory + "/out/" + format) {
                try SinkContents.files(directory + "/out/" + format, label: "files:\(format)", into: &contents)
            }
            if let moto {
                let work = TemporaryDirectory()
                var folders: [String: [String]] = [:]
                for (key, bytes) in try moto.objects(prefix: "exports/") where key.hasSuffix(".jsonl.gz") {
                    let file = work.path + "/" + UUID().uuidString + ".jsonl.gz"
                    try Data(bytes).write(to: URL(fileURLWithPath: file))
                    folders["s3 " + (key as NSString).deletingLastPathComponent, default: []].append(file)
                }
                for (place, files) in folders { contents.add(place, try SinkContents.gunzip(files)) }
            }
            return contents.sorted
        }
    }

    static func sandbox(conversations: Int = 32) throws -> VendorSandbox {
        var settings = SandboxSettings()
        settings.conversations = conversations
        settings.messagesPerConversation = 4
        return try VendorSandbox(settings: settings)
    }

    @Test(
        "forget removes end users from SQLite, PostgreSQL, files and s3, copies set aside included; killed after any step, a re-run finishes; a full refresh does not bring them back"
    )
    func everywhere() throws {
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let sinks = try Sinks(directory: directory.path)
        // chatter_id pseudonymized: forget must match the pseudonym; the checkpoint in a file of its own.
        let config =
            String(
                adaJob(sandbox, pageSize: 100, sinks: "[" + sinks.json.joined(separator: ", ") + "]").dropLast())
            + #", "transforms": [{"type": "pseudonymize", "paths": ["chatter_id"], "key": "${PSEUDONYM_KEY}"}], "checkpoint": {"path": "job.checkpoint.json"}}"#
        let file = try directory.write("job.json", config)
        for arguments in [["run", file, "--progress", "off"], ["run", file, "--progress", "off", "--full-refresh"]] {
            let outcome = try CLIHarness.run(arguments, environment: sinks.environment)
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }

        // Two end users by end_user_id (two conversations each), one by chatter_id alone.
        let conversations = try sandbox.dataset.adaConversations.map { try JSONValue.parse($0.json) }
        let loner = try #require(conversations.first { $0["end_user_id"] == .null }?["chatter_id"]?.stringValue)
        let endUsers = ["eu-3", "eu-7", loner]
        let forgotten = Set(
            conversations.filter {
                endUsers.contains($0["end_user_id"]?.stringValue ?? "") || $0["chatter_id"]?.stringValue == loner
            }.compactMap { $0["_id"]?.stringValue })
        #expect(forgotten.count == 5)
        let isForgotten = { (record: JSONValue) in
            forgotten.contains(record["_id"]?.stringValue ?? "") || forgotten.contains(record["conversation_id"]?.stringValue ?? "")
        }
        let before = try sinks.contents(directory.path)
        #expect(before.places.keys.contains { $0.contains(".replaced-") }, "a full refresh set copies aside")
        let expected = try before.removing(isForgotten)
        #expect(try before.count(isForgotten) > 5 * before.places.count / 2, "every place holds the end users' records before")

        // Killed (SIGKILL) after the 1st, 2nd, 4th, 7th… durable step, then run to the end.
        let arguments = ["forget", file] + endUsers.flatMap { ["--end-user", $0] }
        var kills = 0
        var steps = 1
        var finished: CLIHarness.Outcome?
        while finished == nil, kills < 60 {
            var environment = sinks.environment
            environment["CHAT_EXPORT_TEST_KILL_AFTER_STEPS"] = String(steps)
            let outcome = try CLIHarness.run(arguments, environment: environment)
            if outcome.status == 128 + SIGKILL {
                kills += 1
                // Whatever instant it died at, every part reads whole and nothing else is touched.
                let now = try sinks.contents(directory.path)
                #expect(try now.removing(isForgotten) == expected, "after a kill at step \(steps)")
                steps += kills
            } else {
                #expect(outcome.status == 0, "\(outcome.stderr)")
                finished = outcome
            }
        }
        #expect(kills >= 5, "killed in the middle")
        // A run meanwhile (there was none) would have warned; now the forget is done.
        let after = try sinks.contents(directory.path)
        #expect(after == expected, "the end users' records are gone from every place, everything else is as it was")
        #expect(try after.count(isForgotten) == 0)

        // Once more: nothing left to do, nothing changes; the audit says so.
        let again = try CLIHarness.run(arguments, environment: sinks.environment)
        #expect(again.status == 0, "\(again.stderr)")
        let audit = try JSONValue.parse(try #require(again.stdout.split(separator: "\n").last.map(String.init)))["forget"]
        #expect(audit?["end_users"] == .integer(3))
        #expect(audit?["suppressed"]?["conversations"] == .integer(5))
        #expect(try sinks.contents(directory.path) == expected)

        // The job's state keeps no identifier in clear.
        let state = try String(contentsOfFile: directory.path + "/job.checkpoint.json", encoding: .utf8)
        for value in endUsers + forgotten { #expect(!state.contains(value), "\(value) in the checkpoint") }
        let entries = try JSONValue.parse(state)["job"]?["forget_audit"]?.arrayValue ?? []
        #expect(entries.count == 2)

        // The vendor still serves them: a full refresh exports everything else, not them.
        let refreshed = try CLIHarness.run(["run", file, "--progress", "off", "--full-refresh"], environment: sinks.environment)
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        let final = try sinks.contents(directory.path)
        #expect(try final.count(isForgotten) == 0, "a full refresh brought them back")
        let live = final.places.filter { !$0.key.contains(".replaced-") }
        for (place, records) in live where place.hasSuffix("messages") {
            let ids = Set(try records.map { try JSONValue.parse($0)["_id"]?.stringValue ?? "" })
            let wanted = Set(
                try sandbox.dataset.adaMessages.compactMap { message -> String? in
                    let record = try JSONValue.parse(message.json)
                    return isForgotten(record) ? nil : message.id
                })
            #expect(ids == wanted, "\(place)")
        }
    }

    @Test("DeepConverse: an end user by metadata.userId; their messages go with their conversations")
    func deepConverse() throws {
        let sandbox = try Self.sandbox(conversations: 24)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "deepconverse", "base_url": "\#(sandbox.baseURL)", "api_key": "\#(sandbox.settings.deepConverseKey)", "bot_name": "\#(sandbox.settings.botName)", "per_page": 50, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())"}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        #expect(try CLIHarness.run(["run", file, "--progress", "off"]).status == 0)
        let conversations = try sandbox.dataset.deepConverseConversations.map { try JSONValue.parse($0.json) }
        let forgotten = Set(
            conversations.filter { $0["metadata"]?["userId"]?.stringValue == "user-2" }.compactMap { $0["_id"]?.stringValue })
        #expect(forgotten.count == 3)
        let outcome = try CLIHarness.run(["forget", file, "--end-user", "user-2"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        var contents = SinkContents()
        try SinkContents.files(directory.path + "/out", label: "files", into: &contents)
        let isForgotten = { (record: JSONValue) in
            forgotten.contains(record["_id"]?.stringValue ?? "") || forgotten.contains(record["conversationId"]?.stringValue ?? "")
        }
        #expect(try contents.count(isForgotten) == 0)
        let messages = contents.places["files messages"] ?? []
        #expect(
            messages.count == sandbox.dataset.deepConverseMessages.count
                - (try sandbox.dataset.deepConverseMessages.count { isForgotten(try JSONValue.parse($0.json)) }))
    }

    @Test("forget refuses what it cannot do, before changing anything; a run after a killed forget says to finish it")
    func refusals() throws {
        let sandbox = try Self.sandbox(conversations: 8)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", adaJob(sandbox, sinks: #"[{"type": "files", "dir": "out"}]"#))
        #expect(try CLIHarness.run(["forget", file]).status == 64)
        #expect(try CLIHarness.run(["forget", file, "--from-file", directory.path + "/missing.txt"]).status == 64)
        let empty = try directory.write("ids.txt", "# nobody\n\n")
        #expect(try CLIHarness.run(["forget", file, "--from-file", empty]).status == 64)

        let synthetic = try directory.write(
            "synthetic.json", #"{"source": {"type": "synthetic", "records": 10}, "sinks": [{"type": "files", "dir": "syn"}]}"#)
        let none = try CLIHarness.run(["forget", synthetic, "--end-user", "x"])
        #expect(none.status == 78)
        #expect(none.stderr.contains("declares no field that identifies an end user"), "\(none.stderr)")

        let hidden = try directory.write(
            "hidden.json",
            Transformed.job(
                sandbox, sinks: #"[{"type": "files", "dir": "hidden"}]"#,
                transforms: #"[{"type": "drop", "paths": ["end_user_id", "chatter_id"], "streams": ["conversations"]}]"#))
        let refused = try CLIHarness.run(["forget", hidden, "--end-user", "eu-1"])
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("pseudonymize those fields instead"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/hidden.checkpoint.json"), "nothing was stored")

        // Killed after its first step, then a run: the run holds the end user back and says to finish.
        #expect(try CLIHarness.run(["run", file, "--progress", "off"]).status == 0)
        let killed = try CLIHarness.run(["forget", file, "--end-user", "eu-1"], environment: ["CHAT_EXPORT_TEST_KILL_AFTER_STEPS": "1"])
        #expect(killed.status == 128 + SIGKILL)
        let run = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(run.status == 0 && run.stderr.contains("did not finish"), "\(run.stderr)")
        #expect(try CLIHarness.run(["forget", file, "--end-user", "eu-1"]).status == 0)
        #expect(!(try CLIHarness.run(["run", file, "--progress", "off"]).stderr.contains("did not finish")))
    }
}
