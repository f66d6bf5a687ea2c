import ConnectorKit

extension PostgresSchema {
    /// The table keeping, per stream table of any job in the schema, the SELECT that maps it onto
    /// the conversation model (so the union views cover every connector's tables).
    var modelTable: String { Self.quote(schema) + ".\"chat_export_model\"" }

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
        return "SELECT " + columns.joined(separator: ", ") + ", \(Self.literal(prefix))::text AS \"table_prefix\", "
            + "\(Self.literal(instance))::text AS \"instance\" FROM " + table
    }

    /// A model view's SELECT while no table is mapped onto it: no rows, its columns typed.
    static func emptyCanonicalSelect(_ kind: CanonicalMapping.Kind) -> String {
        let columns = CanonicalMapping(kind, vendor: "", [:]).columns.map { "NULL::\(sqlType($0.type)) AS \(quote($0.name))" }
        return "SELECT " + (columns + ["NULL::text AS \"table_prefix\"", "NULL::text AS \"instance\""]).joined(separator: ", ")
            + " WHERE false"
    }

    static func sqlType(_ type: CanonicalMapping.ColumnType) -> String {
        switch type {
        case .text: "text"
        case .time: "timestamptz"
        case .boolean: "boolean"
        case .number: "numeric"
        }
    }

    /// A value as PostgreSQL SQL of the column's type (so every table's SELECT unions).
    static func canonicalExpression(_ value: CanonicalMapping.Value, type: CanonicalMapping.ColumnType) -> String {
        switch value {
        case .column(let name): return quote(name) + "::" + sqlType(type)
        case .constant(let text): return literal(text) + "::" + sqlType(type)
        case .none: return "NULL::" + sqlType(type)
        case .path(let paths):
            let each = paths.map { path -> String in
                let fieldType: FieldDescriptor.ValueType =
                    switch type {
                    case .text: .text
                    case .time: .timestamp
                    case .boolean: .boolean
                    case .number: .real
                    }
                return expression(for: FieldDescriptor("", path: path, type: fieldType)) + "::" + sqlType(type)
            }
            return each.count == 1 ? each[0] : "coalesce(" + each.joined(separator: ", ") + ")"
        case .role(let rules, let otherwise):
            let whens = rules.map { rule in
                "WHEN \(expression(for: FieldDescriptor("", path: rule.path))) = \(literal(rule.equals)) THEN \(literal(rule.role))"
            }
            return "CASE " + whens.joined(separator: " ") + " ELSE \(literal(otherwise)) END"
        case .contains(let path, let text):
            let node = "data" + path.map { "->" + literal($0) }.joined()
            return
                "EXISTS (SELECT 1 FROM json_array_elements_text(CASE WHEN json_typeof(\(node)) = 'array' THEN \(node) ELSE '[]'::json END) "
                + "AS element WHERE element = \(literal(text)))"
        case .scaled(let path, let min, let max):
            return "(((\(expression(for: FieldDescriptor("", path: path, type: .real)))) - \(min)) / \(max - min))::numeric"
        case .primarySubtag(let inner):
            return "nullif(lower(split_part(replace(\(canonicalExpression(inner, type: .text)), '_', '-'), '-', 1)), '')"
        }
    }
}
