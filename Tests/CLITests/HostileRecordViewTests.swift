import CSQLite
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import PostgresSink
import RestConnector
import SQLStore
import SQLiteSink
import Testing

/// Messages a vendor may send that PostgreSQL's text cannot hold as they are.
struct HostileRecords: Source {
    /// `_id` → the record's members after `_id` (raw JSON), and the role both engines must give.
    static let values: [(id: String, members: String, role: String)] = [
        // A record that carries a NUL somewhere the views do not even read, and one where they do.
        ("h02", #""kind": "chat", "note": "pasted \u0000 by a user""#, "chat"),
        ("h03", #""kind": "c\u0000hat""#, "other"),
        // An escaped backslash before "u0000" is text, not a NUL: it stays as it is.
        ("h04", #""kind": "chat", "note": "\\u0000 is six characters""#, "chat"),
    ]

    static let stream = StreamDescriptor(
        name: "hostile", summary: "Records the views must read alike.", cursorField: "at", cursorColumn: "created_at",
        fields: [FieldDescriptor("note", path: ["note"])],
        canonical: CanonicalMapping(
            .message, vendor: "test",
            [
                "message_id": .column("_id"),
                "role": .role(
                    rules: [
                        .init(["kind"], .oneOf(["chat"]), role: "chat"),
                        .init(["kind"], .noneOf(["chat"]), role: "other"),
                    ], otherwise: "none"),
            ]))

    var streams: [StreamDescriptor] { [Self.stream] }

    /// Only the records named (all when nil).
    var only: Set<String>? = nil

    func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        guard request.checkpoint == nil else { return }
        let records = Self.values.enumerated().filter { only?.contains($0.element.id) ?? true }.map { index, value in
            let json = "{\"_id\": \"\(value.id)\", " + value.members + "}"
            return Record(
                stream: Self.stream.name, id: value.id, cursor: Timestamp(epochSeconds: 1_767_225_600 + Int64(index)),
                json: ArraySlice(json.utf8))
        }
        try await emit(RecordBatch(stream: Self.stream.name, records: records, checkpoint: Checkpoint(.string("done"))))
    }
}

@Suite(
    "Records PostgreSQL text cannot hold as they are: the views still read",
    .enabled(if: PostgresServer.unavailableReason == nil, TestPostgres.reason))
struct HostileRecordViewTests {
    /// Runs `source` into a fresh SQLite file and a fresh PostgreSQL database.
    func load(_ source: HostileRecords, in directory: TemporaryDirectory) async throws -> (sqlite: String, postgres: PostgresConnection) {
        let path = directory.path + "/hostile.sqlite"
        let (server, database, _) = try TestPostgres.database()
        let sinks: [any CheckpointingSink] = [
            SQLiteSink(settings: .init(path: path)), try PostgresSink(settings: .init(url: server.url(database: database))),
        ]
        try await runEach(source, into: sinks)
        return (path, try PostgresConnection(try PostgresAddress(url: server.url(database: database))))
    }

    @Test(
        "a \\u0000 in a record is stored as \\ufffd in PostgreSQL, so the views read every record; an escaped backslash before u0000 stays; SQLite keeps the bytes"
    )
    func nulInARecord() async throws {
        let directory = TemporaryDirectory()
        let (sqlite, postgres) = try await load(HostileRecords(), in: directory)
        defer { postgres.close() }
        let sql = "SELECT message_id, role FROM chat_messages ORDER BY message_id"
        let expected = HostileRecords.values.map { [$0.id, $0.role] }
        #expect(try sqliteQuery(sqlite, sql).map { $0.map { $0 ?? "NULL" } } == expected, "SQLite")
        let rows = try postgres.query(sql, doing: "read the roles").rows
        #expect(rows.map { $0.map { $0 ?? "NULL" } } == expected, "PostgreSQL")
        let notes = try postgres.query("SELECT _id, data::text FROM hostile ORDER BY _id", doing: "read the records").rows
        #expect(notes.count == 3)
        #expect(notes[0][1]?.contains(#"pasted \ufffd by a user"#) == true, "\(notes)")
        #expect(notes[1][1]?.contains(#"c\ufffdhat"#) == true, "\(notes)")
        #expect(notes[2][1]?.contains(#""\\u0000 is six characters""#) == true, "\(notes)")
    }
}

@Suite("What validate accepts the SQLite views can read")
struct RecordPathChecks {
    @Test("a record path key with a backslash is refused, as with a double quote: SQLite's JSON paths never address it")
    func backslashKeyRefused() throws {
        let definition = try RestDefinitionTests.withRoleRule(#"{"path": ["au\\thor"], "equals": "bot", "role": "bot"}"#)
        let error = try #require(throws: ConfigError.self) { try RestDefinition.parse(definition, source: "acme.json") }
        #expect(error.issues.contains { $0.description.contains("role[0].path[0]") }, "\(error.issues.map(\.description))")
    }
}
