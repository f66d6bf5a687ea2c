import CSQLite
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import FilesSink
import Foundation
import SQLiteSink
import SyntheticConnector
import Testing

/// Reads rows with a separate connection, as an analyst would.
func query(_ path: String, _ sql: String) throws -> [[String?]] {
    var db: OpaquePointer?
    guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { throw ChatExportError(.failure, "cannot open \(path)") }
    defer { sqlite3_close_v2(db) }
    var statement: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
        throw ChatExportError(.failure, String(cString: sqlite3_errmsg(db)))
    }
    defer { sqlite3_finalize(statement) }
    var rows: [[String?]] = []
    while sqlite3_step(statement) == SQLITE_ROW {
        rows.append((0..<sqlite3_column_count(statement)).map { sqlite3_column_text(statement, $0).map { String(cString: $0) } })
    }
    return rows
}

@Suite("SQLite sink")
struct SQLiteSinkTests {
    let directory = TemporaryDirectory()
    let source = SyntheticSource(settings: .init(records: 500, pageSize: 60))

    func run(_ sink: SQLiteSink, source: SyntheticSource? = nil, extra: [any Sink] = []) async throws -> any CheckpointStore {
        let store = try await sink.checkpointStore()
        try await JobRunner(
            source: source ?? self.source, sinks: [sink] + extra, checkpoints: store, logger: .disabled
        ).run()
        await store.close()
        return store
    }

