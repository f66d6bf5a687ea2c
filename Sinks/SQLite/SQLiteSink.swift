internal import CSQLite
import ConnectorKit
import Foundation

/// Writes each stream into a SQLite table `<table_prefix><stream>`: `_id` (primary key), the
/// cursor and parent columns normalised to ISO-8601 UTC, `data` (the record's raw JSON exactly
/// as received, queryable with SQLite's JSON functions) and `synced_at`; plus a view
/// `<table_prefix><stream>_view` exposing the stream's well-known fields as columns.
///
/// Replay: **upsert by `_id`**. A record that arrives again replaces the stored one, so updated
/// conversations stay current and re-sent records are never doubled.
///
/// Exactly-once: when the job's checkpoint lives in this database (the default when a job has a
/// SQLite sink and no explicit `checkpoint`), each batch's rows and the stream's new checkpoint
/// are committed in one transaction. WAL mode, `synchronous=FULL`, one prepared upsert per stream,
/// one transaction per batch, record bytes bound without copies.
public actor SQLiteSink: CheckpointingSink {
    /// The sink's settings.
    public struct Settings: Sendable, Hashable {
        /// The database file.
        public var path: String
        /// Prepended to every table and view name.
        public var tablePrefix: String
        /// How long to wait for a lock held by another connection, in seconds.
        public var busyTimeout: Double

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - path: The database file.
        ///   - tablePrefix: The table name prefix.
        ///   - busyTimeout: Seconds to wait for a lock.
        public init(path: String, tablePrefix: String = "", busyTimeout: Double = 5) {
            self.path = path
            self.tablePrefix = tablePrefix
            self.busyTimeout = busyTimeout
        }
    }

    /// The settings.
    public let settings: Settings
    /// `sqlite:<path>#<prefix>`
    public nonisolated let identity: String
    /// Re-sent records replace stored ones.
    public nonisolated var replay: SinkReplay { .upsertByID }

    private var connection: SQLiteConnection?
    private var schemas: [String: SQLiteSchema] = [:]
    private var upserts: [String: SQLiteStatement] = [:]
    private var pending: [String: [Record]] = [:]
    private var lock: FileLock?
    /// The vendor instance the job reads (``claim(for:)``), named in the model views.
    private var instance = ""

    /// Creates a sink; the database is opened on first use.
    ///
    /// - Parameter settings: The settings.
    public init(settings: Settings) {
        self.settings = settings
        self.identity = "sqlite:" + settings.path + "#" + settings.tablePrefix
    }

    /// The table keeping this sink's checkpoints, unquoted (for catalogue look-ups) and quoted.
    nonisolated var stateTableName: String { settings.tablePrefix + "_chat_export_state" }
    nonisolated var stateTable: String { SQLiteSchema.quote(stateTableName) }
    /// The table keeping the states `state reset` replaced.
    nonisolated var backupTable: String { SQLiteSchema.quote(settings.tablePrefix + "_chat_export_state_backup") }
    /// The table keeping the job-level values (the job's id, requests per day).
    nonisolated var jobTable: String { SQLiteSchema.quote(settings.tablePrefix + "_chat_export_job") }
    /// The one-row table holding the job's current fence.
    nonisolated var fenceTable: String { SQLiteSchema.quote(settings.tablePrefix + "_chat_export_fence") }

    func database() throws -> SQLiteConnection {
        if let connection { return connection }
        try FileSystem.makeDirectories(FileSystem.directory(of: settings.path))
        let opened = try SQLiteConnection(path: settings.path, busyTimeout: settings.busyTimeout)
        try createCheckpointTables(in: opened)
        connection = opened
        return opened
    }

    /// In a write transaction taken first: jobs opening the database at once take turns.
    private nonisolated func createCheckpointTables(in db: SQLiteConnection) throws {
        try db.transaction {
            try db.execute(
                "CREATE TABLE IF NOT EXISTS \(stateTable) (stream TEXT PRIMARY KEY NOT NULL, state TEXT NOT NULL, updated_at TEXT NOT NULL)",
                doing: "create the checkpoint table"
            )
            try db.execute(
                "CREATE TABLE IF NOT EXISTS \(jobTable) (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)", doing: "create the job table"
            )
            try db.execute(
                "CREATE TABLE IF NOT EXISTS \(fenceTable) (id INTEGER PRIMARY KEY CHECK (id = 1), fence INTEGER NOT NULL)",
                doing: "create the fence table")
        }
    }

    /// Creates the stream's table, indexes and view, checking an existing table's shape.
    public func open(_ stream: StreamDescriptor, restoring state: JSONValue?) async throws {
        let db = try database()
        let schema = SQLiteSchema(prefix: settings.tablePrefix, stream: stream)
        let existing = try db.rows("SELECT name FROM pragma_table_info(?)", [schema.table]).compactMap { $0.first ?? nil }
        if !existing.isEmpty {
            let missing = schema.columns.filter { !existing.contains($0) }
            guard missing.isEmpty else {
                throw ChatExportError(
                    .storageFailure,
                    "table \(schema.table) in \(settings.path) exists with an incompatible shape (missing \(missing.joined(separator: ", "))); "
                        + "use another database or table_prefix"
                )
            }
        }
        // One write transaction, taken first: the shared model table and views of every job in
        // the database change one job at a time, each seeing the others' tables.
        try db.transaction {
            try db.execute(schema.createTable, doing: "create table \(schema.table)")
            try replaceView(schema.view, with: schema.viewSelect, in: db)
            // Both model views, whether or not this stream maps onto one: they exist (empty) as
            // soon as a job writes to the database.
            try rebuildCanonicalViews(adding: schema, in: db)
        }
        schemas[stream.name] = schema
        upserts[stream.name] = try db.prepare(schema.upsert)
    }

    /// Records this table's mapping (if it has one) and rebuilds `chat_conversations` and
    /// `chat_messages` as the union of every mapped table in the database that still exists, each
    /// record once per vendor instance (see ``CanonicalUnion``). A table recorded by an older
    /// chat-export (no instance) joins again when its job next runs.
    private func rebuildCanonicalViews(adding schema: SQLiteSchema, in db: SQLiteConnection) throws {
        let model = SQLiteSchema.quote(SQLiteSchema.modelTable)
        try db.execute(
            "CREATE TABLE IF NOT EXISTS \(model) (table_name TEXT PRIMARY KEY NOT NULL, view TEXT NOT NULL, select_sql TEXT NOT NULL, "
                + "instance TEXT, vendor TEXT)",
            doing: "create the conversation model table")
        let columns = try db.rows("SELECT name FROM pragma_table_info(?)", [SQLiteSchema.modelTable]).compactMap { $0.first ?? nil }
        for column in ["instance", "vendor"] where !columns.contains(column) {
            try db.execute("ALTER TABLE \(model) ADD COLUMN \(column) TEXT", doing: "add \(column) to the conversation model table")
        }
        if let mapping = schema.stream.canonical, let select = schema.canonicalSelect(instance: instance) {
            let vendor = if case .constant(let name) = mapping.values["vendor"] { name } else { "" }
            let upsert = try db.prepare(
                "INSERT INTO \(model) (table_name, view, select_sql, instance, vendor) VALUES (?, ?, ?, ?, ?) "
                    + "ON CONFLICT(table_name) DO UPDATE SET view = excluded.view, select_sql = excluded.select_sql, "
                    + "instance = excluded.instance, vendor = excluded.vendor")
            for (index, value) in [schema.table, mapping.view, select, instance, vendor].enumerated() {
                upsert.bind(index + 1, text: value)
            }
            try upsert.step()
        }
        for kind in [CanonicalMapping.Kind.conversation, .message] {
            let view = CanonicalMapping(kind, vendor: "", [:]).view
            let entries = try db.rows(
                "SELECT table_name, select_sql, instance, vendor FROM \(model) WHERE view = ? AND instance IS NOT NULL "
                    + "AND table_name IN (SELECT name FROM sqlite_master WHERE type = 'table') ORDER BY table_name",
                [view]
            ).map { row in
                CanonicalUnion.Entry(
                    table: SQLiteSchema.quote(row[0] ?? ""), select: row[1] ?? "", instance: row[2] ?? "", vendor: row[3] ?? "")
            }
            try replaceView(view, with: CanonicalUnion.select(entries, empty: SQLiteSchema.emptyCanonicalSelect(kind)), in: db)
        }
    }

    /// Records the vendor instance the job reads, for the model views.
    public func claim(for job: JobIdentity) async throws { instance = job.instance ?? "" }

    /// Makes `view` select `select`, unless it already does (SQLite keeps a view's statement as
    /// written): an unchanged view is left alone, so a run changes the schema only when a
    /// declaration or the set of tables changed.
    private func replaceView(_ view: String, with select: String, in db: SQLiteConnection) throws {
        let create = "CREATE VIEW \(SQLiteSchema.quote(view)) AS " + select
        let current = try db.rows("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", [view]).first?.first ?? nil
        guard current != create else { return }
        try db.execute("DROP VIEW IF EXISTS \(SQLiteSchema.quote(view)); " + create, doing: "create view \(view)")
    }

    /// Keeps the batch's records until the commit.
    public func write(_ batch: RecordBatch) async throws {
        pending[batch.stream, default: []] += batch.records
    }

    /// Upserts the stream's pending records in one transaction.
    public func commit(_ commit: SinkCommit) async throws -> JSONValue? {
        let db = try database()
        try db.transaction { try flush(commit.stream) }
        return nil
    }

    /// Upserts the stream's pending records and stores `state`, in one transaction, if `fence`
    /// is still the job's (see ``TransactionalCheckpointStore``).
    func commit(_ commit: SinkCommit, storing state: StreamState, fence: Int) throws {
        let db = try database()
        try db.transaction {
            try checkFence(fence, db, stopping: "\(commit.stream) batch \(commit.sequence)")
            try flush(commit.stream)
            try storeState(state, for: commit.stream, in: db)
        }
    }

    /// Takes the next fence number for the job (a new run).
    func takeFence() throws -> Int {
        let db = try database()
        return try db.transaction {
            try db.execute("INSERT INTO \(fenceTable) (id, fence) VALUES (1, 0) ON CONFLICT(id) DO NOTHING", doing: "create the fence")
            try db.execute("UPDATE \(fenceTable) SET fence = fence + 1 WHERE id = 1", doing: "take a fence")
            guard let text = try db.rows("SELECT fence FROM \(fenceTable) WHERE id = 1").first?.first ?? nil, let fence = Int(text) else {
                throw ChatExportError(.storageFailure, "SQLite database \(settings.path): the fence row is missing")
            }
            return fence
        }
    }

    private func flush(_ stream: String) throws {
        guard let records = pending[stream], !records.isEmpty else { return }
        guard let statement = upserts[stream], let schema = schemas[stream] else {
            throw ChatExportError(.failure, "sqlite sink: stream \(stream) was not opened")
        }
        let synced = Timestamp.now.iso8601(fractionDigits: 6)
        let hasParent = schema.parentColumn != nil
        for record in records {
            statement.bind(1, text: record.id)
            statement.bind(2, text: record.cursor?.iso8601(fractionDigits: 6))
            var index = 3
            if hasParent {
                statement.bind(3, text: record.parentID)
                index = 4
            }
            statement.bind(index + 1, text: synced)
            try record.json.withUnsafeBytes { bytes in
                statement.bind(index, borrowed: bytes)
                try statement.step()
            }
        }
        pending[stream] = []
    }

    /// Drops uncommitted rows and closes the database.
    public func finish(succeeded: Bool) async throws {
        pending = [:]
        upserts = [:]
        connection?.close()
        connection = nil
    }

    // MARK: - Checkpoints in the database

    /// Looks, changing nothing on disk: an existing database must read as SQLite and it and its
    /// directory be writable; a missing one must be creatable (its directory, or the nearest
    /// existing directory above, writable). A missing directory is said: `run` creates it.
    ///
    /// - Returns: `sqlite:<path>#<prefix>: database writable`, or what `run` will create.
    /// - Throws: ``ChatExportError`` naming the file and the cause.
    public func check() async throws -> [CheckResult] {
        if let problem = FileSystem.writeProblem(at: settings.path) {
            throw ChatExportError(.storageFailure, "SQLite database \(settings.path) cannot be written: \(problem)")
        }
        if FileSystem.exists(settings.path) {
            try SQLiteConnection.inspect(settings.path)
            return [CheckResult(subject: identity, detail: "database writable")]
        }
        let directory = FileSystem.directory(of: settings.path)
        guard FileSystem.exists(directory) else {
            return [CheckResult(subject: identity, detail: "directory \(directory) does not exist yet: run creates it and the database")]
        }
        return [CheckResult(subject: identity, detail: "no database yet: run creates it in \(directory), which is writable")]
    }

    /// The stored states, read through a read-only connection without the job's lock, so a
    /// running job's checkpoint can be shown.
    public func peekCheckpoint() async throws -> [String: StreamState] {
        guard FileSystem.exists(settings.path) else { return [:] }
        let reader = try SQLiteConnection(path: settings.path, busyTimeout: settings.busyTimeout, readOnly: true)
        defer { reader.close() }
        guard try !reader.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [stateTableName]).isEmpty else {
            return [:]
        }
        return try loadStates(from: reader)
    }

    /// The rows of the stream's table, through a read-only connection: 0 without a database or table.
    public func storedRows(of stream: StreamDescriptor) async throws -> Int? {
        guard FileSystem.exists(settings.path) else { return 0 }
        let reader = try SQLiteConnection(path: settings.path, busyTimeout: settings.busyTimeout, readOnly: true)
        defer { reader.close() }
        let table = settings.tablePrefix + stream.name
        guard try !reader.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).isEmpty else { return 0 }
        return Int(try reader.rows("SELECT count(*) FROM \(SQLiteSchema.quote(table))").first?.first.flatMap { $0 } ?? "")
    }

    /// A checkpoint store in this database, holding the job's lock (`<path>.<prefix>lock`) and a
    /// new fence.
    public func checkpointStore() async throws -> any TransactionalCheckpointStore {
        if lock == nil {
            try FileSystem.makeDirectories(FileSystem.directory(of: settings.path))
            lock = try FileLock(path: settings.path + "." + settings.tablePrefix + "lock", purpose: "checkpoint in \(settings.path)")
        }
        _ = try database()
        return SQLiteCheckpointStore(storage: self, fence: try takeFence())
    }

    func storeState(_ state: StreamState, for stream: String, in db: SQLiteConnection) throws {
        let statement = try db.prepare(
            "INSERT INTO \(stateTable) (stream, state, updated_at) VALUES (?, ?, ?) ON CONFLICT(stream) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
        )
        statement.bind(1, text: stream)
        statement.bind(2, text: CheckpointFileFormat.encode(state).serialized(pretty: false))
        statement.bind(3, text: state.updatedAt.iso8601(fractionDigits: 6))
        try statement.step()
    }

    func loadStates(from connection: SQLiteConnection? = nil) throws -> [String: StreamState] {
        var states: [String: StreamState] = [:]
        for row in try (connection ?? database()).rows("SELECT stream, state FROM \(stateTable)") {
            guard let stream = row[0], let text = row[1] else { continue }
            do {
                states[stream] = try CheckpointFileFormat.decode(stream: stream, try JSONValue.parse(text))
            } catch {
                throw ChatExportError(.storageFailure, "the checkpoint of \(stream) in \(settings.path) is unreadable: \(error)")
            }
        }
        return states
    }

    /// Stores one stream's state in its own transaction, if `fence` is still the job's.
    func saveState(_ state: StreamState, for stream: String, fence: Int) throws {
        let db = try database()
        try db.transaction {
            try checkFence(fence, db, stopping: "the checkpoint of \(stream)")
            try storeState(state, for: stream, in: db)
        }
    }

    /// Fails unless `fence` is still the job's (call inside the transaction that stores state).
    private func checkFence(_ fence: Int, _ db: SQLiteConnection, stopping what: String) throws {
        let check = try db.prepare("UPDATE \(fenceTable) SET fence = fence WHERE id = 1 AND fence = ?")
        check.bind(1, text: String(fence))
        try check.step()
        guard db.changes == 1 else {
            throw ChatExportError(
                .checkpointLocked,
                "another run of this job took over the checkpoint in \(settings.path) (fence \(fence) is no longer current); "
                    + "this run stops without committing \(what)")
        }
    }

    func loadJobValues() throws -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for row in try database().rows("SELECT key, value FROM \(jobTable)") {
            guard let key = row[0], let text = row[1] else { continue }
            do {
                values[key] = try JSONValue.parse(text)
            } catch {
                throw ChatExportError(.storageFailure, "the job value \(key) in \(settings.path) is unreadable: \(error)")
            }
        }
        return values
    }

    func saveJobValue(_ value: JSONValue?, for key: String) throws {
        let db = try database()
        try db.transaction {
            let statement = try db.prepare(
                value == nil
                    ? "DELETE FROM \(jobTable) WHERE key = ?"
                    : "INSERT INTO \(jobTable) (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            statement.bind(1, text: key)
            if let value { statement.bind(2, text: value.serialized(pretty: false)) }
            try statement.step()
        }
    }

    /// Deletes the states of some or all streams, copying them into the backup table in the
    /// same transaction. Works on unreadable states too: it never parses them.
    func resetStates(_ streams: Set<String>?) throws {
        let db = try database()
        try db.transaction {
            try db.execute(
                "CREATE TABLE IF NOT EXISTS \(backupTable) (stream TEXT NOT NULL, state TEXT NOT NULL, updated_at TEXT NOT NULL, replaced_at TEXT NOT NULL)",
                doing: "create the checkpoint backup table")
            // An ISO-8601 timestamp holds no quote, so it can stand in the SQL as a literal.
            let replaced = Timestamp.now.iso8601(fractionDigits: 6)
            let copy = "INSERT INTO \(backupTable) SELECT stream, state, updated_at, '\(replaced)' FROM \(stateTable)"
            if let streams {
                for stream in streams {
                    for sql in [copy + " WHERE stream = ?", "DELETE FROM \(stateTable) WHERE stream = ?"] {
                        let statement = try db.prepare(sql)
                        statement.bind(1, text: stream)
                        try statement.step()
                    }
                }
            } else {
                try db.execute(copy, doing: "back up checkpoints")
                try db.execute("DELETE FROM \(stateTable)", doing: "reset checkpoints")
            }
        }
    }

    func releaseLock() {
        lock?.release()
        lock = nil
    }
}

