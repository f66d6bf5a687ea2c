import ConnectorRuntime
import Foundation

/// Table, index, staging and view SQL for a stream in a PostgreSQL schema, derived from its
/// ``StreamDescriptor`` as the SQLite sink's are: the same columns, `data` as `json` (the vendor's
/// bytes exactly; `jsonb` would reorder keys and reject `\u0000`).
struct PostgresSchema {
    let schema: String
    let prefix: String
    let stream: StreamDescriptor

    var tableName: String { prefix + stream.name }
    var table: String { Self.quote(schema) + "." + Self.quote(tableName) }
    var view: String { Self.quote(schema) + "." + Self.quote(tableName + "_view") }
    /// A temporary table per stream and connection, emptied at every commit.
    var staging: String { Self.quote("chat_export_stage_" + tableName) }
    var cursorColumn: String { stream.cursorColumn }
    var parentColumn: String? { stream.parentColumn }

    /// The columns every stream table has.
    var columns: [String] { ["_id", cursorColumn] + (parentColumn.map { [$0] } ?? []) + ["data", "synced_at"] }
    /// The columns a batch is copied into the staging table with (`ord` keeps arrival order).
    var copyColumns: [String] { ["ord", "_id", cursorColumn] + (parentColumn.map { [$0] } ?? []) + ["data"] }

    static func quote(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    var createTable: String {
        var columns = ["_id text PRIMARY KEY", "\(Self.quote(cursorColumn)) timestamptz"]
        if let parentColumn { columns.append("\(Self.quote(parentColumn)) text") }
        columns += ["data json NOT NULL", "synced_at timestamptz NOT NULL"]
        var sql = "CREATE TABLE IF NOT EXISTS \(table) (\(columns.joined(separator: ", ")));"
        sql += "CREATE INDEX IF NOT EXISTS \(Self.quote(tableName + "_" + cursorColumn)) ON \(table) (\(Self.quote(cursorColumn)));"
        if let parentColumn {
            sql += "CREATE INDEX IF NOT EXISTS \(Self.quote(tableName + "_" + parentColumn)) ON \(table) (\(Self.quote(parentColumn)));"
        }
        return sql
    }

    var createStaging: String {
        var columns = ["ord integer NOT NULL", "_id text NOT NULL", "\(Self.quote(cursorColumn)) timestamptz"]
        if let parentColumn { columns.append("\(Self.quote(parentColumn)) text") }
        columns.append("data json NOT NULL")
        return "CREATE TEMPORARY TABLE IF NOT EXISTS \(staging) (\(columns.joined(separator: ", "))) ON COMMIT DELETE ROWS"
    }

    var copy: String { "COPY \(staging) (\(copyColumns.map(Self.quote).joined(separator: ", "))) FROM STDIN" }

    /// From staging into the table: the last copy of each `_id` in the batch wins (a page
    /// boundary can repeat a record; `ON CONFLICT` refuses a row affected twice).
    ///
    /// - Parameter distinct: Whether the batch repeats an `_id` (else the sort is skipped).
    func merge(distinct: Bool) -> String {
        let names = columns.map(Self.quote).joined(separator: ", ")
        let selected = columns.dropLast().map(Self.quote).joined(separator: ", ") + ", now()"
        let updates = columns.dropFirst().map { "\(Self.quote($0)) = excluded.\(Self.quote($0))" }.joined(separator: ", ")
        let rows =
            distinct ? "SELECT DISTINCT ON (_id) \(selected) FROM \(staging) ORDER BY _id, ord DESC" : "SELECT \(selected) FROM \(staging)"
        return "INSERT INTO \(table) (\(names)) \(rows) ON CONFLICT (_id) DO UPDATE SET \(updates)"
    }

    /// The SELECT of the analyst view: the stream's well-known fields as typed columns, never
    /// failing on a value of an unexpected type (it reads as NULL).
    var viewSelect: String {
        var selected = columns.filter { $0 != "data" }.map(Self.quote)
        for field in stream.fields where !columns.contains(field.name) {
            selected.append("\(Self.expression(for: field)) AS \(Self.quote(field.name))")
        }
        return "SELECT " + selected.joined(separator: ", ") + " FROM \(table)"
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

    static func expression(for field: FieldDescriptor) -> String {
        let keys = field.path.map(literal)
        let node = "data" + keys.map { "->" + $0 }.joined()
        let text = "data" + keys.dropLast().map { "->" + $0 }.joined() + "->>" + (keys.last ?? "''")
        let kind = "json_typeof(\(node))"
        let number = Self.number(text, kind: kind)
        switch field.type {
        case .text: return text
        case .json: return node
        // Within the range SQLite's INTEGER holds, as there; beyond it NULL.
        case .integer: return "CASE WHEN \(number) BETWEEN -9223372036854775808 AND 9223372036854775807 THEN \(number) END"
        case .real: return real(number)
        case .boolean: return "CASE WHEN \(kind) = 'boolean' THEN (\(text))::boolean END"
        case .timestamp:
            // ISO-8601 text (a time without a zone is UTC), or epoch seconds or milliseconds
            // within PostgreSQL's timestamp range.
            let seconds = "CASE WHEN abs(\(number)) >= 1e11 THEN \(number) / 1000 ELSE \(number) END"
            return "CASE WHEN \(kind) = 'string' AND \(text) ~ '^\\d{4}-\\d{2}-\\d{2}' THEN "
                + "(\(text) || CASE WHEN \(text) ~ '(Z|z|[+-]\\d{2}(:?\\d{2})?)$' OR \(text) !~ 'T|\\s\\d' THEN '' ELSE 'Z' END)::timestamptz "
                + "WHEN (\(seconds)) BETWEEN -210866803200 AND 9224318015999 THEN to_timestamp(round(\(seconds), 6)::double precision) END"
        }
    }

    /// A JSON number as `numeric`, or NULL: not a number, or one `numeric` cannot parse (over
    /// 1000 characters, or an exponent of 1000 or more, which no float could hold anyway).
    static func number(_ text: String, kind: String) -> String {
        "(CASE WHEN \(kind) = 'number' AND length(\(text)) <= 1000 AND \(text) !~ '[eE][-+]?0*[1-9][0-9]{3}' THEN (\(text))::numeric END)"
    }

    /// A `numeric` as `double precision`: NULL beyond ±1.7976931348623157e308, where a 64-bit
    /// float ends (SQLite reads those as infinity); 0 below the smallest one, as SQLite reads them.
    static func real(_ number: String) -> String {
        "(CASE WHEN abs(\(number)) > 1.7976931348623157e308 THEN NULL WHEN abs(\(number)) < 2.4703282292062328e-324 THEN 0::double precision "
            + "ELSE (\(number))::double precision END)"
    }
}
