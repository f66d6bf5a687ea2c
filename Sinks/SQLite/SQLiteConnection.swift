internal import CSQLite
import ConnectorKit
import Foundation
import SQLStore

/// One SQLite connection, used from one actor. Every failure becomes a ``ChatExportError``
/// naming the file and what to do.
final class SQLiteConnection: SQLConnection {
    let path: String
    /// Seconds to wait for another connection's lock before giving up.
    let busyTimeout: Double
    private(set) var handle: OpaquePointer?

    /// Opens (creating) a database for writing, or with `readOnly` an existing one for reading
    /// (no WAL set-up, nothing written, no lock taken beyond SQLite's own).
    init(path: String, busyTimeout: Double, readOnly: Bool = false) throws {
        self.path = path
        self.busyTimeout = busyTimeout
        // A new database holds customer data: create it readable by its owner only. SQLite gives
        // its -wal and -shm files the database file's permissions.
        if !readOnly, !FileSystem.exists(path) {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FileSystem.fileMode)
            if fd >= 0 { Glibc.close(fd) }
        }
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        handle = db
        guard rc == SQLITE_OK else {
            let error = SQLiteConnection.error(rc, db, path: path, doing: "open")
            sqlite3_close_v2(db)
            handle = nil
            throw error
        }
        sqlite3_busy_timeout(db, Self.milliseconds(busyTimeout))
        if readOnly { return }
        sqlite3_extended_result_codes(db, 1)
        // Validate the file before changing anything (a corrupt or foreign file fails here).
        try execute("SELECT count(*) FROM sqlite_master", doing: "read", retryingBusy: true)
        // A new file becomes WAL under an exclusive lock: connections opening it at once retry.
        try execute("PRAGMA journal_mode=WAL", doing: "enable WAL", retryingBusy: true)
        try execute("PRAGMA synchronous=FULL", doing: "configure", retryingBusy: false)
    }

    /// Seconds as SQLite's busy timeout: whole milliseconds, within `Int32`.
    static func milliseconds(_ seconds: Double) -> Int32 { Int32(max(0, min(seconds * 1000, Double(Int32.max)))) }

    deinit { close() }

    /// Checks that `path` holds a readable SQLite database, opening it as immutable: no lock, no
    /// `-wal` or `-shm` file, nothing written (for `chat-export check`).
    ///
    /// - Parameter path: An existing file.
    /// - Throws: ``ChatExportError`` naming the file and the cause.
    static func inspect(_ path: String) throws {
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        var rc = sqlite3_open_v2("file:" + encoded + "?immutable=1", &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil)
        if rc == SQLITE_OK { rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nil, nil, nil) }
        guard rc == SQLITE_OK else { throw error(rc, db, path: path, doing: "read") }
    }

    func close() {
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs SQL that returns no rows we need.
    ///
    /// - Parameters:
    ///   - sql: The statements.
    ///   - doing: What it is for, for messages.
    ///   - retryingBusy: Run it again while the database is busy, until the busy timeout (for a
    ///     statement that changes nothing when it fails: opening, `BEGIN`, `COMMIT`).
    func execute(_ sql: String, doing: String, retryingBusy: Bool) throws {
        let run = { () -> Int32 in
            var message: UnsafeMutablePointer<CChar>?
            let rc = sqlite3_exec(self.handle, sql, nil, nil, &message)
            sqlite3_free(message)
            return rc
        }
        let rc = retryingBusy ? untilNotBusy(run) : run()
        guard rc == SQLITE_OK else { throw SQLiteConnection.error(rc, handle, path: path, doing: doing, busyTimeout: busyTimeout) }
    }

    /// Runs `attempt` again while it answers BUSY, until the busy timeout has passed since the
    /// first try. SQLite's busy handler covers most waits, but SQLite answers BUSY at once, without
    /// it, when waiting could deadlock (a connection upgrading a read lock to write, as the switch
    /// of a new file to WAL does while another connection switches it too) and during another
    /// connection's WAL recovery. Pauses grow from 1 ms to 50 ms; each attempt's own busy handler
    /// waits only what is left, so the whole wait stays within the timeout.
    private func untilNotBusy(_ attempt: () -> Int32) -> Int32 {
        let deadline = MonotonicClock.seconds() + busyTimeout
        defer { sqlite3_busy_timeout(handle, Self.milliseconds(busyTimeout)) }
        var pause = 0.001
        while true {
            let rc = attempt()
            let left = deadline - MonotonicClock.seconds()
            guard rc & 0xFF == SQLITE_BUSY, left > 0 else { return rc }
            usleep(useconds_t(min(pause, left) * 1_000_000))
            pause = min(pause * 2, 0.05)
            sqlite3_busy_timeout(handle, Self.milliseconds(deadline - MonotonicClock.seconds()))
        }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw SQLiteConnection.error(rc, handle, path: path, doing: "prepare a statement") }
        return SQLiteStatement(statement, connection: self)
    }

    /// Runs SQL that returns no rows we need, once.
    func execute(_ sql: String, doing: String) throws { try execute(sql, doing: doing, retryingBusy: false) }

    /// Runs `body` in a transaction (see ``transaction(_:)``); SQLite's messages say which step failed.
    func transaction<T>(doing: String, _ body: () throws -> T) throws -> T { try transaction(body) }

    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        // IMMEDIATE takes the write lock first, waiting for it, so no statement inside has to
        // upgrade a read lock (which SQLite refuses at once when another writer is waiting).
        try execute("BEGIN IMMEDIATE", doing: "begin a transaction", retryingBusy: true)
        do {
            let result = try body()
            try execute("COMMIT", doing: "commit", retryingBusy: true)
            return result
        } catch {
            sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Rows of a query, each as text columns.
    func rows(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] { try query(sql, parameters, doing: "read").rows }

    /// Runs one statement with `?` parameters; SQLite's messages say "prepare a statement" or
    /// "write", as they always have.
    @discardableResult
    func query(_ sql: String, _ parameters: [String?], doing: String) throws -> SQLResult {
        let statement = try prepare(sql)
        for (index, value) in parameters.enumerated() { statement.bind(index + 1, text: value) }
        var rows: [[String?]] = []
        while try statement.step() {
            rows.append(
                (0..<sqlite3_column_count(statement.handle)).map { column in
                    sqlite3_column_text(statement.handle, column).map { String(cString: $0) }
                })
        }
        return SQLResult(rows: rows, affected: changes)
    }

    static func error(_ rc: Int32, _ db: OpaquePointer?, path: String, doing: String, busyTimeout: Double? = nil) -> ChatExportError {
        let detail = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
        switch rc & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            let waited = busyTimeout.map { " of " + ($0 < 1 ? "\(Int(($0 * 1000).rounded())) ms" : String(format: "%g s", $0)) } ?? ""
            return ChatExportError(
                .temporaryFailure,
                "SQLite database \(path) is locked by another connection (could not \(doing) within the busy timeout\(waited)); try again when it is free"
            )
        case SQLITE_FULL:
            return ChatExportError(.storageFailure, "SQLite database \(path): the disk is full (could not \(doing)); nothing was committed")
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN, SQLITE_AUTH:
            return ChatExportError(.storageFailure, "SQLite database \(path) cannot be written (could not \(doing)): \(detail)")
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return ChatExportError(.storageFailure, "\(path) is not a usable SQLite database (could not \(doing)): \(detail)")
        case SQLITE_IOERR:
            // The extended code says which system call failed (SQLITE_IOERR_FSYNC, _SHMOPEN, …).
            let code = db.map { sqlite3_extended_errcode($0) } ?? rc
            return ChatExportError(
                .storageFailure, "SQLite database \(path): I/O error (could not \(doing)): \(detail) (SQLite code \(code))")
        default:
            return ChatExportError(.storageFailure, "SQLite database \(path): could not \(doing): \(detail)")
        }
    }
}

/// A prepared statement of a ``SQLiteConnection`` (not `Sendable`: used on the connection's actor).
final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ index: Int, text: String?) {
        guard let text else {
            sqlite3_bind_null(handle, Int32(index))
            return
        }
        sqlite3_bind_text(handle, Int32(index), text, -1, csqlite_transient())
    }

    /// Binds bytes that stay valid until the statement is stepped and reset (no copy).
    func bind(_ index: Int, borrowed bytes: UnsafeRawBufferPointer) {
        sqlite3_bind_text(handle, Int32(index), bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
    }

    /// Steps once: true when a row is available, false when done.
    @discardableResult
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        defer { sqlite3_reset(handle) }
        guard rc == SQLITE_DONE else {
            throw SQLiteConnection.error(rc, connection.handle, path: connection.path, doing: "write", busyTimeout: connection.busyTimeout)
        }
        return false
    }
}
