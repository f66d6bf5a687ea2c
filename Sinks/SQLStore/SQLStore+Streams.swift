package import ConnectorKit

extension SQLStore {
    /// The table keeping, per stream table of any job in the database (or schema), the SELECT
    /// that maps it onto the conversation model, so the union views cover every connector's tables.
    package static var modelTableName: String { "chat_export_model" }

    /// Creates the stream's table, indexes and view where missing, checking an existing table's
    /// shape, and rebuilds both model views: they exist (empty) as soon as a job writes here.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - instance: The vendor instance the job reads, named in the model views.
    ///   - db: The connection.
    /// - Returns: The stream's table.
    /// - Throws: ``ChatExportError``, naming the missing columns of a table of another shape.
    package func open(_ stream: StreamDescriptor, instance: String, on db: Connection) throws -> SQLTable<Dialect> {
        let table = table(stream)
        let existing = try dialect.columns(of: table.name, on: db)
        if !existing.isEmpty {
            let missing = table.columns.filter { !existing.contains($0) }
            guard missing.isEmpty else {
                throw ChatExportError(
                    .storageFailure,
                    "table \(dialect.displayName(table.name)) in \(place) exists with an incompatible shape (missing \(missing.joined(separator: ", "))); "
                        + "use another \(dialect.container) or table_prefix")
            }
        }
        try dialect.changeSchema(on: db, doing: "create table \(dialect.displayName(table.name)) and its view") {
            if existing.isEmpty { try db.execute(table.createTable, doing: "create table \(dialect.displayName(table.name))") }
            try dialect.replaceView(table.viewName, with: table.viewSelect, on: db)
            try rebuildCanonicalViews(adding: table, instance: instance, on: db)
        }
        return table
    }

    /// Records this table's mapping (if it has one) and rebuilds `chat_conversations` and
    /// `chat_messages` as the union of every mapped table that still exists, each record once
    /// per vendor instance (see ``CanonicalUnion``). A table recorded by an older chat-export (no
    /// instance) joins again when its job next runs.
    private func rebuildCanonicalViews(adding table: SQLTable<Dialect>, instance: String, on db: Connection) throws {
        let model = dialect.qualified(Self.modelTableName)
        let text = dialect.textType
        if try !dialect.tableExists(Self.modelTableName, on: db) {
            try db.execute(
                "CREATE TABLE IF NOT EXISTS \(model) (table_name \(text) PRIMARY KEY NOT NULL, view \(text) NOT NULL, "
                    + "select_sql \(text) NOT NULL, instance \(text), vendor \(text))",
                doing: "create the conversation model table")
        } else {
            let columns = try dialect.columns(of: Self.modelTableName, on: db)
            for column in ["instance", "vendor"] where !columns.contains(column) {
                try db.execute("ALTER TABLE \(model) ADD COLUMN \(column) \(text)", doing: "add \(column) to the conversation model table")
            }
        }
        if let mapping = table.stream.canonical, let select = table.canonicalSelect(instance: instance) {
            let vendor = if case .constant(let name) = mapping.values["vendor"] { name } else { "" }
            try db.query(
                "INSERT INTO \(model) (table_name, view, select_sql, instance, vendor) VALUES (\(dialect.placeholders(5))) "
                    + "ON CONFLICT (table_name) DO UPDATE SET view = excluded.view, select_sql = excluded.select_sql, "
                    + "instance = excluded.instance, vendor = excluded.vendor",
                [table.name, mapping.view, select, instance, vendor], doing: "record \(table.name) in the conversation model")
        }
        for kind in [CanonicalMapping.Kind.conversation, .message] {
            let view = CanonicalMapping(kind, vendor: "", [:]).view
            let entries = try db.query(
                "SELECT table_name, select_sql, instance, vendor FROM \(model) WHERE view = \(dialect.placeholder(1)) "
                    + "AND instance IS NOT NULL AND \(dialect.existingTableCondition("table_name")) ORDER BY table_name",
                [view], doing: "read the conversation model"
            ).rows.map { row in
                CanonicalUnion.Entry(
                    table: dialect.qualified(row[0] ?? ""), select: row[1] ?? "", instance: row[2] ?? "", vendor: row[3] ?? "")
            }
            try dialect.replaceView(view, with: CanonicalUnion.select(entries, empty: dialect.emptyCanonicalSelect(kind)), on: db)
        }
    }
}
