import CSQLite
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import PostgresSink
import SQLStore
import SQLiteSink
import Testing

/// One value of every JSON type (and some text that almost names a time) in every typed column
/// of a view and of the conversation model.
struct MixedTypes: Source {
    /// The typed columns a value reads as non-NULL in.
    enum Reads: Hashable {
        case integer, real, boolean, time
    }

    /// The values, by record `_id`, as JSON text, and the columns each reads as non-NULL in.
    static let values: [(id: String, json: String, reads: Set<Reads>)] = [
        ("v01", "4", [.integer, .real, .time]), ("v02", "1.5", [.integer, .real, .time]), ("v03", #""abc""#, []),
        ("v04", #""4""#, []), ("v05", "true", [.boolean]), ("v06", "false", [.boolean]), ("v07", "null", []),
        ("v08", #"{"a": 1}"#, []), ("v09", "[1, 2]", []), ("v10", #""2026-01-02T03:04:05Z""#, [.time]),
        ("v11", #""2026-01-02""#, [.time]), ("v12", #""2026-01-02 03:04:05.5""#, [.time]),
        ("v13", #""2026-01-02T03:04:05+05:30""#, [.time]), ("v14", #""2024-02-29T00:00:00Z""#, [.time]),
        ("v15", #""2026-02-30T10:00:00Z""#, []), ("v16", #""2026-13-01""#, []), ("v17", #""2026-01-01T24:00:00Z""#, []),
        ("v18", #""2026-01-01T25:00:00Z""#, []), ("v19", #""0000-01-01""#, []), ("v20", #""2026-01-01garbage""#, []),
        ("v21", #""not a date""#, []), ("v22", #""2025-02-29""#, []), ("v23", #""1""#, []),
        ("v24", #""2026-01-02T03:04:05+15:00""#, []),
    ]

    /// The ids whose value reads as non-NULL in a column of `kind`.
    static func reading(_ kind: Reads) -> Set<String> { Set(values.filter { $0.reads.contains(kind) }.map(\.id)) }

    /// The stream: `mixed`, the same value under every typed field and mapped model column.
    static let stream = StreamDescriptor(
        name: "mixed", summary: "One value in every typed column.", cursorField: "at", cursorColumn: "created_at",
        fields: [
            FieldDescriptor("n", type: .integer), FieldDescriptor("x", type: .real), FieldDescriptor("b", type: .boolean),
            FieldDescriptor("t", type: .timestamp),
        ],
        canonical: CanonicalMapping(
            .conversation, vendor: "test",
            [
                "conversation_id": .column("_id"), "started_at": .path([["t"]]), "csat_score": .path([["x"]]),
                "is_escalated": .path([["b"]]),
            ]))

    /// The one stream.
    var streams: [StreamDescriptor] { [Self.stream] }

    func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        guard request.checkpoint == nil else { return }
        let records = Self.values.enumerated().map { index, value in
            let json = #"{"_id": "\#(value.id)", "n": \#(value.json), "x": \#(value.json), "b": \#(value.json), "t": \#(value.json)}"#
            return Record(
                stream: Self.stream.name, id: value.id, cursor: Timestamp(epochSeconds: 1_767_225_600 + Int64(index)),
                json: ArraySlice(json.utf8))
        }
        try await emit(RecordBatch(stream: Self.stream.name, records: records, checkpoint: Checkpoint(.string("done"))))
    }
}

/// Messages whose role rules meet a value of every JSON type: `equals`, `one_of` and `none_of`
/// must give the same role in both engines' `chat_messages`.
struct RoleValues: Source {
    /// The records' `k` and `m` members (JSON text, nil for absent), and the role each must get.
    static let values: [(id: String, k: String?, m: String?, role: String)] = [
        ("r01", #""a""#, nil, "none"), ("r02", #""b""#, nil, "listed"), ("r03", #""it's""#, nil, "listed"),
        ("r04", #""4""#, nil, "four"), ("r05", "4", nil, "other"), ("r06", "true", nil, "other"), ("r07", "null", nil, "none"),
        ("r08", nil, nil, "none"), ("r09", #"{"a": 1}"#, nil, "other"), ("r10", #"["a"]"#, nil, "other"), ("r11", #""""#, nil, "other"),
        ("r12", #""e""#, nil, "other"), ("r13", #""a""#, #"{"t": "tool"}"#, "tool"), ("r14", nil, #""tool""#, "none"),
        ("r15", #""d""#, #"{"t": 5}"#, "other"), ("r16", #""a""#, #"{"t": null}"#, "none"),
    ]

    /// The stream: `roles`, mapped onto `chat_messages` by rules of each kind.
    static let stream = StreamDescriptor(
        name: "roles", summary: "Role rules against every JSON type.", cursorField: "at", cursorColumn: "created_at",
        canonical: CanonicalMapping(
            .message, vendor: "test",
            [
                "message_id": .column("_id"),
                "role": .role(
                    rules: [
                        .init(["m", "t"], equals: "tool", role: "tool"), .init(["k"], .equals("4"), role: "four"),
                        .init(["k"], .oneOf(["b", "c", "it's"]), role: "listed"),
                        .init(["k"], .noneOf(["a", "b", "c", "4"]), role: "other"),
                    ], otherwise: "none"),
            ]))

    /// The one stream.
    var streams: [StreamDescriptor] { [Self.stream] }

    func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        guard request.checkpoint == nil else { return }
        let records = Self.values.enumerated().map { index, value in
            let members = [("k", value.k), ("m", value.m)].compactMap { key, json in json.map { #", "\#(key)": \#($0)"# } }
            let json = #"{"_id": "\#(value.id)""# + members.joined() + "}"
            return Record(
                stream: Self.stream.name, id: value.id, cursor: Timestamp(epochSeconds: 1_767_225_600 + Int64(index)),
                json: ArraySlice(json.utf8))
        }
        try await emit(RecordBatch(stream: Self.stream.name, records: records, checkpoint: Checkpoint(.string("done"))))
    }
}

/// Runs `source` once into each sink on its own, each with the sink's own checkpoint store.
func runEach(_ source: some Source, into sinks: [any CheckpointingSink]) async throws {
    for sink in sinks {
        let store = try await sink.checkpointStore()
        _ = try await JobRunner(source: source, sinks: [sink], checkpoints: store, logger: .disabled).run()
        await store.close()
    }
}

@Suite("typed view columns read alike in SQLite and PostgreSQL", .enabled(if: PostgresServer.unavailableReason == nil, TestPostgres.reason))
struct ViewParityTests {
    @Test(
        "a value of an unexpected type (not a number, not a boolean, not a real instant) reads as NULL in both engines' views and model views"
    )
    func unexpectedTypesReadAsNull() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/parity.sqlite"
        let (server, database, _) = try TestPostgres.database()
        let sinks: [any CheckpointingSink] = [
            SQLiteSink(settings: .init(path: path)), try PostgresSink(settings: .init(url: server.url(database: database))),
        ]
        try await runEach(MixedTypes(), into: sinks)
        let postgres = try PostgresConnection(try PostgresAddress(url: server.url(database: database)))
        defer { postgres.close() }
        func ids(_ sql: String) throws -> (sqlite: Set<String>, postgres: Set<String>) {
            (
                Set(try sqliteQuery(path, sql).compactMap { $0[0] }),
                Set(try postgres.query(sql, doing: "read the view").rows.compactMap { $0[0] })
            )
        }
        let columns: [(view: String, id: String, column: String, reads: MixedTypes.Reads)] = [
            ("mixed_view", "_id", "n", .integer), ("mixed_view", "_id", "x", .real), ("mixed_view", "_id", "b", .boolean),
            ("mixed_view", "_id", "t", .time), ("chat_conversations", "conversation_id", "csat_score", .real),
            ("chat_conversations", "conversation_id", "is_escalated", .boolean),
            ("chat_conversations", "conversation_id", "started_at", .time),
        ]
        for (view, id, column, reads) in columns {
            let found = try ids("SELECT \(id) FROM \(view) WHERE \(column) IS NOT NULL")
            #expect(found.sqlite == MixedTypes.reading(reads), "SQLite \(view).\(column)")
            #expect(found.postgres == MixedTypes.reading(reads), "PostgreSQL \(view).\(column)")
        }
        // The booleans themselves, and the same instants.
        #expect(try sqliteQuery(path, "SELECT _id FROM mixed_view WHERE b = 1") == [["v05"]])
        #expect(try postgres.query("SELECT _id FROM mixed_view WHERE b", doing: "read the booleans").rows == [["v05"]])
        let times = "SELECT _id || ' ' || t FROM mixed_view WHERE t IS NOT NULL AND _id >= 'v10'"
        let sqliteTimes = Set(try sqliteQuery(path, times).compactMap { $0[0] })
        let postgresTimes = try postgres.query(
            "SELECT _id || ' ' || to_char(t, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM mixed_view WHERE t IS NOT NULL AND _id >= 'v10'",
            doing: "read the times"
        ).rows.compactMap { $0[0] }
        #expect(sqliteTimes == Set(postgresTimes))
        #expect(sqliteTimes.contains("v13 2026-01-01T21:34:05.000Z"))
    }
}

extension ViewParityTests {
    @Test(
        "role rules (equals, one_of, none_of) give the same role in both engines: only a JSON string is one of the texts, an absent or null value matches no rule"
    )
    func roleRules() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/roles.sqlite"
        let (server, database, _) = try TestPostgres.database()
        let sinks: [any CheckpointingSink] = [
            SQLiteSink(settings: .init(path: path)), try PostgresSink(settings: .init(url: server.url(database: database))),
        ]
        try await runEach(RoleValues(), into: sinks)
        let postgres = try PostgresConnection(try PostgresAddress(url: server.url(database: database)))
        defer { postgres.close() }
        let sql = "SELECT message_id, role FROM chat_messages"
        func roles(_ rows: [[String?]]) -> [String: String] {
            Dictionary(rows.map { ($0[0] ?? "", $0[1] ?? "NULL") }, uniquingKeysWith: { first, _ in first })
        }
        let expected = Dictionary(uniqueKeysWithValues: RoleValues.values.map { ($0.id, $0.role) })
        #expect(roles(try sqliteQuery(path, sql)) == expected, "SQLite")
        #expect(roles(try postgres.query(sql, doing: "read the roles").rows) == expected, "PostgreSQL")
    }
}

@Suite("databases an older chat-export wrote", .enabled(if: PostgresServer.unavailableReason == nil, TestPostgres.reason))
struct OlderDatabaseTests {
    @Test("a model table without instance and vendor, and no views: the next run adds the columns, rebuilds the views and resumes")
    func olderModelTable() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/older.sqlite"
        let (server, database, _) = try TestPostgres.database()
        let postgres = try PostgresConnection(try PostgresAddress(url: server.url(database: database)))
        defer { postgres.close() }
        let sinks: [any CheckpointingSink] = [
            SQLiteSink(settings: .init(path: path)), try PostgresSink(settings: .init(url: server.url(database: database))),
        ]
        func run(_ sink: any CheckpointingSink) async throws -> Int {
            let store = try await sink.checkpointStore()
            let summary = try await JobRunner(source: MixedTypes(), sinks: [sink], checkpoints: store, logger: .disabled).run()
            await store.close()
            return summary.streams["mixed"]?.records ?? 0
        }
        for sink in sinks { #expect(try await run(sink) == MixedTypes.values.count) }
        // What a chat-export before instances wrote: the model table without the two columns.
        let older = "DROP VIEW chat_conversations; DROP VIEW chat_messages; DROP VIEW mixed_view; "
        try postgres.execute(older + "ALTER TABLE chat_export_model DROP COLUMN instance, DROP COLUMN vendor", doing: "make it older")
        var db: OpaquePointer?
        #expect(sqlite3_open(path, &db) == SQLITE_OK)
        #expect(
            sqlite3_exec(
                db, older + "ALTER TABLE chat_export_model DROP COLUMN instance; ALTER TABLE chat_export_model DROP COLUMN vendor", nil,
                nil, nil) == SQLITE_OK)
        sqlite3_close(db)
        // The checkpoint says the stream is done: nothing is read again, and the views are back.
        for sink in sinks { #expect(try await run(sink) == 0) }
        let count = "SELECT count(*) FROM chat_conversations WHERE instance IS NOT NULL"
        #expect(try sqliteQuery(path, count) == [["\(MixedTypes.values.count)"]])
        #expect(try postgres.query(count, doing: "count").rows == [["\(MixedTypes.values.count)"]])
        #expect(try sqliteQuery(path, "SELECT count(*) FROM mixed_view") == [["\(MixedTypes.values.count)"]])
        #expect(try postgres.query("SELECT count(*) FROM mixed_view", doing: "count").rows == [["\(MixedTypes.values.count)"]])
    }
}
