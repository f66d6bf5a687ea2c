public import ConnectorKit
import Foundation
public import SQLStore

/// Writes each stream into a PostgreSQL table `<schema>.<table_prefix><stream>`: `_id` (primary
/// key), the cursor column as `timestamptz`, the parent column, `data json` (the vendor's bytes
/// exactly) and `synced_at`; plus a view `<table_prefix><stream>_view` with the stream's
/// well-known fields as typed columns.
///
/// ## Load path
/// Records of a batch are escaped into `COPY` text as they arrive. At the commit, in one
/// transaction: check the job's fence, `COPY` into a temporary staging table, merge with
/// `INSERT … SELECT DISTINCT ON (_id) … ON CONFLICT (_id) DO UPDATE` (the last copy of an `_id`
/// wins), and store the stream's checkpoint in `<table_prefix>_chat_export_state`: the rows and
/// the checkpoint are committed together or not at all.
///
/// ## Many jobs in one schema
/// Jobs share the schema, the `chat_export_model` table and the `chat_conversations` /
/// `chat_messages` views. Every change to the schema's objects runs in a transaction holding a
/// transaction-scoped advisory lock of the schema, so jobs starting at the same instant make their
/// changes one at a time, each seeing what the one before committed; a view is replaced only when
/// its SQL changed (its comment records a hash of it).
///
/// ## One run at a time
/// The checkpoint store holds a session advisory lock for the job (`schema` + `table_prefix`):
/// a second run is refused (exit 75). It also takes a new fence in
/// `<table_prefix>_chat_export_fence`; a commit stores nothing once another run has taken a
/// newer fence.
public actor PostgresSink: CheckpointingSink {
    /// The sink's settings.
    public struct Settings: Sendable, Hashable {
        /// `postgresql://user@host:5432/database?sslmode=…` (a password may come from `${VAR}`,
        /// `PGPASSWORD` or `~/.pgpass`; libpq's URL parameters pass through).
        public var url: String
        /// The schema the tables live in (created if missing).
        public var schema: String
        /// Prepended to every table and view name.
        public var tablePrefix: String
        /// The longest wait for a connection (libpq's `connect_timeout`, whole seconds: rounded up,
        /// at least one).
        public var connectTimeout: Duration

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - url: The server URL.
        ///   - schema: The schema.
        ///   - tablePrefix: The table name prefix.
        ///   - connectTimeout: The longest wait for a connection.
        public init(url: String, schema: String = "public", tablePrefix: String = "", connectTimeout: Duration = .seconds(10)) {
            self.url = url
            self.schema = schema
            self.tablePrefix = tablePrefix
            self.connectTimeout = connectTimeout
        }
    }

    /// The settings.
    public let settings: Settings
    let address: PostgresAddress
    /// Where the server's notices go (debug level; warnings at warning level).
    let logger: ExportLogger
    /// `postgres:<user@host:port/database>/<schema>#<prefix>` (no password).
    public nonisolated let identity: String
    /// Re-sent records replace stored ones.
    public nonisolated var replay: SinkReplay { .upsertByID }

    private var connection: PostgresConnection?
    private var tables: [String: SQLTable<PostgresDialect>] = [:]
    /// The vendor instance the job reads (``claim(for:)``), named in the model views.
    private var instance = ""
    /// Each stream's batch so far: `COPY` text, row count, and its `_id`s (to know whether the
    /// merge must pick one copy of a repeated `_id`).
    private var pending: [String: PendingRows] = [:]

    struct PendingRows {
        var data: [UInt8] = []
        var rows = 0
        var ids = Set<String>()
        var repeats = false
    }
    private var locked = false
    /// The fleet lease a run holds instead of the job's advisory lock (see ``checkpointStore(under:)``).
    private var lease: PostgresLease?
    /// Statements run on every new connection (session timeouts under a lease).
    private var sessionSettings: String?

    /// Creates a sink; it connects on first use.
    ///
    /// - Parameters:
    ///   - settings: The settings.
    ///   - logger: Where the server's notices go.
    /// - Throws: ``ChatExportError`` (`invalidConfig`) when the URL cannot be read.
    public init(settings: Settings, logger: ExportLogger = .disabled) throws {
        self.settings = settings
        self.logger = logger
        do {
            self.address = try PostgresAddress(url: settings.url)
        } catch {
            throw ChatExportError(.invalidConfig, "postgres sink url: \(error.message)")
        }
        self.identity = "postgres:\(address.user)@\(address.server)/\(address.database)/\(settings.schema)#\(settings.tablePrefix)"
    }

    /// The job's tables in the schema, over PostgreSQL's dialect.
    nonisolated var store: SQLStore<PostgresDialect> {
        SQLStore(
            PostgresDialect(schema: settings.schema), prefix: settings.tablePrefix, place: address.description,
            checkpointPlace: "\(address) schema \(settings.schema)", subject: "PostgreSQL \(address)")
    }

    /// A new connection whose server notices go to the logger.
    func connect() throws -> PostgresConnection {
        try PostgresConnection(
            address, connectTimeout: PostgresConnection.wholeSeconds(settings.connectTimeout),
            notices: PostgresConnection.logging(to: logger, address: address))
    }

    func database() throws -> PostgresConnection {
        if let connection, connection.isOpen { return connection }
        if connection != nil {
            throw ChatExportError(.temporaryFailure, "PostgreSQL \(address): the connection was lost; re-run to resume")
        }
        let opened = try connect()
        if let sessionSettings { try opened.execute(sessionSettings, doing: "set the session's timeouts") }
        let store = store
        let present = try opened.query(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), "
                + "to_regclass($2) IS NOT NULL AND to_regclass($3) IS NOT NULL AND to_regclass($4) IS NOT NULL",
            [settings.schema, store.stateTable, store.jobTable, store.fenceTable], doing: "look up the schema"
        ).rows.first
        if present?[1] != "t" {
            try store.dialect.changeSchema(on: opened, doing: "create the checkpoint tables in schema \(settings.schema)") {
                // Only when missing: CREATE SCHEMA needs a grant a user of an existing schema may lack.
                if present?[0] != "t" {
                    try opened.execute(
                        "CREATE SCHEMA IF NOT EXISTS \(PostgresDialect.quote(settings.schema))", doing: "create schema \(settings.schema)")
                }
                try store.createCheckpointTables(on: opened)
            }
        }
        connection = opened
        return opened
    }

    /// Creates the stream's table, indexes, view and staging table (those missing), checking an
    /// existing table's shape.
    public func open(_ stream: StreamDescriptor, restoring state: JSONValue?) async throws {
        let db = try database()
        let table = try store.open(stream, instance: instance, on: db)
        try db.execute(table.createStaging, doing: "create the staging table of \(stream.name)")
        tables[stream.name] = table
        pending[stream.name] = PendingRows()
    }

    /// Records the vendor instance the job reads, for the model views.
    public func claim(for job: JobIdentity) async throws { instance = job.instance ?? "" }

    /// Escapes the batch's records into the stream's pending `COPY` text.
    public func write(_ batch: RecordBatch) async throws {
        guard var entry = pending[batch.stream], let table = tables[batch.stream] else {
            throw ChatExportError(.failure, "postgres sink: stream \(batch.stream) was not opened")
        }
        pending[batch.stream] = nil
        PostgresCopyText.append(batch.records, startingAt: entry.rows, parentColumn: table.parentColumn != nil, to: &entry.data)
        entry.rows += batch.records.count
        for record in batch.records where !entry.ids.insert(record.id).inserted { entry.repeats = true }
        pending[batch.stream] = entry
    }

    /// Loads the stream's pending rows in their own transaction (when the checkpoint lives elsewhere).
    public func commit(_ commit: SinkCommit) async throws -> JSONValue? {
        let db = try database()
        try db.transaction(doing: "load \(commit.stream)") { try load(commit.stream, db) }
        return nil
    }

    private func load(_ stream: String, _ db: PostgresConnection) throws {
        guard let entry = pending[stream], entry.rows > 0, let table = tables[stream] else { return }
        try db.copy(table.copy, entry.data, doing: "copy \(entry.rows) \(stream) rows")
        try db.query(table.merge(distinct: entry.repeats), doing: "merge \(stream) rows into \(settings.schema).\(table.name)")
        pending[stream] = PendingRows()
    }

    /// Connects, checks the schema can be used, and closes again (`chat-export check`).
    public func check() async throws -> [CheckResult] {
        let db = try connect()
        defer { db.close() }
        let rows = try db.query(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), "
                + "CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'CREATE') "
                + "ELSE has_database_privilege(current_database(), 'CREATE') END",
            [settings.schema], doing: "check privileges"
        ).rows
        let exists = rows.first?[0] == "t"
        guard rows.first?[1] == "t" else {
            throw ChatExportError(
                .invalidConfig,
                "PostgreSQL \(address): user \(address.user) may not "
                    + (exists ? "create tables in schema \(settings.schema)" : "create schema \(settings.schema)")
                    + " (GRANT CREATE ON \(exists ? "SCHEMA \(settings.schema)" : "DATABASE \(address.database)") TO \(address.user))")
        }
        return [
            CheckResult(
                subject: identity,
                detail: "server reachable as \(address.user); schema \(settings.schema) \(exists ? "writable" : "can be created")")
        ]
    }

    /// Discards what was not committed and ends the run (releasing the job's lock).
    public func finish(succeeded: Bool) async throws {
        tables = [:]
        pending = [:]
        connection?.close()
        connection = nil
        locked = false
    }

    // MARK: - Checkpoint store

    /// A database server: workers on any machine see the same checkpoint.
    public nonisolated var sharesCheckpoint: Bool { true }

    /// The checkpoint store for a run under a fleet's lease (a ``PostgresLease``): no advisory
    /// lock (a paused worker's session would hold it past its lease and block the takeover),
    /// but a new fence, and every commit checks the lease in its transaction. Session timeouts
    /// end a paused worker's open transaction, so its row locks cannot outlive its lease for
    /// long. A manual `chat-export run` holding the job's advisory lock keeps the fleet out.
    public func checkpointStore(under lease: any JobLease) async throws -> any TransactionalCheckpointStore {
        guard let lease = lease as? PostgresLease else {
            throw ChatExportError(
                .invalidConfig, "the postgres sink's checkpoint can only be shared under a PostgreSQL coordinator's lease")
        }
        let milliseconds = Int(max(lease.timeToLive.inSeconds, 10) * 1000)
        // The worker's name shows in pg_stat_activity (and in the lock holder of a manual run's refusal).
        let name = String("chat-export \(lease.worker)".prefix(63)).replacingOccurrences(of: "'", with: "''")
        sessionSettings =
            "SET idle_in_transaction_session_timeout = \(milliseconds); SET statement_timeout = \(max(milliseconds, 30_000)); "
            + "SET application_name = '\(name)'"
        if let connection, connection.isOpen, let sessionSettings {
            try connection.execute(sessionSettings, doing: "set the session's timeouts")
        }
        let db = try database()
        // A manual run holding the job's lock keeps the fleet out; the lock is not kept.
        try lockJob(db, by: "a run outside the fleet", then: "the fleet tries again later")
        try db.query("SELECT pg_advisory_unlock(hashtext($1))", [lockKey], doing: "look for a manual run")
        try lease.verify(in: db, stopping: "its run")
        self.lease = lease
        return SQLCheckpointStore(storage: self, fence: try store.takeFence(on: db))
    }

    /// The checkpoint store in this schema: takes the job's advisory lock and a new fence.
    public func checkpointStore() async throws -> any TransactionalCheckpointStore {
        let db = try database()
        if !locked {
            try lockJob(db, by: "another run", then: "wait for it to finish or stop it")
            locked = true
        }
        return SQLCheckpointStore(storage: self, fence: try store.takeFence(on: db))
    }

    /// The name of the job's session advisory lock (schema + table prefix).
    private var lockKey: String { "chat-export:" + settings.schema + "." + settings.tablePrefix }

    /// Takes the job's advisory lock, or fails naming the session that holds it.
    private func lockJob(_ db: PostgresConnection, by holderKind: String, then advice: String) throws {
        let taken = try db.query("SELECT pg_try_advisory_lock(hashtext($1))", [lockKey], doing: "lock the job").rows
        guard taken.first?[0] != "t" else { return }
        let holder = try? db.query(
            "SELECT a.pid, a.client_addr, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                + "WHERE l.locktype = 'advisory' AND l.objid = (hashtext($1)::bigint & 4294967295) AND l.granted LIMIT 1",
            [lockKey], doing: "find the lock's holder"
        ).rows.first
        let who = holder.map { " (server pid \($0[0] ?? "?"), \($0[2] ?? "")\($0[1].map { " from \($0)" } ?? ""))" } ?? ""
        throw ChatExportError(
            .checkpointLocked,
            "the checkpoint in \(address) schema \(settings.schema) (table_prefix \"\(settings.tablePrefix)\") is locked by \(holderKind)\(who); "
                + advice)
    }

    /// The rows of the stream's table, with a connection of its own: 0 when there is no table yet.
    public func storedRows(of stream: StreamDescriptor) async throws -> Int? {
        let db = try connect()
        defer { db.close() }
        return try store.rowCount(of: stream, on: db)
    }

    /// Reads the stored states with a connection of its own, taking no lock.
    public func peekCheckpoint() async throws -> [String: StreamState] {
        let db = try connect()
        defer { db.close() }
        return try store.peekStates(on: db)
    }
}

extension PostgresSink: SQLCheckpointStorage {
    /// `postgres:<user@host:port/database>/<schema>#<prefix>`
    package nonisolated var checkpointLocation: String { identity }

    /// Runs a checkpoint operation on the session; a commit loads the stream's pending rows, and
    /// under a fleet's lease every commit and save checks the lease in its transaction.
    package func perform(_ operation: SQLCheckpointOperation) throws -> SQLCheckpointOutcome {
        let db = try database()
        return try store.perform(operation, on: db, rows: { try load($0, db) }, verifying: { try lease?.verify(in: db, stopping: $0) })
    }

    /// Ends the session, which releases the job's lock.
    package func releaseLock() {
        connection?.close()
        connection = nil
        locked = false
        lease = nil
        sessionSettings = nil
    }
}

/// The job's checkpoint kept in the PostgreSQL sink's schema (see ``PostgresSink``): committed
/// with the sink's rows, locked for the run and fenced.
public typealias PostgresCheckpointStore = SQLCheckpointStore