    @Test("creates a table, indexes and a view per stream, with the raw JSON and normalised columns")
    func schema() async throws {
        let path = directory.path + "/out.sqlite"
        _ = try await run(SQLiteSink(settings: .init(path: path, tablePrefix: "acme_")))
        let names = Set(try query(path, "SELECT name FROM sqlite_master").compactMap { $0[0] })
        for name in [
            "acme_messages", "acme_conversations", "acme_messages_view", "acme_conversations_view", "acme_messages_created_at",
            "acme_messages_conversation_id", "acme__chat_export_state",
        ] {
            #expect(names.contains(name), "\(name) missing from \(names)")
        }
        let rows = try query(path, "SELECT _id, created_at, conversation_id, data FROM acme_messages ORDER BY _id LIMIT 3")
        for (index, row) in rows.enumerated() {
            #expect(row[3] == source.record(stream: "messages", index: index))
            #expect(
                row[1]
                    == Timestamp(iso8601: "2026-01-01T00:00:00Z")!.adding(seconds: Int64(index - (index % 5 == 4 ? 1 : 0)) * 7).iso8601(
                        fractionDigits: 6))
        }
        #expect(try query(path, "SELECT count(*) FROM acme_messages")[0][0] == "500")
        #expect(try query(path, "PRAGMA journal_mode")[0][0] == "wal")
    }

    @Test("the views expose well-known fields as typed columns")
    func views() async throws {
        let path = directory.path + "/out.sqlite"
        _ = try await run(SQLiteSink(settings: .init(path: path)))
        let rows = try query(path, "SELECT platform, is_escalated, csat_score, typeof(csat_score) FROM conversations_view")
        #expect(rows.count == 500)
        #expect(
            rows.allSatisfy { ["chat", "sms", "email"].contains($0[0] ?? "") && ["0", "1"].contains($0[1] ?? "") && $0[3] == "integer" })
        #expect(try query(path, "SELECT DISTINCT message_type FROM messages_view") == [["text"]])
        #expect(try query(path, "SELECT count(*) FROM messages m JOIN conversations c ON c._id = m.conversation_id")[0][0] == "500")
    }

    @Test("a record that arrives again replaces the stored one")
    func upsert() async throws {
        let path = directory.path + "/out.sqlite"
        let sink = SQLiteSink(settings: .init(path: path))
        let stream = StreamDescriptor(name: "items", summary: "", cursorField: "t", cursorColumn: "updated_at")
        try await sink.open(stream, restoring: nil)
        for (version, text) in ["first", "second"].enumerated() {
            let page = Array("{\"data\":[{\"_id\":\"x\",\"t\":\"2026-01-0\(version + 1)T00:00:00\",\"v\":\"\(text)\"}]}".utf8)
            let records = try PageScanner.scan(page, stream: "items", recordKeys: ["data"], layout: RecordLayout(cursorField: "t")).records
            try await sink.write(RecordBatch(stream: "items", records: records, checkpoint: Checkpoint(.null)))
            _ = try await sink.commit(SinkCommit(stream: "items", sequence: version + 1, checkpoint: Checkpoint(.null)))
        }
        try await sink.finish(succeeded: true)
        #expect(
            try query(path, "SELECT _id, updated_at, json_extract(data, '$.v') FROM items") == [
                ["x", "2026-01-02T00:00:00.000000Z", "second"]
            ])
    }

    @Test("a failed batch rolls back its rows and leaves the checkpoint where it was")
    func rollback() async throws {
        let path = directory.path + "/out.sqlite"
        let sink = SQLiteSink(settings: .init(path: path))
        let failing = SyntheticSource(streams: ["messages"], settings: .init(records: 500, pageSize: 60, failAfterPages: 3))
        await #expect(throws: ChatExportError.self) { _ = try await run(sink, source: failing) }
        #expect(try query(path, "SELECT count(*) FROM messages")[0][0] == "180")
        // A sink after SQLite failing its commit: SQLite's rows of that batch are not kept.
        let second = SQLiteSink(settings: .init(path: path))
        await #expect(throws: ChatExportError.self) {
            _ = try await run(
                second, source: SyntheticSource(streams: ["messages"], settings: .init(records: 500, pageSize: 60)),
                extra: [InMemorySink(failure: .commit(1))])
        }
        #expect(try query(path, "SELECT count(*) FROM messages")[0][0] == "180")
        let state = try query(path, "SELECT state FROM _chat_export_state WHERE stream = 'messages'")[0][0] ?? ""
        #expect(try JSONValue.parse(state)["checkpoint"]?["offset"] == .integer(180))
    }

    @Test("a database locked by another connection is a clear, temporary error, and the checkpoint is untouched")
    func locked() async throws {
        let path = directory.path + "/out.sqlite"
        _ = try await run(SQLiteSink(settings: .init(path: path)), source: SyntheticSource(settings: .init(records: 60, pageSize: 60)))
        var holder: OpaquePointer?
        sqlite3_open(path, &holder)
        defer { sqlite3_close(holder) }
        #expect(sqlite3_exec(holder, "BEGIN EXCLUSIVE", nil, nil, nil) == SQLITE_OK)
        let sink = SQLiteSink(settings: .init(path: path, busyTimeout: .milliseconds(200)))
        let error = await #expect(throws: ChatExportError.self) { _ = try await run(sink) }
        #expect(error?.code == .temporaryFailure)
        #expect(error?.message.contains("\(path) is locked by another connection") == true)
        sqlite3_exec(holder, "ROLLBACK", nil, nil, nil)
        #expect(try query(path, "SELECT count(*) FROM messages")[0][0] == "60")
    }

    @Test("a corrupt file, a path that cannot be a database and a table of another shape are clear errors")
    func badFiles() async throws {
        let corrupt = directory.path + "/corrupt.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: corrupt))
        let corruptError = await #expect(throws: ChatExportError.self) { _ = try await run(SQLiteSink(settings: .init(path: corrupt))) }
        #expect(corruptError?.message.contains("\(corrupt) is not a usable SQLite database") == true)

        let folder = directory.path + "/a-directory"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let openError = await #expect(throws: ChatExportError.self) { _ = try await run(SQLiteSink(settings: .init(path: folder))) }
        #expect(openError?.code == .storageFailure)
        #expect(openError?.message.contains(folder) == true)

        let shaped = directory.path + "/shaped.sqlite"
        var db: OpaquePointer?
        sqlite3_open(shaped, &db)
        sqlite3_exec(db, "CREATE TABLE messages (x TEXT)", nil, nil, nil)
        sqlite3_close(db)
        let shapeError = await #expect(throws: ChatExportError.self) { _ = try await run(SQLiteSink(settings: .init(path: shaped))) }
        #expect(
            shapeError?.message.contains(
                "table messages in \(shaped) exists with an incompatible shape (missing _id, created_at, conversation_id, data, synced_at)")
                == true)
    }

    @Test("a read-only database file is a clear error and its checkpoint is untouched")
    func readOnly() async throws {
        let path = directory.path + "/ro.sqlite"
        _ = try await run(SQLiteSink(settings: .init(path: path)), source: SyntheticSource(settings: .init(records: 60, pageSize: 60)))
        // An immutable file cannot be written even by root (tests run as root here).
        func chattr(_ flag: String) -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
            process.arguments = [flag, path]
            guard (try? process.run()) != nil else { return -1 }
            process.waitUntilExit()
            return process.terminationStatus
        }
        try #require(chattr("+i") == 0, "chattr +i must work on the test file system")
        defer { _ = chattr("-i") }
        let error = await #expect(throws: ChatExportError.self) { _ = try await run(SQLiteSink(settings: .init(path: path))) }
        #expect(error?.code == .storageFailure)
        #expect(error?.message.contains("\(path) cannot be written") == true)
        #expect(try query(path, "SELECT count(*) FROM messages")[0][0] == "60")
        let state = try query(path, "SELECT state FROM _chat_export_state WHERE stream = 'messages'")[0][0] ?? ""
        #expect(try JSONValue.parse(state)["checkpoint"]?["offset"] == .integer(60))
    }

    @Test("two runs of one job cannot share the database's checkpoint")
    func lock() async throws {
        let path = directory.path + "/out.sqlite"
        let first = SQLiteSink(settings: .init(path: path))
        let store = try await first.checkpointStore()
        let error = await #expect(throws: ChatExportError.self) { _ = try await SQLiteSink(settings: .init(path: path)).checkpointStore() }
        #expect(error?.code == .checkpointLocked)
        await store.close()
    }
}

