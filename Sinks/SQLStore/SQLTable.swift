package import ConnectorKit

/// A stream's table, indexes and views in a dialect, derived from its ``StreamDescriptor``:
/// `_id` (primary key), the cursor column, the parent column if any, `data` (the record's JSON
/// exactly as received) and `synced_at`.
package struct SQLTable<Dialect: SQLDialect>: Sendable {
    /// The engine.
    package let dialect: Dialect
    /// The job's table prefix.
    package let prefix: String
    /// The stream.
    package let stream: StreamDescriptor

    /// Creates the description of a stream's table.
    ///
    /// - Parameters:
    ///   - dialect: The engine.
    ///   - prefix: The job's table prefix.
    ///   - stream: The stream.
    package init(_ dialect: Dialect, prefix: String, stream: StreamDescriptor) {
        self.dialect = dialect
        self.prefix = prefix
        self.stream = stream
    }

    /// `<prefix><stream>`, unquoted.
    package var name: String { prefix + stream.name }
    /// The table as SQL names it.
    package var table: String { dialect.qualified(name) }
    /// `<prefix><stream>_view`, unquoted.
    package var viewName: String { name + "_view" }
    /// The cursor column.
    package var cursorColumn: String { stream.cursorColumn }
    /// The parent column, if the stream has one.
    package var parentColumn: String? { stream.parentColumn }

    /// The columns every stream table has, in insert order.
    package var columns: [String] { ["_id", cursorColumn] + (parentColumn.map { [$0] } ?? []) + ["data", "synced_at"] }

    /// The table and its indexes (on the cursor and the parent column).
    package var createTable: String {
        let quote = Dialect.quote
        var columns = ["_id \(dialect.textType) PRIMARY KEY NOT NULL", "\(quote(cursorColumn)) \(dialect.timestampType)"]
        if let parentColumn { columns.append("\(quote(parentColumn)) \(dialect.textType)") }
        columns += ["data \(dialect.dataType) NOT NULL", "synced_at \(dialect.timestampType) NOT NULL"]
        var sql = "CREATE TABLE IF NOT EXISTS \(table) (\(columns.joined(separator: ", ")));"
        for column in [cursorColumn] + (parentColumn.map { [$0] } ?? []) {
            sql += "CREATE INDEX IF NOT EXISTS \(quote(name + "_" + column)) ON \(table) (\(quote(column)));"
        }
        return sql
    }

    /// The SELECT of the analyst view: the stream's well-known fields as typed columns, never
    /// failing on a value of an unexpected type (it reads as NULL). The view is replaced whenever
    /// this changes, so new declarations appear, and is unaffected by fields the vendor adds.
    package var viewSelect: String {
        var selected = columns.filter { $0 != "data" }.map(Dialect.quote)
        for field in stream.fields where !columns.contains(field.name) {
            selected.append("\(dialect.fieldExpression(field)) AS \(Dialect.quote(field.name))")
        }
        return "SELECT " + selected.joined(separator: ", ") + " FROM \(table)"
    }

    /// The SELECT mapping this stream's table onto its model view, or nil without a mapping.
    ///
    /// - Parameter instance: The vendor instance the job reads.
    /// - Returns: The SELECT, ending in `FROM <table>`.
    package func canonicalSelect(instance: String) -> String? {
        guard let mapping = stream.canonical else { return nil }
        let columns = mapping.columns.map { column in
            "\(dialect.canonicalExpression(mapping.values[column.name] ?? .none, type: column.type)) AS \(Dialect.quote(column.name))"
        }
        // The job's table prefix names the copy a row is; the instance, with the vendor and the id,
        // names the record (a join on them is exact).
        return "SELECT " + columns.joined(separator: ", ") + ", \(dialect.textConstant(prefix)) AS \"table_prefix\", "
            + "\(dialect.textConstant(instance)) AS \"instance\" FROM " + table
    }
}
