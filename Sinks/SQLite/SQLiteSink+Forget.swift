public import ConnectorKit
import SQLStore

extension SQLiteSink: ForgettingSink {
    /// The ids of the stream's rows whose end-user fields hold one of the values.
    ///
    /// - Parameters:
    ///   - stream: The stream and the values.
    ///   - job: Unused: the database keeps no owner.
    /// - Returns: The ids.
    /// - Throws: ``ChatExportError`` when the database cannot be read.
    public func ids(matching stream: ForgetRequest.Stream, for job: JobIdentity) async throws -> Set<String> {
        try store.ids(matching: stream, on: database())
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
        let counts = try store.forget(request, on: db)
        request.stepCompleted("\(identity): rows deleted")
        // The deleted rows' old pages should not linger in the write-ahead log either (best
        // effort: another job reading the database keeps the log until it is done).
        try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)", doing: "checkpoint the write-ahead log")
        return counts
    }
}
