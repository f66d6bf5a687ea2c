internal import CPostgres
import ConnectorRuntime
import Foundation

/// One libpq connection, used from one actor (or one test). Every failure becomes a
/// ``ChatExportError`` that says what the statement was for, the server as `user@host:port/db`,
/// and the cause, never the password.
package final class PostgresConnection {
    /// Where it is connected.
    package let address: PostgresAddress
    private var handle: OpaquePointer?

    /// Connects, with a connect timeout, TCP keepalives and a bound on unacknowledged writes, so a
    /// server that vanishes is noticed instead of waited on forever.
    ///
    /// - Parameters:
    ///   - address: The server.
    ///   - connectTimeout: Seconds to wait for the connection.
    /// - Throws: ``ChatExportError``: 77 for rejected credentials, 78 for a missing database,
    ///   75 for an unreachable server.
    package init(_ address: PostgresAddress, connectTimeout: Int = 10) throws {
        self.address = address
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
        let connection = (keywords.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { keys in
            (values.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { vals in
                PQconnectdbParams(keys.baseAddress, vals.baseAddress, 1)
            }
        }
        handle = connection
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let detail = connection.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            let error = Self.connectError(address, detail: address.scrub(Self.oneLine(detail)))
            PQfinish(connection)
            handle = nil
            throw error
        }
        try execute("SET TIME ZONE 'UTC'", doing: "set the session's time zone")
    }

    deinit { close() }

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
    package func query(_ sql: String, _ parameters: [String?] = [], doing: String) throws -> (rows: [[String?]], affected: Int) {
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
        return (rows, affected)
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
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
        let message = address.scrub(Self.oneLine(String(cString: PQresultErrorMessage(result))))
        if !isOpen || state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) {
            throw ChatExportError(
                .temporaryFailure,
                "PostgreSQL \(address): the connection was lost while trying to \(doing) (\(message.isEmpty ? "server closed the connection" : message)); "
                    + "nothing uncommitted was kept: re-run to resume")
        }
        throw Self.statementError(state: state, message: message, address: address, doing: doing)
    }

    private func connectionLost(doing: String) -> ChatExportError {
        let detail = handle.map { address.scrub(Self.oneLine(String(cString: PQerrorMessage($0)))) } ?? ""
        return ChatExportError(
            .temporaryFailure,
            "PostgreSQL \(address): the connection was lost while trying to \(doing)\(detail.isEmpty ? "" : " (\(detail))"); re-run to resume"
        )
    }

    /// The error for a failed statement, by SQLSTATE.
    static func statementError(state: String, message: String, address: PostgresAddress, doing: String) -> ChatExportError {
        let text = "PostgreSQL \(address): could not \(doing): \(message)"
        switch state {
        case "42501", "3F000", "3D000", "42P06":
            // Permissions, a missing schema or database: the config (or the grants) must change.
            return ChatExportError(.invalidConfig, text + " (as user \(address.user))")
        case "40001", "40P01", "55P03", "53300":
            return ChatExportError(.temporaryFailure, text + "; re-run to resume")
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
