import ConnectorKit

extension PostgresSink: ForgettingSink {
    /// The ids of the stream's rows whose end-user fields hold one of the values.
    ///
    /// - Parameters:
    ///   - stream: The stream and the values.
    ///   - job: Unused: the schema keeps no owner.
    /// - Returns: The ids.
    /// - Throws: ``ChatExportError`` when the server cannot be asked.
    public func ids(matching stream: ForgetRequest.Stream, for job: JobIdentity) async throws -> Set<String> {
        let db = try database()
        let schema = PostgresSchema(schema: settings.schema, prefix: settings.tablePrefix, stream: stream.descriptor)
        guard try exists(schema, db) else { return [] }
        var found = Set<String>()
        for (expression, parameters) in Self.conditions(stream, includingIDs: false) {
            let rows = try db.query(
                "SELECT _id FROM \(schema.table) WHERE \(expression)", parameters, doing: "find the end users' \(stream.descriptor.name)"
            ).rows
            for row in rows { if let id = row.first ?? nil { found.insert(id) } }
        }
        return found
    }

    /// Deletes the matching rows of every stream in one transaction. (PostgreSQL keeps deleted
    /// rows' bytes in the table's pages until `VACUUM` reuses them.)
    ///
    /// - Parameter request: What to remove.
    /// - Returns: Rows deleted, by stream.
    /// - Throws: ``ChatExportError``; nothing is deleted then.
    public func forget(_ request: ForgetRequest) async throws -> [String: Int] {
        let db = try database()
        var counts: [String: Int] = [:]
        try db.execute("BEGIN", doing: "begin the forget")
        do {
            for stream in request.streams {
                let schema = PostgresSchema(schema: settings.schema, prefix: settings.tablePrefix, stream: stream.descriptor)
                guard try exists(schema, db) else { continue }
                var removed = 0
                for (expression, parameters) in Self.conditions(stream, includingIDs: true) {
                    removed += try db.query(
                        "DELETE FROM \(schema.table) WHERE \(expression)", parameters,
                        doing: "delete the end users' \(stream.descriptor.name)"
                    ).affected
                }
                counts[stream.descriptor.name] = removed
            }
            try db.execute("COMMIT", doing: "commit the forget")
        } catch {
            if db.isOpen { try? db.execute("ROLLBACK", doing: "roll back") }
            throw error
        }
        request.stepCompleted("\(identity): rows deleted")
        return counts
    }

    private func exists(_ schema: PostgresSchema, _ db: PostgresConnection) throws -> Bool {
        try db.query("SELECT to_regclass($1) IS NOT NULL", [schema.table], doing: "look up table \(schema.tableName)").rows.first?[0] == "t"
    }

    /// Each SQL condition and its parameters: the id, the parent column, each end-user field
    /// (`data #>> path`, the field's text), each matched against a `text[]`.
    static func conditions(_ stream: ForgetRequest.Stream, includingIDs: Bool) -> [(String, [String?])] {
        var found: [(String, [String?])] = []
        if includingIDs {
            if !stream.ids.isEmpty { found.append(("_id = ANY($1::text[])", [PostgresConnection.textArray(stream.ids.sorted())])) }
            if let parent = stream.descriptor.parentColumn, !stream.parents.isEmpty {
                found.append(("\(PostgresSchema.quote(parent)) = ANY($1::text[])", [PostgresConnection.textArray(stream.parents.sorted())]))
            }
        }
        for field in stream.endUsers where !field.values.isEmpty {
            found.append(
                (
                    "(data #>> $1::text[]) = ANY($2::text[])",
                    [PostgresConnection.textArray(field.path), PostgresConnection.textArray(field.values.sorted())]
                ))
        }
        return found
    }
}