@Suite("One checkpoint authority")
struct CheckpointAuthorityTests {
    let directory = TemporaryDirectory()
    let source = SyntheticSource(settings: .init(records: 200, pageSize: 50))

    /// Writes to the database with a separate connection, as another worker would.
    func execute(_ path: String, _ sql: String) throws {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else {
            throw ChatExportError(.failure, "cannot open \(path)")
        }
        defer { sqlite3_close_v2(db) }
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw ChatExportError(.failure, String(cString: sqlite3_errmsg(db)))
        }
    }

    @Test("a runner refuses a database checkpoint store whose sink is not one of its sinks, before reading anything")
    func storeOfAnotherSink() async throws {
        let path = directory.path + "/out.sqlite"
        let holder = SQLiteSink(settings: .init(path: path))
        let store = try await holder.checkpointStore()
        // A second object for the same database: its rows would never commit with the states.
        let other = SQLiteSink(settings: .init(path: path))
        let error = await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: source, sinks: [other], checkpoints: store, logger: .disabled).run()
        }
        await store.close()
        #expect(error?.message.contains("not one of this job's sinks") == true)
        #expect(try query(path, "SELECT count(*) FROM _chat_export_state").first?[0] == "0")
    }

    @Test("a SQLite sink beside a checkpoint file loads and saves through the file: a re-run reads nothing again")
    func sinkWithFileStore() async throws {
        let path = directory.path + "/out.sqlite"
        for expected in [200, 0] {
            let store = try FileCheckpointStore(path: directory.path + "/job.checkpoint.json")
            let summary = try await JobRunner(
                source: source, sinks: [SQLiteSink(settings: .init(path: path))], checkpoints: store, logger: .disabled
            ).run()
            await store.close()
            #expect(summary.streams["messages"]?.records == expected)
        }
        #expect(try query(path, "SELECT count(*) FROM messages").first?[0] == "200")
    }

    @Test("a run whose fence another run replaced commits nothing: rows and state roll back together")
    func fenced() async throws {
        let path = directory.path + "/out.sqlite"
        let sink = SQLiteSink(settings: .init(path: path))
        let store = try await sink.checkpointStore()
        // Another worker takes the job over (a new fence) while this run still holds its store.
        try execute(path, "UPDATE _chat_export_fence SET fence = fence + 1")
        let error = await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: source, sinks: [sink], checkpoints: store, logger: .disabled).run()
        }
        // A plain save (state set) is fenced the same way.
        let saveError = await #expect(throws: ChatExportError.self) {
            try await store.save(StreamState(checkpoint: Checkpoint(.null)), for: "messages")
        }
        #expect(saveError?.code == .checkpointLocked)
        await store.close()
        #expect(error?.code == .checkpointLocked)
        #expect(error?.message.contains("another run of this job took over the checkpoint") == true)
        #expect(try query(path, "SELECT count(*) FROM messages").first?[0] == "0")
        #expect(try query(path, "SELECT count(*) FROM _chat_export_state").first?[0] == "0")
        // The next run takes a fence of its own and completes.
        let next = try await sink.checkpointStore()
        let summary = try await JobRunner(source: source, sinks: [sink], checkpoints: next, logger: .disabled).run()
        await next.close()
        #expect(summary.streams["messages"]?.records == 200)
    }

    @Test("numbers no column holds (400 digits, 1e400, past 64 bits) read as NULL in the views, never infinity or a clamped integer")
    func outOfRangeNumbers() async throws {
        let path = directory.path + "/out.sqlite"
        let sink = SQLiteSink(settings: .init(path: path))
        let store = try await sink.checkpointStore()
        try await JobRunner(source: OutOfRangeNumbers(), sinks: [sink], checkpoints: store, logger: .disabled).run()
        await store.close()
        func ids(_ sql: String) throws -> Set<String> { Set(try query(path, sql).compactMap { $0[0] }) }
        #expect(try query(path, "SELECT count(*) FROM chat_conversations")[0][0] == "10")
        #expect(try ids("SELECT conversation_id FROM chat_conversations WHERE csat_score IS NOT NULL") == OutOfRangeNumbers.finiteReals)
        #expect(
            try ids("SELECT conversation_id FROM chat_conversations WHERE csat_normalized IS NOT NULL") == OutOfRangeNumbers.finiteReals)
        #expect(try ids("SELECT _id FROM conversations_view WHERE csat_score IS NOT NULL") == OutOfRangeNumbers.integers)
        #expect(try ids("SELECT _id FROM conversations_view WHERE handle_time IS NOT NULL") == OutOfRangeNumbers.finiteReals)
        #expect(try ids("SELECT _id FROM conversations_view WHERE seen_at IS NOT NULL") == OutOfRangeNumbers.times)
        #expect(
            try query(path, "SELECT csat_score, csat_normalized FROM chat_conversations WHERE conversation_id = 'n1'") == [["4", "0.75"]])
        #expect(
            try query(path, "SELECT csat_score FROM conversations_view WHERE _id IN ('n9', 'n10') ORDER BY _id")
                == [["-9223372036854775808"], ["9223372036854775807"]])
    }
}
