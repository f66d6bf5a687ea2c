import SQLStore

/// The load path of a stream's table: `COPY` into a temporary staging table, then one merge.
extension SQLTable where Dialect == PostgresDialect {
    /// A temporary table per stream and connection, emptied at every commit.
    var staging: String { Dialect.quote("chat_export_stage_" + name) }

    /// The columns a batch is copied into the staging table with (`ord` keeps arrival order).
    var copyColumns: [String] { ["ord", "_id", cursorColumn] + (parentColumn.map { [$0] } ?? []) + ["data"] }

    var createStaging: String {
        var columns = ["ord integer NOT NULL", "_id text NOT NULL", "\(Dialect.quote(cursorColumn)) timestamptz"]
        if let parentColumn { columns.append("\(Dialect.quote(parentColumn)) text") }
        columns.append("data json NOT NULL")
        return "CREATE TEMPORARY TABLE IF NOT EXISTS \(staging) (\(columns.joined(separator: ", "))) ON COMMIT DELETE ROWS"
    }

    var copy: String { "COPY \(staging) (\(copyColumns.map(Dialect.quote).joined(separator: ", "))) FROM STDIN" }

    /// From staging into the table: the last copy of each `_id` in the batch wins (a page
    /// boundary can repeat a record; `ON CONFLICT` refuses a row affected twice).
    ///
    /// - Parameter distinct: Whether the batch repeats an `_id` (else the sort is skipped).
    func merge(distinct: Bool) -> String {
        let names = columns.map(Dialect.quote).joined(separator: ", ")
        let selected = columns.dropLast().map(Dialect.quote).joined(separator: ", ") + ", now()"
        let updates = columns.dropFirst().map { "\(Dialect.quote($0)) = excluded.\(Dialect.quote($0))" }.joined(separator: ", ")
        let rows =
            distinct ? "SELECT DISTINCT ON (_id) \(selected) FROM \(staging) ORDER BY _id, ord DESC" : "SELECT \(selected) FROM \(staging)"
        return "INSERT INTO \(table) (\(names)) \(rows) ON CONFLICT (_id) DO UPDATE SET \(updates)"
    }
}
