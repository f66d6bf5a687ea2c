import ConnectorKit
import SQLStore

/// SQLite for ``SQLStore``: `TEXT` columns (times as ISO-8601 UTC text), `?` placeholders, the
/// JSON1 functions over `data`, and `sqlite_master` for the catalogue.
struct SQLiteDialect: SQLDialect {
    // Times as ISO-8601 UTC text; `data` as TEXT, queryable with the JSON1 functions.
    var types: SQLTypes { SQLTypes(text: "TEXT", timestamp: "TEXT", integer: "INTEGER", bigint: "INTEGER", data: "TEXT") }
    var container: String { "database" }

    func placeholder(_ index: Int) -> String { "?" }
    func qualified(_ name: String) -> String { Self.quote(name) }
    func displayName(_ name: String) -> String { name }
    // An ISO-8601 timestamp holds no quote, so it can stand in the SQL as a literal.
    func currentTimestamp() -> String { Self.literal(Timestamp.now.iso8601(fractionDigits: 6)) }
    func textConstant(_ text: String) -> String { Self.literal(text) }

    func fieldExpression(_ field: FieldDescriptor) -> String {
        switch field.type {
        case .integer: Self.integer(field.path)
        case .real: "CAST(\(Self.real(field.path)) AS REAL)"
        case .boolean: Self.boolean(field.path)
        // Times as ISO-8601 UTC text, whatever the vendor wrote (with or without a zone, epoch s or ms).
        case .timestamp: Self.time(field.path)
        default: "json_extract(data, \(Self.jsonPath(field.path)))"
        }
    }

    func emptyCanonicalSelect(_ kind: CanonicalMapping.Kind) -> String {
        let columns = CanonicalMapping(kind, vendor: "", [:]).columns.map { column in
            let type =
                switch column.type {
                case .number: "REAL"
                case .boolean: "INTEGER"
                case .text, .time: "TEXT"
                }
            return "CAST(NULL AS \(type)) AS \(Self.quote(column.name))"
        }
        return "SELECT "
            + (columns + ["CAST(NULL AS TEXT) AS \"table_prefix\"", "CAST(NULL AS TEXT) AS \"instance\""]).joined(separator: ", ")
            + " WHERE 0"
    }

    func existingTableCondition(_ column: String) -> String { "\(column) IN (SELECT name FROM sqlite_master WHERE type = 'table')" }

    func jsonText(_ path: [String]) -> String { "CAST(json_extract(data, \(Self.jsonPath(path))) AS TEXT)" }

    /// Values bound per statement (SQLite allows 32,766).
    static let membershipChunk = 500

    func membership(_ expression: String, _ values: [String]) -> [(condition: String, parameters: [String?])] {
        stride(from: 0, to: values.count, by: Self.membershipChunk).map { start in
            let chunk = values[start..<min(start + Self.membershipChunk, values.count)]
            return ("\(expression) IN (\(placeholders(chunk.count)))", chunk.map { Optional($0) })
        }
    }

    func tableExists(_ name: String, on db: SQLiteConnection) throws -> Bool {
        try !db.rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).isEmpty
    }

    func columns(of name: String, on db: SQLiteConnection) throws -> [String] {
        try db.rows("SELECT name FROM pragma_table_info(?)", [name]).compactMap { $0.first ?? nil }
    }

    /// Leaves the view alone when `sqlite_master` already holds this statement (SQLite keeps a
    /// view's statement as written), so a run changes the schema only when a declaration or the
    /// set of tables changed.
    func replaceView(_ name: String, with select: String, on db: SQLiteConnection) throws {
        let create = "CREATE VIEW \(Self.quote(name)) AS " + select
        let current = try db.rows("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", [name]).first?.first ?? nil
        guard current != create else { return }
        try db.execute("DROP VIEW IF EXISTS \(Self.quote(name)); " + create, doing: "create view \(name)")
    }

    /// A write transaction taken first: jobs opening the database at once take turns.
    func changeSchema(on db: SQLiteConnection, doing: String, _ body: () throws -> Void) throws {
        try db.transaction(body)
    }
}
