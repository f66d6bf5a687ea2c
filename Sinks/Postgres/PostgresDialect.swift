import ConnectorKit
import Foundation
import SQLStore

/// PostgreSQL for ``SQLStore``: tables in one schema, `text` and `timestamptz` columns, `data`
/// as `json` (the vendor's bytes exactly; `jsonb` would reorder keys and reject `\u0000`), `$n`
/// placeholders, and schema changes serialised by a transaction-scoped advisory lock.
struct PostgresDialect: SQLDialect {
    /// The schema the tables live in.
    let schema: String

    var types: SQLTypes { SQLTypes(text: "text", timestamp: "timestamptz", integer: "integer", bigint: "bigint", data: "json") }
    var container: String { "schema" }

    func placeholder(_ index: Int) -> String { "$\(index)" }
    func qualified(_ name: String) -> String { Self.quote(schema) + "." + Self.quote(name) }
    func displayName(_ name: String) -> String { schema + "." + name }
    func currentTimestamp() -> String { "now()" }
    func textConstant(_ text: String) -> String { Self.literal(text) + "::text" }

    func emptyCanonicalSelect(_ kind: CanonicalMapping.Kind) -> String {
        let columns = CanonicalMapping(kind, vendor: "", [:]).columns.map { "NULL::\(Self.sqlType($0.type)) AS \(Self.quote($0.name))" }
        return "SELECT " + (columns + ["NULL::text AS \"table_prefix\"", "NULL::text AS \"instance\""]).joined(separator: ", ")
            + " WHERE false"
    }

    func existingTableCondition(_ column: String) -> String {
        "to_regclass(quote_ident(\(Self.literal(schema))) || '.' || quote_ident(\(column))) IS NOT NULL"
    }

    /// `data #>> '{a,b}'`: the text at the path.
    func jsonText(_ path: [String]) -> String { "(data #>> \(Self.literal(PostgresConnection.textArray(path)))::text[])" }

    /// One condition whatever the number of values: `= ANY($1::text[])`.
    func membership(_ expression: String, _ values: [String]) -> [(condition: String, parameters: [String?])] {
        [("\(expression) = ANY($1::text[])", [PostgresConnection.textArray(values)])]
    }

    func tableExists(_ name: String, on db: PostgresConnection) throws -> Bool {
        try db.query("SELECT to_regclass($1) IS NOT NULL", [qualified(name)], doing: "look up table \(displayName(name))").value == "t"
    }

    func columns(of name: String, on db: PostgresConnection) throws -> [String] {
        try db.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2", [schema, name],
            doing: "read the shape of table \(name)"
        ).rows.compactMap { $0.first ?? nil }
    }

    /// Leaves the view alone when its comment says it already selects `select` (a hash of it):
    /// a run takes no lock on a view analysts may be reading unless a declaration or the set of
    /// tables changed.
    func replaceView(_ name: String, with select: String, on db: PostgresConnection) throws {
        let view = qualified(name)
        let stamp = "Kept by chat-export; definition \(Self.fingerprint(select)): replaced when the tables it reads change."
        let current = try db.query(
            "SELECT to_regclass($1) IS NOT NULL, obj_description(to_regclass($1), 'pg_class')", [view], doing: "look up view \(view)"
        ).rows.first
        if current?[1] == stamp { return }
        try db.execute(
            (current?[0] == "t" ? "DROP VIEW \(view); " : "")
                + "CREATE VIEW \(view) AS \(select); COMMENT ON VIEW \(view) IS \(Self.literal(stamp))",
            doing: "create view \(view)")
    }

    /// A stable fingerprint of `text` (64-bit FNV-1a, hex), the same in every process and version.
    static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// The class of the advisory lock serialising changes to a schema's objects (the second key
    /// is the schema's `hashtext`); the two-key space never meets the jobs' one-key locks.
    static let schemaLockClass: Int32 = 0x6365_7870
    /// Seconds a change to the schema waits for a lock (another job's change, an analyst's long
    /// query on a view being replaced) before the run stops with a temporary failure.
    static let schemaLockTimeout = 60
    /// SQLSTATEs worth one more try of a schema change: a serialization failure, a deadlock, and
    /// an object another program created at the same moment without taking the lock.
    static let retriedStates: Set<String> = ["40001", "40P01", "23505", "42P06", "42P07", "42710"]

    /// Runs `body` in a transaction holding the schema's lock (a transaction-scoped advisory
    /// lock), so jobs starting at the same instant change the schema's shared objects one at a
    /// time, each seeing what the one before committed. Waits at most ``schemaLockTimeout`` for a
    /// lock; tries up to 3 times when the failure is one trying again can cure.
    func changeSchema(on db: PostgresConnection, doing: String, _ body: () throws -> Void) throws {
        var attempt = 1
        while true {
            do {
                try db.transaction(doing: doing) {
                    try db.execute("SET LOCAL lock_timeout = '\(Self.schemaLockTimeout)s'", doing: doing)
                    try db.query(
                        "SELECT pg_advisory_xact_lock(\(Self.schemaLockClass), hashtext($1))", [schema],
                        doing: "lock schema \(schema) for \(doing)")
                    try body()
                }
                return
            } catch let error as ChatExportError
                where attempt < 3 && db.isOpen && Self.retriedStates.contains(db.lastFailedState ?? "") && error.code == .temporaryFailure
            {
                attempt += 1
                usleep(useconds_t.random(in: 10_000...100_000))
            }
        }
    }
}
