package import ConnectorKit

extension SQLStore {
    /// The ids of the stream's rows whose end-user fields hold one of the values.
    ///
    /// - Parameters:
    ///   - stream: The stream and the values.
    ///   - db: The connection.
    /// - Returns: The ids; none when the stream has no table.
    /// - Throws: ``ChatExportError`` when the database cannot be read.
    package func ids(matching stream: ForgetRequest.Stream, on db: Connection) throws -> Set<String> {
        let table = table(stream.descriptor)
        guard try dialect.tableExists(table.name, on: db) else { return [] }
        var found = Set<String>()
        for (expression, values) in conditions(stream, includingIDs: false) {
            for (condition, parameters) in dialect.membership(expression, values) {
                let rows = try db.query(
                    "SELECT _id FROM \(table.table) WHERE \(condition)", parameters, doing: "find the end users' \(stream.descriptor.name)")
                for row in rows.rows { if let id = row.first ?? nil { found.insert(id) } }
            }
        }
        return found
    }

    /// Deletes the matching rows of every stream in one transaction.
    ///
    /// - Parameters:
    ///   - request: What to remove.
    ///   - db: The connection.
    /// - Returns: Rows deleted, by stream.
    /// - Throws: ``ChatExportError``; nothing is deleted then.
    package func forget(_ request: ForgetRequest, on db: Connection) throws -> [String: Int] {
        try db.transaction(doing: "forget end users") {
            var counts: [String: Int] = [:]
            for stream in request.streams {
                let table = table(stream.descriptor)
                guard try dialect.tableExists(table.name, on: db) else { continue }
                var removed = 0
                for (expression, values) in conditions(stream, includingIDs: true) {
                    for (condition, parameters) in dialect.membership(expression, values) {
                        removed += try db.query(
                            "DELETE FROM \(table.table) WHERE \(condition)", parameters,
                            doing: "delete the end users' \(stream.descriptor.name)"
                        ).affected
                    }
                }
                counts[stream.descriptor.name] = removed
            }
            return counts
        }
    }

    /// Each SQL expression to match and its values: the id, the parent column, each end-user field.
    private func conditions(_ stream: ForgetRequest.Stream, includingIDs: Bool) -> [(String, [String])] {
        var found: [(String, [String])] = []
        if includingIDs {
            if !stream.ids.isEmpty { found.append(("_id", stream.ids.sorted())) }
            if let parent = stream.descriptor.parentColumn, !stream.parents.isEmpty {
                found.append((Dialect.quote(parent), stream.parents.sorted()))
            }
        }
        for field in stream.endUsers where !field.values.isEmpty {
            found.append((dialect.jsonText(field.path), field.values.sorted()))
        }
        return found
    }
}
