public import ConnectorKit
import Foundation
public import SQLStore

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
        /// How long to wait for a lock held by another connection.
        public var busyTimeout: Duration

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - path: The database file.
        ///   - tablePrefix: The table name prefix.
        ///   - busyTimeout: How long to wait for a lock.
        public init(path: String, tablePrefix: String = "", busyTimeout: Duration = .seconds(5)) {
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
    private var tables: [String: SQLTable<SQLiteDialect>] = [:]
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

    /// The job's tables in the database, over SQLite's dialect.
    nonisolated var store: SQLStore<SQLiteDialect> {
        SQLStore(
            SQLiteDialect(), prefix: settings.tablePrefix, place: settings.path, checkpointPlace: settings.path,
            subject: "SQLite database \(settings.path)")
    }

    func database() throws -> SQLiteConnection {
        if let connection { return connection }
        try FileSystem.makeDirectories(FileSystem.directory(of: settings.path))
        let opened = try SQLiteConnection(path: settings.path, busyTimeout: settings.busyTimeout.inSeconds)
        // In a write transaction taken first: jobs opening the database at once take turns.
        let store = store
        try store.dialect.changeSchema(on: opened, doing: "create the checkpoint tables") { try store.createCheckpointTables(on: opened) }
        connection = opened
        return opened
    }

    /// Creates the stream's table, indexes and view, checking an existing table's shape, and
    /// prepares its upsert.
    public func open(_ stream: StreamDescriptor, restoring state: JSONValue?) async throws {
        let db = try database()
        let table = try store.open(stream, instance: instance, on: db)
        tables[stream.name] = table
        upserts[stream.name] = try db.prepare(Self.upsert(table))
    }

    /// Records the vendor instance the job reads, for the model views.
    public func claim(for job: JobIdentity) async throws { instance = job.instance ?? "" }

    /// `INSERT … ON CONFLICT(_id) DO UPDATE`, binding the columns in order.
    static func upsert(_ table: SQLTable<SQLiteDialect>) -> String {
        let names = table.columns.map(SQLiteDialect.quote)
        let updates = table.columns.dropFirst().map { "\(SQLiteDialect.quote($0)) = excluded.\(SQLiteDialect.quote($0))" }
        return "INSERT INTO \(table.table) (\(names.joined(separator: ", "))) VALUES (\(SQLiteDialect().placeholders(names.count))) "
            + "ON CONFLICT(_id) DO UPDATE SET \(updates.joined(separator: ", "))"
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

    private func flush(_ stream: String) throws {
        guard let records = pending[stream], !records.isEmpty else { return }
        guard let statement = upserts[stream], let table = tables[stream] else {
            throw ChatExportError(.failure, "sqlite sink: stream \(stream) was not opened")
        }
        let synced = Timestamp.now.iso8601(fractionDigits: 6)
        let hasParent = table.parentColumn != nil
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
        let reader = try SQLiteConnection(path: settings.path, busyTimeout: settings.busyTimeout.inSeconds, readOnly: true)
        defer { reader.close() }
        return try store.peekStates(on: reader)
    }

    /// The rows of the stream's table, through a read-only connection: 0 without a database or table.
    public func storedRows(of stream: StreamDescriptor) async throws -> Int? {
        guard FileSystem.exists(settings.path) else { return 0 }
        let reader = try SQLiteConnection(path: settings.path, busyTimeout: settings.busyTimeout.inSeconds, readOnly: true)
        defer { reader.close() }
        return try store.rowCount(of: stream, on: reader)
    }

    /// A checkpoint store in this database, holding the job's lock (`<path>.<prefix>lock`) and a
    /// new fence.
    public func checkpointStore() async throws -> any TransactionalCheckpointStore {
        if lock == nil {
            try FileSystem.makeDirectories(FileSystem.directory(of: settings.path))
            lock = try FileLock(path: settings.path + "." + settings.tablePrefix + "lock", purpose: "checkpoint in \(settings.path)")
        }
        return SQLCheckpointStore(storage: self, fence: try store.takeFence(on: database()))
    }
}

extension SQLiteSink: SQLCheckpointStorage {
    /// `sqlite:<path>`
    package nonisolated var checkpointLocation: String { "sqlite:" + settings.path }

    /// Runs a checkpoint operation on the database; a commit upserts the stream's pending records.
    package func perform(_ operation: SQLCheckpointOperation) throws -> SQLCheckpointOutcome {
        try store.perform(operation, on: database(), rows: { try flush($0) })
    }

    /// Releases the job's lock.
    package func releaseLock() {
        lock?.release()
        lock = nil
    }
}

/// The job's checkpoint kept in the SQLite sink's database (see ``SQLiteSink``).
public typealias SQLiteCheckpointStore = SQLCheckpointStore
