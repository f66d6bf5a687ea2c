import ConnectorKit
import SQLStore

extension PostgresDialect {
    /// The typed expression of a view's column, never failing on a value of an unexpected type.
    func fieldExpression(_ field: FieldDescriptor) -> String { Self.expression(for: field) }

    /// The type of a model view's column.
    static func sqlType(_ type: CanonicalMapping.ColumnType) -> String {
        switch type {
        case .text: "text"
        case .time: "timestamptz"
        case .boolean: "boolean"
        case .number: "numeric"
        }
    }

    /// An ISO-8601 date, alone or with a time and a zone, that names a real instant, as SQLite's
    /// views read one: a day the month has (29 February in leap years only), no year 0, hours
    /// below 24, a zone `Z` or `±hh:mm` within ±14:59. Anything else would read differently in
    /// SQLite, or make the cast (and so every query of the view) fail.
    static let isoTime =
        #"^(?!0000)(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])|\d{4}-(0[13-9]|1[0-2])-(29|30)|\d{4}-(0[13578]|1[02])-31"#
        + #"|(\d\d(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)"#
        + #"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?\s?([Zz]|[+-](0\d|1[0-4]):[0-5]\d)?)?$"#

    /// The typed expression of `field` read from `data`.
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
            return "CASE WHEN \(kind) = 'string' AND \(text) ~ \(literal(isoTime)) THEN "
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

    /// When a role rule matches: only a JSON string is one of the texts (`->>` would turn the
    /// number 4 into the text `4`, which SQLite's views never match); an absent or null value is
    /// never matched.
    static func condition(_ rule: CanonicalMapping.RoleRule) -> String {
        let kind = "json_typeof(\(expression(for: FieldDescriptor("", path: rule.path, type: .json))))"
        let text = expression(for: FieldDescriptor("", path: rule.path))
        func list(_ texts: [String]) -> String { "(" + texts.map(literal).joined(separator: ", ") + ")" }
        switch rule.match {
        case .equals(let value): return "(\(kind) = 'string' AND \(text) = \(literal(value)))"
        case .oneOf(let texts) where texts.isEmpty: return "false"
        case .oneOf(let texts): return "(\(kind) = 'string' AND \(text) IN \(list(texts)))"
        case .noneOf(let texts) where texts.isEmpty: return "(\(kind) <> 'null')"
        case .noneOf(let texts): return "(\(kind) <> 'null' AND (\(kind) <> 'string' OR \(text) NOT IN \(list(texts))))"
        }
    }

    /// A value of the model as PostgreSQL SQL of the column's type (so every table's SELECT unions).
    func canonicalExpression(_ value: CanonicalMapping.Value, type: CanonicalMapping.ColumnType) -> String {
        let sqlType = Self.sqlType(type)
        switch value {
        case .column(let name): return Self.quote(name) + "::" + sqlType
        case .constant(let text): return Self.literal(text) + "::" + sqlType
        case .none: return "NULL::" + sqlType
        case .path(let paths):
            let each = paths.map { path -> String in
                let fieldType: FieldDescriptor.ValueType =
                    switch type {
                    case .text: .text
                    case .time: .timestamp
                    case .boolean: .boolean
                    case .number: .real
                    }
                return Self.expression(for: FieldDescriptor("", path: path, type: fieldType)) + "::" + sqlType
            }
            return each.count == 1 ? each[0] : "coalesce(" + each.joined(separator: ", ") + ")"
        case .role(let rules, let otherwise):
            let whens = rules.map { "WHEN \(Self.condition($0)) THEN \(Self.literal($0.role))" }
            return "CASE " + whens.joined(separator: " ") + " ELSE \(Self.literal(otherwise)) END"
        case .contains(let path, let text):
            let node = "data" + path.map { "->" + Self.literal($0) }.joined()
            return
                "EXISTS (SELECT 1 FROM json_array_elements_text(CASE WHEN json_typeof(\(node)) = 'array' THEN \(node) ELSE '[]'::json END) "
                + "AS element WHERE element = \(Self.literal(text)))"
        case .scaled(let path, let min, let max):
            return "(((\(Self.expression(for: FieldDescriptor("", path: path, type: .real)))) - \(min)) / \(max - min))::numeric"
        case .primarySubtag(let inner):
            return "nullif(lower(split_part(replace(\(canonicalExpression(inner, type: .text)), '_', '-'), '-', 1)), '')"
        }
    }
}