/// The job's checkpoint kept in the SQLite sink's database (see ``SQLiteSink``).
public struct SQLiteCheckpointStore: TransactionalCheckpointStore {
    let storage: SQLiteSink
    /// The fence this store took when it was opened.
    let fence: Int

    /// The SQLite sink whose rows commit with each state.
    public var sink: any Sink { storage }

    /// Upserts the sink's pending rows of the stream and stores `state` in one transaction, if
    /// no other run took a newer fence.
    public func commit(_ commit: SinkCommit, storing state: StreamState) async throws {
        try await storage.commit(commit, storing: state, fence: fence)
    }

    /// `sqlite:<path>`
    public var location: String { "sqlite:" + storage.settings.path }

    /// Every stream's state from the database.
    public func load() async throws -> [String: StreamState] { try await storage.loadStates() }

    /// Stores one stream's state in its own transaction, if no other run took a newer fence.
    public func save(_ state: StreamState, for stream: String) async throws {
        try await storage.saveState(state, for: stream, fence: fence)
    }

    /// The job-level values from the database.
    public func loadJobValues() async throws -> [String: JSONValue] { try await storage.loadJobValues() }

    /// Stores one job-level value in its own transaction.
    public func saveJobValue(_ value: JSONValue?, for key: String) async throws { try await storage.saveJobValue(value, for: key) }

    /// Forgets some or all streams, keeping the replaced states in `<prefix>_chat_export_state_backup`.
    public func reset(streams: Set<String>?) async throws { try await storage.resetStates(streams) }

    /// Releases the job's lock.
    public func close() async { await storage.releaseLock() }
}
