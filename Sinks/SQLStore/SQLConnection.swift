import ConnectorKit

/// One connection to a SQL database, owned by one actor: what ``SQLStore`` needs of an engine's
/// client.
///
/// Implementation requirements: every failure is a ``ChatExportError`` that says what the
/// statement was for (`doing`) and where, never a secret; parameters are bound, never spliced.
package protocol SQLConnection: AnyObject {
    /// Runs SQL that returns no rows (several statements allowed).
    ///
    /// - Parameters:
    ///   - sql: The statements.
    ///   - doing: What it is for, for messages ("create table messages").
    /// - Throws: ``ChatExportError``.
    func execute(_ sql: String, doing: String) throws

    /// Runs one statement with text parameters (the dialect's placeholders, nil for NULL).
    ///
    /// - Parameters:
    ///   - sql: The statement.
    ///   - parameters: The values.
    ///   - doing: What it is for, for messages.
    /// - Returns: The rows as text (nil for NULL) and the number of rows changed.
    /// - Throws: ``ChatExportError``.
    @discardableResult
    func query(_ sql: String, _ parameters: [String?], doing: String) throws -> SQLResult

    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws.
    ///
    /// - Parameters:
    ///   - doing: What it is for, for messages.
    ///   - body: The statements.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, or ``ChatExportError`` when the transaction fails.
    func transaction<T>(doing: String, _ body: () throws -> T) throws -> T
}

/// The rows of a statement, as text, and how many rows it changed.
package struct SQLResult: Sendable {
    /// Each row's columns, nil for NULL.
    package var rows: [[String?]]
    /// Rows inserted, updated or deleted.
    package var affected: Int

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - rows: The rows.
    ///   - affected: The rows changed.
    package init(rows: [[String?]], affected: Int) {
        self.rows = rows
        self.affected = affected
    }

    /// The first column of the first row, if not NULL.
    package var value: String? { rows.first?.first ?? nil }
}
