internal import CPostgres
package import ConnectorKit
import Foundation
package import SQLStore

/// One libpq connection, used from one actor (or one test). Every failure becomes a
/// ``ChatExportError`` that says what the statement was for, the server as `user@host:port/db`,
/// and the cause, never the password.
package final class PostgresConnection: SQLConnection {
    /// A notice or warning the server sent (`NOTICE:  relation … already exists, skipping`).
    package struct Notice: Sendable {
        /// `NOTICE`, `WARNING`, `INFO`, `LOG` or `DEBUG`.
        package var severity: String
        /// The message, on one line.
        package var message: String
    }

    /// Where it is connected.
    package let address: PostgresAddress
    private var handle: OpaquePointer?
    /// Receives the server's notices; kept alive as long as the connection.
    private let notices: NoticeReceiver
    /// The SQLSTATE of the last statement that failed (`40P01`), to decide whether to try again.
    package private(set) var lastFailedState: String?

    /// A connect timeout as libpq's `connect_timeout` takes it: whole seconds, rounded up, at
    /// least one (zero would mean waiting forever).
    ///
    /// - Parameter timeout: The timeout.
    /// - Returns: Its seconds.
    package static func wholeSeconds(_ timeout: Duration) -> Int { max(1, Int(Int64(saturating: timeout.inSeconds.rounded(.up)))) }

    /// Connects, with a connect timeout, TCP keepalives and a bound on unacknowledged writes, so a
    /// server that vanishes is noticed instead of waited on forever.
    ///
    /// The server's notices go to `notices` (libpq would print them raw on stderr, breaking a
    /// log in JSON); by default they are dropped.
    ///
    /// - Parameters:
    ///   - address: The server.
    ///   - connectTimeout: Seconds to wait for the connection.
    ///   - notices: Where the server's notices go.
    /// - Throws: ``ChatExportError``: 77 for rejected credentials, 78 for a missing database,
    ///   75 for an unreachable server.
    package init(_ address: PostgresAddress, connectTimeout: Int = 10, notices: @escaping @Sendable (Notice) -> Void = { _ in }) throws {
        self.address = address
        self.notices = NoticeReceiver(address: address, deliver: notices)
        // Defaults first: the URL (expanded from dbname) overrides any of them it sets.
        let pairs: [(String, String)] = [
            ("connect_timeout", String(connectTimeout)), ("application_name", "chat-export"), ("keepalives", "1"),
            ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"), ("tcp_user_timeout", "60000"),
            ("dbname", address.url),
        ]
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            for pointer in keywords + values { free(pointer) }
        }
        // Started, given the notice receiver, then completed: the server may send notices while
        // the session starts (its `options`), which libpq would otherwise print on stderr.
        let connection = (keywords.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { keys in
            (values.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { vals in
                PQconnectStartParams(keys.baseAddress, vals.baseAddress, 1)
            }
        }
        handle = connection
        var timedOut = false
        if let connection {
            PQsetNoticeReceiver(
                connection,
                { context, result in
                    guard let context, let result else { return }
                    Unmanaged<NoticeReceiver>.fromOpaque(context).takeUnretainedValue().receive(result)
                }, Unmanaged.passUnretained(self.notices).toOpaque())
            timedOut = !Self.complete(connection, within: Double(connectTimeout))
        }
        guard let connection, !timedOut, PQstatus(connection) == CONNECTION_OK else {
            let said = connection.map { Self.oneLine(String(cString: PQerrorMessage($0))) } ?? "out of memory"
            let detail = timedOut ? "no session within connect_timeout (\(connectTimeout) s)" : said
            let error = Self.connectError(address, detail: address.scrub(detail))
            PQfinish(connection)
            handle = nil
            throw error
        }
        try execute("SET TIME ZONE 'UTC'", doing: "set the session's time zone")
    }

    /// Drives a connection `PQconnectStartParams` began until it is made or has failed, waiting
    /// on its socket as `PQconnectPoll` asks, for at most `seconds` in all (libpq leaves the
    /// timeout of this interface to its caller).
    ///
    /// - Returns: false when the time ran out first.
    private static func complete(_ connection: OpaquePointer, within seconds: Double) -> Bool {
        let deadline = MonotonicClock.seconds() + seconds
        // Before the first PQconnectPoll, wait as if it had asked to write.
        var state = PGRES_POLLING_WRITING
        while PQstatus(connection) != CONNECTION_BAD, state != PGRES_POLLING_OK, state != PGRES_POLLING_FAILED {
            let left = deadline - MonotonicClock.seconds()
            if left <= 0 { return false }
            var descriptor = pollfd(
                fd: PQsocket(connection), events: Int16(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(left, 1) * 1000) + 1)
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }
            state = PQconnectPoll(connection)
        }
        return true
    }

    deinit { close() }

    /// Notices into `logger`, naming the server: debug level, warnings at warning level.
    ///
    /// - Parameters:
    ///   - logger: The logger.
    ///   - address: The server.
    /// - Returns: A handler for ``init(_:connectTimeout:notices:)``.
    package static func logging(to logger: ExportLogger, address: PostgresAddress) -> @Sendable (Notice) -> Void {
        { notice in
            logger.log(
                notice.severity == "WARNING" ? .warning : .debug,
                "PostgreSQL \(address): \(notice.severity.lowercased()): \(notice.message)",
                ["postgres_severity": .string(notice.severity)])
        }
    }

    /// Closes the connection.
    package func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// Runs SQL without parameters (several statements allowed).
    ///
    /// - Parameters:
    ///   - sql: The statements.
    ///   - doing: What it is for, for messages ("create table messages").
    /// - Throws: ``ChatExportError``.
    package func execute(_ sql: String, doing: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, doing: doing)
    }

    /// Runs one statement with text parameters and returns its rows as text (nil for NULL) and
    /// the number of rows it affected.
    ///
    /// - Parameters:
    ///   - sql: The statement, parameters as `$1`, `$2`, ….
    ///   - parameters: The values (nil for NULL).
    ///   - doing: What it is for, for messages.
    /// - Returns: The rows and the affected-row count.
    /// - Throws: ``ChatExportError``.
    @discardableResult
    package func query(_ sql: String, _ parameters: [String?] = [], doing: String) throws -> SQLResult {
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        let result = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result, doing: doing)
        var rows: [[String?]] = []
        let count = PQntuples(result)
        let columns = PQnfields(result)
        rows.reserveCapacity(Int(count))
        for row in 0..<count {
            rows.append(
                (0..<columns).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                })
        }
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return SQLResult(rows: rows, affected: affected)
    }

    /// Runs `body` between `BEGIN` and `COMMIT`, rolling back (while the connection lives) when
    /// it throws.
    ///
    /// - Parameters:
    ///   - doing: What it is for, for messages.
    ///   - body: The statements.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, or ``ChatExportError``.
    package func transaction<T>(doing: String, _ body: () throws -> T) throws -> T {
        try execute("BEGIN", doing: doing)
        do {
            let result = try body()
            try execute("COMMIT", doing: doing)
            return result
        } catch {
            if isOpen { try? execute("ROLLBACK", doing: "roll back") }
            throw error
        }
    }

    /// `COPY … FROM STDIN` with `data` (text format, already escaped) as the rows.
    ///
    /// - Parameters:
    ///   - sql: The `COPY` statement.
    ///   - data: The rows.
    ///   - doing: What it is for, for messages.
    /// - Throws: ``ChatExportError``.
    package func copy(_ sql: String, _ data: [UInt8], doing: String) throws {
        let started = PQexec(handle, sql)
        let status = PQresultStatus(started)
        if status != PGRES_COPY_IN {
            defer { PQclear(started) }
            try check(started, doing: doing)
            throw ChatExportError(.storageFailure, "PostgreSQL \(address): could not \(doing): the server did not start the copy")
        }
        PQclear(started)
        var offset = 0
        let chunk = 1 << 20
        var sent = true
        data.withUnsafeBufferPointer { buffer in
            while offset < buffer.count, sent {
                let size = min(chunk, buffer.count - offset)
                let base = UnsafeRawPointer(buffer.baseAddress! + offset).assumingMemoryBound(to: CChar.self)
                sent = PQputCopyData(handle, base, Int32(size)) == 1
                offset += size
            }
        }
        if PQputCopyEnd(handle, sent ? nil : "client failed to send") != 1 { sent = false }
        // Drain every result of the copy; the last error wins.
        var failure: (any Error)?
        while let result = PQgetResult(handle) {
            do { try check(result, doing: doing) } catch { failure = error }
            PQclear(result)
        }
        if let failure { throw failure }
        if !sent { throw connectionLost(doing: doing) }
    }

    /// Whether the connection is still usable.
    package var isOpen: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    private func check(_ result: OpaquePointer?, doing: String) throws {
        guard let result else { throw connectionLost(doing: doing) }
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN || status == PGRES_EMPTY_QUERY { return }
        let state = Self.field(result, "C") ?? ""
        lastFailedState = state
        let message = address.scrub(Self.oneLine(String(cString: PQresultErrorMessage(result))))
        if !isOpen || state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) {
            throw ChatExportError(
                .temporaryFailure,
                "PostgreSQL \(address): the connection was lost while trying to \(doing) (\(message.isEmpty ? "server closed the connection" : message)); "
                    + "nothing uncommitted was kept: re-run to resume")
        }
        throw Self.statementError(
            state: state, message: message, address: address, doing: doing, inCatalog: Self.field(result, "s") == "pg_catalog")
    }

    /// A field of a result's error or notice (`C` the SQLSTATE, `s` the schema of the object it concerns).
    static func field(_ result: OpaquePointer, _ code: Unicode.Scalar) -> String? {
        PQresultErrorField(result, Int32(code.value)).map { String(cString: $0) }
    }

    private func connectionLost(doing: String) -> ChatExportError {
        let detail = handle.map { address.scrub(Self.oneLine(String(cString: PQerrorMessage($0)))) } ?? ""
        return ChatExportError(
            .temporaryFailure,
            "PostgreSQL \(address): the connection was lost while trying to \(doing)\(detail.isEmpty ? "" : " (\(detail))"); re-run to resume"
        )
    }

    /// The error for a failed statement, by SQLSTATE: temporary (75) when trying again can
    /// succeed, a config error (78) when the grants or the config must change, else a storage
    /// failure (1).
    ///
    /// - Parameter inCatalog: Whether the failure concerns a system catalog: a unique violation
    ///   there is two sessions creating the same object at once (`pg_type_typname_nsp_index`).
    static func statementError(state: String, message: String, address: PostgresAddress, doing: String, inCatalog: Bool = false)
        -> ChatExportError
    {
        let text = "PostgreSQL \(address): could not \(doing): \(message)"
        switch state {
        case "42501", "3F000", "3D000":
            // Permissions, a missing schema or database: the config (or the grants) must change.
            return ChatExportError(.invalidConfig, text + " (as user \(address.user))")
        case "40001", "40P01", "55P03", "53300", "57014":
            // A serialization failure, a deadlock, a lock not granted in time, no free connection,
            // a statement cancelled (its statement_timeout, as a fleet worker's session that stalled).
            return ChatExportError(.temporaryFailure, text + "; re-run to resume")
        case "23505" where inCatalog, "42P06", "42P07", "42710":
            // An object another session created at the same moment (schema, table, view, type).
            return ChatExportError(.temporaryFailure, text + " (another session was creating it at the same moment); re-run to resume")
        case "53100":
            return ChatExportError(
                .storageFailure, "PostgreSQL \(address): the server's disk is full (could not \(doing)); nothing was committed")
        default:
            return ChatExportError(.storageFailure, text)
        }
    }

    /// The error for a connection that could not be made, from libpq's message.
    static func connectError(_ address: PostgresAddress, detail: String) -> ChatExportError {
        let lower = detail.lowercased()
        if lower.contains("password authentication failed") || lower.contains("no password supplied")
            || lower.contains("authentication failed") || lower.contains("role \"") && lower.contains("does not exist")
        {
            return ChatExportError(
                .credentialsRejected,
                "PostgreSQL at \(address.server) rejected user \(address.user): \(detail) "
                    + "(give the password with ${VAR} in the URL, PGPASSWORD or ~/.pgpass)")
        }
        if lower.contains("database \"") && lower.contains("does not exist") {
            return ChatExportError(.invalidConfig, "PostgreSQL at \(address.server): \(detail)")
        }
        return ChatExportError(.temporaryFailure, "PostgreSQL at \(address.server) is unreachable: \(detail); re-run when it is up")
    }

    /// libpq's messages end in newlines and may span lines: one line for the person.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}

/// Hands the server's notices of one connection to its owner: libpq calls ``receive(_:)`` on the
/// thread running the statement, during that call.
private final class NoticeReceiver {
    let address: PostgresAddress
    let deliver: @Sendable (PostgresConnection.Notice) -> Void

    init(address: PostgresAddress, deliver: @escaping @Sendable (PostgresConnection.Notice) -> Void) {
        self.address = address
        self.deliver = deliver
    }

    func receive(_ result: OpaquePointer) {
        let severity = PostgresConnection.field(result, "V") ?? PostgresConnection.field(result, "S") ?? "NOTICE"
        let message = PostgresConnection.field(result, "M") ?? String(cString: PQresultErrorMessage(result))
        deliver(PostgresConnection.Notice(severity: severity, message: address.scrub(PostgresConnection.oneLine(message))))
    }
}
