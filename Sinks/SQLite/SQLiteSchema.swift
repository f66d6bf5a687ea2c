import ConnectorRuntime
import Foundation

/// Table, index and view DDL for a stream, derived from its ``StreamDescriptor``.
struct SQLiteSchema {
    let prefix: String
    let stream: StreamDescriptor

    var table: String { prefix + stream.name }
    var view: String { table + "_view" }
    var cursorColumn: String { stream.cursorColumn }
    var parentColumn: String? { stream.parentColumn }

    /// The columns every stream table has, in insert order.
    var columns: [String] { ["_id", cursorColumn] + (parentColumn.map { [$0] } ?? []) + ["data", "synced_at"] }

    static func quote(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    var createTable: String {
        var columns = ["_id TEXT PRIMARY KEY NOT NULL", "\(SQLiteSchema.quote(cursorColumn)) TEXT"]
        if let parentColumn { columns.append("\(SQLiteSchema.quote(parentColumn)) TEXT") }
        columns += ["data TEXT NOT NULL", "synced_at TEXT NOT NULL"]
        var sql = "CREATE TABLE IF NOT EXISTS \(SQLiteSchema.quote(table)) (\(columns.joined(separator: ", ")));"
        sql +=
            "CREATE INDEX IF NOT EXISTS \(SQLiteSchema.quote(table + "_" + cursorColumn)) ON \(SQLiteSchema.quote(table)) (\(SQLiteSchema.quote(cursorColumn)));"
        if let parentColumn {
            sql +=
                "CREATE INDEX IF NOT EXISTS \(SQLiteSchema.quote(table + "_" + parentColumn)) ON \(SQLiteSchema.quote(table)) (\(SQLiteSchema.quote(parentColumn)));"
        }
        return sql
    }

    /// The SELECT of a view exposing the stream's well-known fields as columns; the view is
    /// replaced whenever this changes, so new declarations appear, and is unaffected by fields the
    /// vendor adds.
    var viewSelect: String {
        var selected = columns.filter { $0 != "data" }.map(SQLiteSchema.quote)
        for field in stream.fields where !columns.contains(field.name) {
            let value = "json_extract(data, \(SQLiteSchema.jsonPath(field.path)))"
            let expression: String
            switch field.type {
            case .integer: expression = SQLiteSchema.integer(field.path)
            case .real: expression = "CAST(\(SQLiteSchema.real(field.path)) AS REAL)"
            // Times as ISO-8601 UTC text, whatever the vendor wrote (with or without a zone, epoch s or ms).
            case .timestamp: expression = SQLiteSchema.canonicalExpression(.path([field.path]), type: .time)
            default: expression = value
            }
            selected.append("\(expression) AS \(SQLiteSchema.quote(field.name))")
        }
        return "SELECT " + selected.joined(separator: ", ") + " FROM \(SQLiteSchema.quote(table))"
    }

    var upsert: String {
        let names = columns.map(SQLiteSchema.quote)
        let updates = columns.dropFirst().map { "\(SQLiteSchema.quote($0)) = excluded.\(SQLiteSchema.quote($0))" }
        return
            "INSERT INTO \(SQLiteSchema.quote(table)) (\(names.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", "))) "
            + "ON CONFLICT(_id) DO UPDATE SET \(updates.joined(separator: ", "))"
    }
}
