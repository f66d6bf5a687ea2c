import ConnectorKit

extension SQLiteSink: ForgettingSink {
    /// Values bound per statement (SQLite allows 32,766).
    static let forgetChunk = 500

    /// The ids of the stream's rows whose end-user fields hold one of the values.
    ///
    /// - Parameters:
    ///   - stream: The stream and the values.
    ///   - job: Unused: the database keeps no owner.
    /// - Returns: The ids.
    /// - Throws: ``ChatExportError`` when the database cannot be read.
    public func ids(matching stream: ForgetRequest.Stream, for job: JobIdentity) async throws -> Set<String> {
        let db = try database()
        let schema = SQLiteSchema(prefix: settings.tablePrefix, stream: stream.descriptor)
        guard try exists(schema.table, db) else { return [] }
        var found = Set<String>()
        for (expression, values) in Self.conditions(stream, includingIDs: false) {
            for chunk in values.chunked(Self.forgetChunk) {
                let sql =
                    "SELECT _id FROM \(SQLiteSchema.quote(schema.table)) WHERE \(expression) IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))"
                for row in try db.rows(sql, Array(chunk)) { if let id = row.first ?? nil { found.insert(id) } }
            }
        }
        return found
    }

    /// Deletes the matching rows of every stream in one transaction, with `secure_delete` on so
    /// their pages are overwritten, then moves the write-ahead log into the database and empties
    /// it when no other connection reads it.
    ///
    /// - Parameter request: What to remove.
    /// - Returns: Rows deleted, by stream.
    /// - Throws: ``ChatExportError``; nothing is deleted then.
    public func forget(_ request: ForgetRequest) async throws -> [String: Int] {
        let db = try database()
        try db.execute("PRAGMA secure_delete = ON", doing: "turn on secure_delete")
        var counts: [String: Int] = [:]
        try db.transaction {
            for stream in request.streams {
                let schema = SQLiteSchema(prefix: settings.tablePrefix, stream: stream.descriptor)
                guard try exists(schema.table, db) else { continue }
                var removed = 0
                for (expression, values) in Self.conditions(stream, includingIDs: true) {
                    for chunk in values.chunked(Self.forgetChunk) {
                        let statement = try db.prepare(
                            "DELETE FROM \(SQLiteSchema.quote(schema.table)) WHERE \(expression) IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))"
                        )
                        for (index, value) in chunk.enumerated() { statement.bind(index + 1, text: value) }
                        try statement.step()
                        removed += db.changes
                    }
                }
                counts[stream.descriptor.name] = removed
            }
        }
        request.stepCompleted("\(identity): rows deleted")
        // The deleted rows' old pages should not linger in the write-ahead log either (best
        // effort: another job reading the database keeps the log until it is done).
        try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)", doing: "checkpoint the write-ahead log")
        return counts
    }

    private func exists(_ table: String, _ db: SQLiteConnection) throws -> Bool {
        try !db.rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).isEmpty
    }

    /// Each SQL expression to match and its values: the id, the parent column, each end-user field.
    static func conditions(_ stream: ForgetRequest.Stream, includingIDs: Bool) -> [(String, [String])] {
        var found: [(String, [String])] = []
        if includingIDs {
            if !stream.ids.isEmpty { found.append(("_id", stream.ids.sorted())) }
            if let parent = stream.descriptor.parentColumn, !stream.parents.isEmpty {
                found.append((SQLiteSchema.quote(parent), stream.parents.sorted()))
            }
        }
        for field in stream.endUsers where !field.values.isEmpty {
            found.append(("CAST(json_extract(data, \(SQLiteSchema.jsonPath(field.path))) AS TEXT)", field.values.sorted()))
        }
        return found
    }
}

extension Array {
    /// The array in pieces of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
