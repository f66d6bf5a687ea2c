import ConnectorKit
import Foundation

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
        /// Seconds to wait for a connection.
        public var connectTimeout: Int

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - url: The server URL.
        ///   - schema: The schema.
        ///   - tablePrefix: The table name prefix.
        ///   - connectTimeout: Seconds to wait for a connection.
        public init(url: String, schema: String = "public", tablePrefix: String = "", connectTimeout: Int = 10) {
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
    private var schemas: [String: PostgresSchema] = [:]
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

    /// `"schema"."<prefix>_chat_export_<name>"`
    func table(_ name: String) -> String {
        PostgresSchema.quote(settings.schema) + "." + PostgresSchema.quote(settings.tablePrefix + "_chat_export_" + name)
    }
    var stateTable: String { table("state") }
    var jobTable: String { table("job") }
    var fenceTable: String { table("fence") }
    var backupTable: String { table("state_backup") }

    /// A new connection whose server notices go to the logger.
    func connect() throws -> PostgresConnection {
        try PostgresConnection(
            address, connectTimeout: settings.connectTimeout, notices: PostgresConnection.logging(to: logger, address: address))
    }

    func database() throws -> PostgresConnection {
        if let connection, connection.isOpen { return connection }
        if connection != nil {
            throw ChatExportError(.temporaryFailure, "PostgreSQL \(address): the connection was lost; re-run to resume")
        }
        let opened = try connect()
        if let sessionSettings { try opened.execute(sessionSettings, doing: "set the session's timeouts") }
        let present = try opened.query(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), "
                + "to_regclass($2) IS NOT NULL AND to_regclass($3) IS NOT NULL AND to_regclass($4) IS NOT NULL",
            [settings.schema, stateTable, jobTable, fenceTable], doing: "look up the schema"
        ).rows.first
        if present?[1] != "t" {
            try changeSchema(opened, doing: "create the checkpoint tables in schema \(settings.schema)") {
                // Only when missing: CREATE SCHEMA needs a grant a user of an existing schema may lack.
                if present?[0] != "t" {
                    try opened.execute(
                        "CREATE SCHEMA IF NOT EXISTS \(PostgresSchema.quote(settings.schema))", doing: "create schema \(settings.schema)")
                }
                try opened.execute(
                    """
                    CREATE TABLE IF NOT EXISTS \(stateTable) (stream text PRIMARY KEY, state text NOT NULL, updated_at timestamptz NOT NULL);
                    CREATE TABLE IF NOT EXISTS \(jobTable) (key text PRIMARY KEY, value text NOT NULL);
                    CREATE TABLE IF NOT EXISTS \(fenceTable) (id integer PRIMARY KEY CHECK (id = 1), fence bigint NOT NULL);
                    """,
                    doing: "create the checkpoint tables in schema \(settings.schema)")
            }
        }
        connection = opened
        return opened
    }

    /// The class of the advisory lock serialising changes to a schema's objects (the second key
    /// is the schema's `hashtext`); the two-key space never meets the jobs' one-key locks.
    static let schemaLockClass: Int32 = 0x6365_7870
    /// Seconds a change to the schema waits for a lock (another job's change, an analyst's long
    /// query on a view being replaced) before the run stops with a temporary failure.
    static let schemaLockTimeout = 60
    /// SQLSTATEs worth one more try of a schema change: a serialization failure, a deadlock, and
    /// an object another program created at the same moment without taking the lock.
    static let retriedStates: Set<String> = ["40001", "40P01", "23505", "42P06", "42P07", "42710"]

    /// Runs `body` in a transaction holding the schema's lock (a transaction-scoped advisory
    /// lock), so jobs starting at the same instant change the schema's shared objects one at a
    /// time, each seeing what the one before committed. Waits at most ``schemaLockTimeout`` for a
    /// lock; tries up to 3 times when the failure is one trying again can cure.
    private nonisolated func changeSchema(_ db: PostgresConnection, doing: String, _ body: () throws -> Void) throws {
        var attempt = 1
        while true {
            do {
                try transaction(db, doing: doing) {
                    try db.execute("SET LOCAL lock_timeout = '\(Self.schemaLockTimeout)s'", doing: doing)
                    try db.query(
                        "SELECT pg_advisory_xact_lock(\(Self.schemaLockClass), hashtext($1))", [settings.schema],
                        doing: "lock schema \(settings.schema) for \(doing)")
                    try body()
                }
                return
            } catch let error as ChatExportError
                where attempt < 3 && db.isOpen && Self.retriedStates.contains(db.lastFailedState ?? "") && error.code == .temporaryFailure
            {
                attempt += 1
                usleep(useconds_t.random(in: 10_000...100_000))
            }
        }
    }

    /// Creates the stream's table, indexes, view and staging table (those missing), checking an
    /// existing table's shape.
    public func open(_ stream: StreamDescriptor, restoring state: JSONValue?) async throws {
        let db = try database()
        let schema = PostgresSchema(schema: settings.schema, prefix: settings.tablePrefix, stream: stream)
        let existing = try db.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
            [settings.schema, schema.tableName],
            doing: "read the shape of table \(schema.tableName)"
        ).rows.compactMap { $0.first ?? nil }
        if !existing.isEmpty {
            let missing = schema.columns.filter { !existing.contains($0) }
            guard missing.isEmpty else {
                throw ChatExportError(
                    .storageFailure,
                    "table \(settings.schema).\(schema.tableName) in \(address) exists with an incompatible shape (missing \(missing.joined(separator: ", "))); "
                        + "use another schema or table_prefix")
            }
        }
        try changeSchema(db, doing: "create table \(settings.schema).\(schema.tableName) and its view") {
            if existing.isEmpty { try db.execute(schema.createTable, doing: "create table \(settings.schema).\(schema.tableName)") }
            try replaceView(schema.view, with: schema.viewSelect, db)
            // Both model views, whether or not this stream maps onto one: they exist (empty) as
            // soon as a job writes to the schema.
            try rebuildCanonicalViews(adding: schema, db)
        }
        try db.execute(schema.createStaging, doing: "create the staging table of \(stream.name)")
        schemas[stream.name] = schema
        pending[stream.name] = PendingRows()
    }

    /// Records this table's mapping (if it has one) and rebuilds `chat_conversations` and
    /// `chat_messages` as the union of every mapped table in the schema that still exists, each
    /// record once per vendor instance (see ``CanonicalUnion``), inside
    /// ``changeSchema(_:doing:_:)``, so it sees every job's mapping committed before it. A table
    /// recorded by an older chat-export (no instance) joins again when its job next runs.
    private func rebuildCanonicalViews(adding schema: PostgresSchema, _ db: PostgresConnection) throws {
        let model = schema.modelTable
        let exists = try db.query("SELECT to_regclass($1) IS NOT NULL", [model], doing: "look up the conversation model table").rows
        if exists.first?[0] != "t" {
            try db.execute(
                "CREATE TABLE IF NOT EXISTS \(model) (table_name text PRIMARY KEY, view text NOT NULL, select_sql text NOT NULL, "
                    + "instance text, vendor text)",
                doing: "create the conversation model table")
        } else {
            try db.execute(
                "ALTER TABLE \(model) ADD COLUMN IF NOT EXISTS instance text, ADD COLUMN IF NOT EXISTS vendor text",
                doing: "add instance and vendor to the conversation model table")
        }
        if let mapping = schema.stream.canonical, let select = schema.canonicalSelect(instance: instance) {
            let vendor = if case .constant(let name) = mapping.values["vendor"] { name } else { "" }
            try db.query(
                "INSERT INTO \(model) (table_name, view, select_sql, instance, vendor) VALUES ($1, $2, $3, $4, $5) "
                    + "ON CONFLICT (table_name) DO UPDATE SET view = excluded.view, select_sql = excluded.select_sql, "
                    + "instance = excluded.instance, vendor = excluded.vendor",
                [schema.tableName, mapping.view, select, instance, vendor], doing: "record \(schema.tableName) in the conversation model")
        }
        for kind in [CanonicalMapping.Kind.conversation, .message] {
            let view = CanonicalMapping(kind, vendor: "", [:]).view
            let entries = try db.query(
                "SELECT table_name, select_sql, instance, vendor FROM \(model) WHERE view = $1 AND instance IS NOT NULL "
                    + "AND to_regclass(quote_ident($2) || '.' || quote_ident(table_name)) IS NOT NULL ORDER BY table_name",
                [view, settings.schema], doing: "read the conversation model"
            ).rows.map { row in
                CanonicalUnion.Entry(
                    table: PostgresSchema.quote(settings.schema) + "." + PostgresSchema.quote(row[0] ?? ""), select: row[1] ?? "",
                    instance: row[2] ?? "", vendor: row[3] ?? "")
            }
            try replaceView(
                PostgresSchema.quote(settings.schema) + "." + PostgresSchema.quote(view),
                with: CanonicalUnion.select(entries, empty: PostgresSchema.emptyCanonicalSelect(kind)), db)
        }
    }

    /// Records the vendor instance the job reads, for the model views.
    public func claim(for job: JobIdentity) async throws { instance = job.instance ?? "" }

    /// Makes the view `name` (schema-qualified, quoted) select `select`, unless its comment says it
    /// already does: an unchanged view is left alone, so a run takes no lock on a view analysts
    /// may be reading unless a declaration or the set of tables changed.
    private nonisolated func replaceView(_ name: String, with select: String, _ db: PostgresConnection) throws {
        let stamp = "Kept by chat-export; definition \(PostgresSchema.fingerprint(select)): replaced when the tables it reads change."
        let current = try db.query(
            "SELECT to_regclass($1) IS NOT NULL, obj_description(to_regclass($1), 'pg_class')", [name], doing: "look up view \(name)"
        ).rows.first
        if current?[1] == stamp { return }
        try db.execute(
            (current?[0] == "t" ? "DROP VIEW \(name); " : "")
                + "CREATE VIEW \(name) AS \(select); COMMENT ON VIEW \(name) IS \(PostgresSchema.literal(stamp))",
            doing: "create view \(name)")
    }

    /// Escapes the batch's records into the stream's pending `COPY` text.
    public func write(_ batch: RecordBatch) async throws {
        guard var entry = pending[batch.stream], let schema = schemas[batch.stream] else {
            throw ChatExportError(.failure, "postgres sink: stream \(batch.stream) was not opened")
        }
        pending[batch.stream] = nil
        PostgresCopyText.append(batch.records, startingAt: entry.rows, parentColumn: schema.parentColumn != nil, to: &entry.data)
        entry.rows += batch.records.count
        for record in batch.records where !entry.ids.insert(record.id).inserted { entry.repeats = true }
        pending[batch.stream] = entry
    }

    /// Loads the stream's pending rows in their own transaction (when the checkpoint lives elsewhere).
    public func commit(_ commit: SinkCommit) async throws -> JSONValue? {
        let db = try database()
        try transaction(db, doing: "load \(commit.stream)") { try load(commit.stream, db) }
        return nil
    }

    /// Loads the stream's pending rows and stores `state` in one transaction, if `fence` is
    /// still the job's.
    func commit(_ commit: SinkCommit, storing state: StreamState, fence: Int) throws {
        let db = try database()
        try transaction(db, doing: "commit \(commit.stream)") {
            try checkFence(fence, db, stopping: "\(commit.stream) batch \(commit.sequence)")
            try load(commit.stream, db)
            try storeState(state, for: commit.stream, db)
            try lease?.verify(in: db, stopping: "\(commit.stream) batch \(commit.sequence)")
        }
    }

    private func load(_ stream: String, _ db: PostgresConnection) throws {
        guard let entry = pending[stream], entry.rows > 0, let schema = schemas[stream] else { return }
        try db.copy(schema.copy, entry.data, doing: "copy \(entry.rows) \(stream) rows")
        try db.query(schema.merge(distinct: entry.repeats), doing: "merge \(stream) rows into \(settings.schema).\(schema.tableName)")
        pending[stream] = PendingRows()
    }

    private nonisolated func transaction(_ db: PostgresConnection, doing: String, _ body: () throws -> Void) throws {
        try db.execute("BEGIN", doing: doing)
        do {
            try body()
            try db.execute("COMMIT", doing: doing)
        } catch {
            if db.isOpen { try? db.execute("ROLLBACK", doing: "roll back") }
            throw error
        }
    }

    /// Locks the fence row until the transaction ends and fails unless `fence` is still the job's.
    private func checkFence(_ fence: Int, _ db: PostgresConnection, stopping what: String) throws {
        let held = try db.query(
            "UPDATE \(fenceTable) SET fence = fence WHERE id = 1 AND fence = $1", [String(fence)], doing: "check the job's fence")
        guard held.affected == 1 else {
            throw ChatExportError(
                .checkpointLocked,
                "another run of this job took over the checkpoint in \(address) schema \(settings.schema) (fence \(fence) is no longer current); "
                    + "this run stops without committing \(what)")
        }
    }

    private func storeState(_ state: StreamState, for stream: String, _ db: PostgresConnection) throws {
        try db.query(
            "INSERT INTO \(stateTable) (stream, state, updated_at) VALUES ($1, $2, $3) "
                + "ON CONFLICT (stream) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            [stream, CheckpointFileFormat.encode(state).serialized(pretty: false), state.updatedAt.iso8601(fractionDigits: 6)],
            doing: "store the checkpoint of \(stream)")
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
        schemas = [:]
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
        let milliseconds = Int(max(lease.timeToLive, 10) * 1000)
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
        return PostgresCheckpointStore(storage: self, fence: try takeFence(db))
    }

    private func takeFence(_ db: PostgresConnection) throws -> Int {
        let fence = try db.query(
            "INSERT INTO \(fenceTable) (id, fence) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET fence = \(fenceTable).fence + 1 RETURNING fence",
            doing: "take the job's fence"
        ).rows.first?.first.flatMap { $0 }.flatMap(Int.init)
        guard let fence else { throw ChatExportError(.storageFailure, "PostgreSQL \(address): could not take the job's fence") }
        return fence
    }

    /// The checkpoint store in this schema: takes the job's advisory lock and a new fence.
    public func checkpointStore() async throws -> any TransactionalCheckpointStore {
        let db = try database()
        if !locked {
            try lockJob(db, by: "another run", then: "wait for it to finish or stop it")
            locked = true
        }
        return PostgresCheckpointStore(storage: self, fence: try takeFence(db))
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
        let table = PostgresSchema(schema: settings.schema, prefix: settings.tablePrefix, stream: stream).table
        let exists = try db.query("SELECT to_regclass($1) IS NOT NULL", [table], doing: "look up table \(table)").rows
        guard exists.first?[0] == "t" else { return 0 }
        return Int(try db.query("SELECT count(*) FROM \(table)", [], doing: "count the rows of \(table)").rows.first?[0] ?? "")
    }

    /// Reads the stored states with a connection of its own, taking no lock.
    public func peekCheckpoint() async throws -> [String: StreamState] {
        let db = try connect()
        defer { db.close() }
        let exists = try db.query("SELECT to_regclass($1) IS NOT NULL", [stateTable], doing: "look up the checkpoint table").rows
        guard exists.first?[0] == "t" else { return [:] }
        return try loadStates(db)
    }

    func loadStates(_ connection: PostgresConnection? = nil) throws -> [String: StreamState] {
        var states: [String: StreamState] = [:]
        for row in try (connection ?? database()).query("SELECT stream, state FROM \(stateTable)", doing: "read the checkpoint").rows {
            guard let stream = row[0], let text = row[1] else { continue }
            do {
                states[stream] = try CheckpointFileFormat.decode(stream: stream, try JSONValue.parse(text))
            } catch {
                throw ChatExportError(.storageFailure, "the checkpoint of \(stream) in \(address) is unreadable: \(error)")
            }
        }
        return states
    }

    func saveState(_ state: StreamState, for stream: String, fence: Int) throws {
        let db = try database()
        try transaction(db, doing: "store the checkpoint of \(stream)") {
            try checkFence(fence, db, stopping: "the checkpoint of \(stream)")
            try storeState(state, for: stream, db)
            try lease?.verify(in: db, stopping: "the checkpoint of \(stream)")
        }
    }

    func loadJobValues() throws -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for row in try database().query("SELECT key, value FROM \(jobTable)", doing: "read the job's values").rows {
            guard let key = row[0], let text = row[1] else { continue }
            do {
                values[key] = try JSONValue.parse(text)
            } catch {
                throw ChatExportError(.storageFailure, "the job value \(key) in \(address) is unreadable: \(error)")
            }
        }
        return values
    }

    func saveJobValue(_ value: JSONValue?, for key: String) throws {
        let db = try database()
        if let value {
            try db.query(
                "INSERT INTO \(jobTable) (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value.serialized(pretty: false)], doing: "store the job value \(key)")
        } else {
            try db.query("DELETE FROM \(jobTable) WHERE key = $1", [key], doing: "remove the job value \(key)")
        }
    }

    /// Deletes the states of some or all streams, copying them into the backup table first.
    func resetStates(_ streams: Set<String>?) throws {
        let db = try database()
        try transaction(db, doing: "reset checkpoints") {
            try db.execute(
                "CREATE TABLE IF NOT EXISTS \(backupTable) (stream text NOT NULL, state text NOT NULL, updated_at timestamptz NOT NULL, replaced_at timestamptz NOT NULL)",
                doing: "create the checkpoint backup table")
            let filter = streams == nil ? "" : " WHERE stream = ANY($1::text[])"
            let parameters: [String?] = streams.map { [PostgresConnection.textArray($0.sorted())] } ?? []
            try db.query(
                "INSERT INTO \(backupTable) SELECT stream, state, updated_at, now() FROM \(stateTable)\(filter)", parameters,
                doing: "back up checkpoints")
            try db.query("DELETE FROM \(stateTable)\(filter)", parameters, doing: "reset checkpoints")
        }
    }

    func releaseLock() {
        connection?.close()
        connection = nil
        locked = false
        lease = nil
        sessionSettings = nil
    }
}
