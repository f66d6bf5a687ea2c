import ConnectorRuntime
import Foundation

extension SQLiteSchema {
    /// The table keeping, per stream table of any job, the SELECT that maps it onto the
    /// conversation model (so the union views cover every connector in the database).
    static let modelTable = "chat_export_model"

    /// The SELECT mapping this stream's table onto its canonical view, or nil without a mapping.
    ///
    /// - Parameter instance: The vendor instance the job reads.
    func canonicalSelect(instance: String) -> String? {
        guard let mapping = stream.canonical else { return nil }
        let columns = mapping.columns.map { column in
            "\(Self.canonicalExpression(mapping.values[column.name] ?? .none, type: column.type)) AS \(Self.quote(column.name))"
        }
        // The job's table prefix names the copy a row is; the instance, with the vendor and the id,
        // names the record (a join on them is exact).
        return "SELECT " + columns.joined(separator: ", ") + ", \(Self.literal(prefix)) AS \"table_prefix\", "
            + "\(Self.literal(instance)) AS \"instance\" FROM " + Self.quote(table)
    }

    /// A model view's SELECT while no table is mapped onto it: no rows, its columns typed.
    static func emptyCanonicalSelect(_ kind: CanonicalMapping.Kind) -> String {
        let columns = CanonicalMapping(kind, vendor: "", [:]).columns.map { column in
            let type =
                switch column.type {
                case .number: "REAL"
                case .boolean: "INTEGER"
                case .text, .time: "TEXT"
                }
            return "CAST(NULL AS \(type)) AS \(quote(column.name))"
        }
        return "SELECT "
            + (columns + ["CAST(NULL AS TEXT) AS \"table_prefix\"", "CAST(NULL AS TEXT) AS \"instance\""]).joined(separator: ", ")
            + " WHERE 0"
    }

    static func jsonPath(_ path: [String]) -> String {
        "'$" + path.map { "." + "\"" + $0.replacingOccurrences(of: "'", with: "''") + "\"" }.joined() + "'"
    }

    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The JSON number at `path`, or NULL: not a number, or one beyond ±1.7976931348623157e308
    /// (which SQLite reads as infinity; PostgreSQL's views give NULL too).
    static func real(_ path: [String]) -> String {
        let node = "json_extract(data, \(jsonPath(path)))"
        return "(CASE WHEN json_type(data, \(jsonPath(path))) IN ('integer', 'real') "
            + "AND \(node) BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308 THEN \(node) END)"
    }

    /// The JSON number at `path` as an INTEGER, or NULL: not a number, or one outside the 64-bit
    /// range (which a cast would clamp).
    static func integer(_ path: [String]) -> String {
        let node = "json_extract(data, \(jsonPath(path)))"
        return "(CASE WHEN json_type(data, \(jsonPath(path))) IN ('integer', 'real') "
            + "AND \(node) >= -9223372036854775808.0 AND \(node) < 9223372036854775808.0 THEN CAST(\(node) AS INTEGER) END)"
    }

    /// A value as SQLite SQL: times as ISO-8601 UTC text (ISO input with or without a zone, or
    /// epoch seconds or milliseconds by magnitude).
    static func canonicalExpression(_ value: CanonicalMapping.Value, type: CanonicalMapping.ColumnType) -> String {
        switch value {
        case .column(let name): return quote(name)
        case .constant(let text): return literal(text)
        case .none: return "NULL"
        case .path(let paths):
            let each = paths.map { path -> String in
                let node = "json_extract(data, \(jsonPath(path)))"
                if type == .number { return real(path) }
                guard type == .time else { return node }
                let kind = "json_type(data, \(jsonPath(path)))"
                // Not abs(): it fails on the smallest 64-bit integer; strftime gives NULL out of its
                // range. Text only as a date (strftime would read "4" as a Julian day), as PostgreSQL.
                return "CASE WHEN \(kind) IN ('integer', 'real') THEN strftime('%Y-%m-%dT%H:%M:%fZ', "
                    + "CASE WHEN \(node) >= 1e11 OR \(node) <= -1e11 THEN \(node) / 1000.0 ELSE \(node) END, 'unixepoch') "
                    + "WHEN \(kind) = 'text' AND \(node) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
                    + "THEN strftime('%Y-%m-%dT%H:%M:%fZ', \(node)) END"
            }
            return each.count == 1 ? each[0] : "coalesce(" + each.joined(separator: ", ") + ")"
        case .role(let rules, let otherwise):
            let whens = rules.map { "WHEN json_extract(data, \(jsonPath($0.path))) = \(literal($0.equals)) THEN \(literal($0.role))" }
            return "CASE " + whens.joined(separator: " ") + " ELSE \(literal(otherwise)) END"
        case .contains(let path, let text):
            return "EXISTS (SELECT 1 FROM json_each(data, \(jsonPath(path))) WHERE value = \(literal(text)))"
        case .scaled(let path, let min, let max):
            return "(CAST(\(real(path)) AS REAL) - \(min)) / \(max - min)"
        case .primarySubtag(let inner):
            let tag = "replace(\(canonicalExpression(inner, type: .text)), '_', '-')"
            return "nullif(lower(CASE WHEN instr(\(tag), '-') > 0 THEN substr(\(tag), 1, instr(\(tag), '-') - 1) ELSE \(tag) END), '')"
        }
    }
}
