package import ConnectorKit

/// A job's tables in a SQL database, written once over a ``SQLDialect``: each stream's table and
/// view, the conversation model's `chat_conversations` and `chat_messages`, and the job's
/// checkpoint (`<prefix>_chat_export_state`, `_job`, `_fence`, `_state_backup`), committed in
/// the same transaction as the rows.
///
/// A value type without a connection: the sink's actor owns the connection and hands it to each
/// call, inside its own transactions.
package struct SQLStore<Dialect: SQLDialect>: Sendable {
    /// The engine's connection.
    package typealias Connection = Dialect.Connection

    /// The engine.
    package let dialect: Dialect
    /// The job's table prefix.
    package let prefix: String
    /// Where the tables are, for messages: the database file, or the server.
    package let place: String
    /// Where the checkpoint is, for the fence's message (the file; the server and schema).
    package let checkpointPlace: String
    /// The database as messages start (`SQLite database /data/x.sqlite`, `PostgreSQL postgresql://…`).
    package let subject: String

    /// Creates a store.
    ///
    /// - Parameters:
    ///   - dialect: The engine.
    ///   - prefix: The job's table prefix.
    ///   - place: Where the tables are, for messages.
    ///   - checkpointPlace: Where the checkpoint is, for messages.
    ///   - subject: The database as messages start.
    package init(_ dialect: Dialect, prefix: String, place: String, checkpointPlace: String, subject: String) {
        self.dialect = dialect
        self.prefix = prefix
        self.place = place
        self.checkpointPlace = checkpointPlace
        self.subject = subject
    }

    /// `<prefix>_chat_export_state`, unquoted: the stream states.
    package var stateTableName: String { prefix + "_chat_export_state" }
    /// The stream states, as SQL names the table.
    package var stateTable: String { dialect.qualified(stateTableName) }
    /// The job-level values (the job's id, requests per day).
    package var jobTable: String { dialect.qualified(prefix + "_chat_export_job") }
    /// The one-row table holding the job's current fence.
    package var fenceTable: String { dialect.qualified(prefix + "_chat_export_fence") }
    /// The states `state reset` replaced.
    package var backupTable: String { dialect.qualified(prefix + "_chat_export_state_backup") }

    /// The stream's table in this store.
    ///
    /// - Parameter stream: The stream.
    /// - Returns: Its table.
    package func table(_ stream: StreamDescriptor) -> SQLTable<Dialect> { SQLTable(dialect, prefix: prefix, stream: stream) }

    private func placeholder(_ index: Int) -> String { dialect.placeholder(index) }

    // MARK: - The checkpoint tables

    /// Creates the state, job and fence tables where missing (call inside the transaction the
    /// engine takes for schema changes).
    ///
    /// - Parameter db: The connection.
    /// - Throws: ``ChatExportError``.
    package func createCheckpointTables(on db: Connection) throws {
        let text = dialect.textType
        try db.execute(
            "CREATE TABLE IF NOT EXISTS \(stateTable) (stream \(text) PRIMARY KEY NOT NULL, state \(text) NOT NULL, updated_at \(dialect.timestampType) NOT NULL)",
            doing: "create the checkpoint table")
        try db.execute(
            "CREATE TABLE IF NOT EXISTS \(jobTable) (key \(text) PRIMARY KEY NOT NULL, value \(text) NOT NULL)",
            doing: "create the job table")
        try db.execute(
            "CREATE TABLE IF NOT EXISTS \(fenceTable) (id \(dialect.integerType) PRIMARY KEY CHECK (id = 1), fence \(dialect.bigintType) NOT NULL)",
            doing: "create the fence table")
    }

    /// Takes the next fence number for the job (a new run).
    ///
    /// - Parameter db: The connection.
    /// - Returns: The fence; commits of every older fence fail from now on.
    /// - Throws: ``ChatExportError``.
    package func takeFence(on db: Connection) throws -> Int {
        try db.transaction(doing: "take the job's fence") {
            try db.query(
                "INSERT INTO \(fenceTable) (id, fence) VALUES (1, 0) ON CONFLICT (id) DO NOTHING", [], doing: "create the job's fence")
            try db.query("UPDATE \(fenceTable) SET fence = fence + 1 WHERE id = 1", [], doing: "take the job's fence")
            guard
                let fence = try db.query("SELECT fence FROM \(fenceTable) WHERE id = 1", [], doing: "read the job's fence").value.flatMap(
                    Int.init)
            else { throw ChatExportError(.storageFailure, "\(subject): could not take the job's fence (the fence row is missing)") }
            return fence
        }
    }

    /// Fails unless `fence` is still the job's; locks the fence row until the transaction ends
    /// (call inside the transaction that stores state).
    ///
    /// - Parameters:
    ///   - fence: The fence the run took.
    ///   - db: The connection.
    ///   - what: What the run stops without committing, for the message.
    /// - Throws: ``ChatExportError`` (`checkpointLocked`) when another run took a newer fence.
    package func checkFence(_ fence: Int, on db: Connection, stopping what: String) throws {
        let held = try db.query(
            "UPDATE \(fenceTable) SET fence = fence WHERE id = 1 AND fence = \(placeholder(1))", [String(fence)],
            doing: "check the job's fence")
        guard held.affected == 1 else {
            throw ChatExportError(
                .checkpointLocked,
                "another run of this job took over the checkpoint in \(checkpointPlace) (fence \(fence) is no longer current); "
                    + "this run stops without committing \(what)")
        }
    }

    /// Stores one stream's state (call inside a transaction that checked the fence).
    ///
    /// - Parameters:
    ///   - state: The state.
    ///   - stream: The stream.
    ///   - db: The connection.
    /// - Throws: ``ChatExportError``.
    package func storeState(_ state: StreamState, for stream: String, on db: Connection) throws {
        try db.query(
            "INSERT INTO \(stateTable) (stream, state, updated_at) VALUES (\(dialect.placeholders(3))) "
                + "ON CONFLICT (stream) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            [stream, CheckpointFileFormat.encode(state).serialized(pretty: false), state.updatedAt.iso8601(fractionDigits: 6)],
            doing: "store the checkpoint of \(stream)")
    }

    /// In one transaction, if `fence` is still the job's: `rows` (the sink's pending rows of the
    /// stream), the stream's `state`, then `verifying` (a lease's check).
    ///
    /// - Parameters:
    ///   - state: The state.
    ///   - stream: The stream.
    ///   - fence: The fence the run took.
    ///   - what: What is committed, for messages (`messages batch 3`).
    ///   - db: The connection.
    ///   - rows: Writes the rows.
    ///   - verifying: Checks, inside the transaction, that the run may still commit `what`.
    /// - Throws: ``ChatExportError``; then neither the rows nor the state is stored.
    package func commit(
        _ state: StreamState, for stream: String, fence: Int, committing what: String, on db: Connection, rows: () throws -> Void,
        verifying: (String) throws -> Void = { _ in }
    ) throws {
        try db.transaction(doing: "commit \(stream)") {
            try checkFence(fence, on: db, stopping: what)
            try rows()
            try storeState(state, for: stream, on: db)
            try verifying(what)
        }
    }

    /// Stores one stream's state in its own transaction, if `fence` is still the job's, then
    /// runs `verifying` (a lease's check) in it.
    ///
    /// - Parameters:
    ///   - state: The state.
    ///   - stream: The stream.
    ///   - fence: The fence the run took.
    ///   - db: The connection.
    ///   - verifying: Checks, inside the transaction, that the run may still store it.
    /// - Throws: ``ChatExportError``; then the old state remains.
    package func saveState(
        _ state: StreamState, for stream: String, fence: Int, on db: Connection, verifying: (String) throws -> Void = { _ in }
    ) throws {
        let what = "the checkpoint of \(stream)"
        try db.transaction(doing: "store \(what)") {
            try checkFence(fence, on: db, stopping: what)
            try storeState(state, for: stream, on: db)
            try verifying(what)
        }
    }

    /// Reads every stream's state.
    ///
    /// - Parameter db: The connection.
    /// - Returns: States by stream.
    /// - Throws: ``ChatExportError`` naming the stream whose state is unreadable.
    package func loadStates(on db: Connection) throws -> [String: StreamState] {
        var states: [String: StreamState] = [:]
        for row in try db.query("SELECT stream, state FROM \(stateTable)", [], doing: "read the checkpoint").rows {
            guard let stream = row[0], let text = row[1] else { continue }
            do {
                states[stream] = try CheckpointFileFormat.decode(stream: stream, try JSONValue.parse(text))
            } catch {
                throw ChatExportError(.storageFailure, "the checkpoint of \(stream) in \(place) is unreadable: \(error)")
            }
        }
        return states
    }

    /// Every stream's state, or none when the database has no checkpoint table yet (a reader
    /// that creates nothing).
    ///
    /// - Parameter db: The connection.
    /// - Returns: States by stream.
    /// - Throws: ``ChatExportError``.
    package func peekStates(on db: Connection) throws -> [String: StreamState] {
        guard try dialect.tableExists(stateTableName, on: db) else { return [:] }
        return try loadStates(on: db)
    }

    /// Reads the job-level values.
    ///
    /// - Parameter db: The connection.
    /// - Returns: Values by key.
    /// - Throws: ``ChatExportError`` naming the value that is unreadable.
    package func loadJobValues(on db: Connection) throws -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for row in try db.query("SELECT key, value FROM \(jobTable)", [], doing: "read the job's values").rows {
            guard let key = row[0], let text = row[1] else { continue }
            do {
                values[key] = try JSONValue.parse(text)
            } catch {
                throw ChatExportError(.storageFailure, "the job value \(key) in \(place) is unreadable: \(error)")
            }
        }
        return values
    }

    /// Stores (or, with nil, removes) one job-level value in its own transaction.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - key: Its key.
    ///   - db: The connection.
    /// - Throws: ``ChatExportError``.
    package func saveJobValue(_ value: JSONValue?, for key: String, on db: Connection) throws {
        _ = try db.transaction(doing: "store the job value \(key)") {
            if let value {
                try db.query(
                    "INSERT INTO \(jobTable) (key, value) VALUES (\(dialect.placeholders(2))) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [key, value.serialized(pretty: false)], doing: "store the job value \(key)")
            } else {
                try db.query("DELETE FROM \(jobTable) WHERE key = \(placeholder(1))", [key], doing: "remove the job value \(key)")
            }
        }
    }

    /// Deletes the states of some or all streams, copying them into the backup table in the
    /// same transaction. Works on unreadable states too: it never parses them.
    ///
    /// - Parameters:
    ///   - streams: The streams, or nil for all.
    ///   - db: The connection.
    /// - Throws: ``ChatExportError``; then nothing changed.
    package func resetStates(_ streams: Set<String>?, on db: Connection) throws {
        try db.transaction(doing: "reset checkpoints") {
            let text = dialect.textType
            let time = dialect.timestampType
            try db.execute(
                "CREATE TABLE IF NOT EXISTS \(backupTable) (stream \(text) NOT NULL, state \(text) NOT NULL, updated_at \(time) NOT NULL, replaced_at \(time) NOT NULL)",
                doing: "create the checkpoint backup table")
            let copy = "INSERT INTO \(backupTable) SELECT stream, state, updated_at, \(dialect.currentTimestamp()) FROM \(stateTable)"
            let delete = "DELETE FROM \(stateTable)"
            guard let streams else {
                try db.query(copy, [], doing: "back up checkpoints")
                try db.query(delete, [], doing: "reset checkpoints")
                return
            }
            for stream in streams.sorted() {
                try db.query(copy + " WHERE stream = \(placeholder(1))", [stream], doing: "back up the checkpoint of \(stream)")
                try db.query(delete + " WHERE stream = \(placeholder(1))", [stream], doing: "reset the checkpoint of \(stream)")
            }
        }
    }

    /// The rows of the stream's table: 0 when there is no table yet.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - db: The connection.
    /// - Returns: The count.
    /// - Throws: ``ChatExportError``.
    package func rowCount(of stream: StreamDescriptor, on db: Connection) throws -> Int? {
        let table = table(stream)
        guard try dialect.tableExists(table.name, on: db) else { return 0 }
        return Int(try db.query("SELECT count(*) FROM \(table.table)", [], doing: "count the rows of \(table.name)").value ?? "")
    }
}
