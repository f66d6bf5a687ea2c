import ConnectorKit
import Foundation
import SQLStore

extension SQLiteDialect {
    /// `'$."a"."b"'`: a JSON path SQLite's functions read.
    static func jsonPath(_ path: [String]) -> String {
        "'$" + path.map { "." + "\"" + $0.replacingOccurrences(of: "'", with: "''") + "\"" }.joined() + "'"
    }

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

    /// The JSON boolean at `path` as 1 or 0, or NULL for anything else (as PostgreSQL's views).
    static func boolean(_ path: [String]) -> String {
        "(CASE json_type(data, \(jsonPath(path))) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)"
    }

    /// The time at `path` as ISO-8601 UTC text: ISO input with or without a zone, or epoch
    /// seconds or milliseconds by magnitude; NULL for anything else. NULL too, as in PostgreSQL,
    /// for text SQLite would pass through without naming a real instant: a day the month lacks
    /// (`2026-02-30`), hour 24, year 0 (a modifier normalises the first two, so they differ).
    static func time(_ path: [String]) -> String {
        let node = "json_extract(data, \(jsonPath(path)))"
        let kind = "json_type(data, \(jsonPath(path)))"
        let iso = "strftime('%Y-%m-%dT%H:%M:%fZ', \(node))"
        // Not abs(): it fails on the smallest 64-bit integer; strftime gives NULL out of its
        // range. Text only as a date (strftime would read "4" as a Julian day), as PostgreSQL.
        return "CASE WHEN \(kind) IN ('integer', 'real') THEN strftime('%Y-%m-%dT%H:%M:%fZ', "
            + "CASE WHEN \(node) >= 1e11 OR \(node) <= -1e11 THEN \(node) / 1000.0 ELSE \(node) END, 'unixepoch') "
            + "WHEN \(kind) = 'text' AND \(node) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' AND \(node) NOT GLOB '0000*' "
            + "AND \(node) NOT GLOB '* ' AND \(iso) = strftime('%Y-%m-%dT%H:%M:%fZ', \(node), '+0 days') THEN \(iso) END"
    }

    /// When a role rule matches: only a JSON string (`json_type` `text`) is one of the texts; an
    /// absent or null value is never matched, as in PostgreSQL's views.
    static func condition(_ rule: CanonicalMapping.RoleRule) -> String {
        let kind = "json_type(data, \(jsonPath(rule.path)))"
        let node = "json_extract(data, \(jsonPath(rule.path)))"
        func list(_ texts: [String]) -> String { "(" + texts.map(literal).joined(separator: ", ") + ")" }
        switch rule.match {
        case .equals(let text): return "(\(kind) = 'text' AND \(node) = \(literal(text)))"
        case .oneOf(let texts) where texts.isEmpty: return "0"
        case .oneOf(let texts): return "(\(kind) = 'text' AND \(node) IN \(list(texts)))"
        case .noneOf(let texts) where texts.isEmpty: return "(\(kind) <> 'null')"
        case .noneOf(let texts): return "(\(kind) <> 'null' AND (\(kind) <> 'text' OR \(node) NOT IN \(list(texts))))"
        }
    }

    /// A value of the model as SQLite SQL (times as ISO-8601 UTC text, booleans as 1 or 0).
    func canonicalExpression(_ value: CanonicalMapping.Value, type: CanonicalMapping.ColumnType) -> String {
        switch value {
        case .column(let name): return Self.quote(name)
        case .constant(let text): return Self.literal(text)
        case .none: return "NULL"
        case .path(let paths):
            let each = paths.map { path -> String in
                switch type {
                case .number: Self.real(path)
                case .time: Self.time(path)
                case .boolean: Self.boolean(path)
                case .text: "json_extract(data, \(Self.jsonPath(path)))"
                }
            }
            return each.count == 1 ? each[0] : "coalesce(" + each.joined(separator: ", ") + ")"
        case .role(let rules, let otherwise):
            let whens = rules.map { "WHEN \(Self.condition($0)) THEN \(Self.literal($0.role))" }
            return "CASE " + whens.joined(separator: " ") + " ELSE \(Self.literal(otherwise)) END"
        case .contains(let path, let text):
            return "EXISTS (SELECT 1 FROM json_each(data, \(Self.jsonPath(path))) WHERE value = \(Self.literal(text)))"
        case .scaled(let path, let min, let max):
            return "(CAST(\(Self.real(path)) AS REAL) - \(min)) / \(max - min)"
        case .primarySubtag(let inner):
            let tag = "replace(\(canonicalExpression(inner, type: .text)), '_', '-')"
            return "nullif(lower(CASE WHEN instr(\(tag), '-') > 0 THEN substr(\(tag), 1, instr(\(tag), '-') - 1) ELSE \(tag) END), '')"
        }
    }
}
