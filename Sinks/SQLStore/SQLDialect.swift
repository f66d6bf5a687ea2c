package import ConnectorKit
import Foundation

/// What tells one SQL engine from another for ``SQLStore``: names, types, placeholders, the JSON
/// expressions of the views, and the few catalogue look-ups the store makes. The store writes the
/// tables, views, checkpoints and forgetting once over it; a new SQL sink costs its dialect, its
/// connection and its load path.
///
/// Implementation requirements: expressions of the views never fail on a value of an unexpected
/// type. A number column reads NULL for anything but a JSON number it can hold, a boolean column
/// for anything but `true`/`false`, a time column for anything but an ISO-8601 date or time that
/// names a real instant, or epoch seconds or milliseconds within the engine's range.
package protocol SQLDialect: Sendable {
    /// The engine's connection.
    associatedtype Connection: SQLConnection

    /// The engine's column types.
    var types: SQLTypes { get }
    /// What holds the tables, for advice in messages: `database` or `schema`.
    var container: String { get }

    /// The placeholder of the `index`th parameter of a statement, from 1 (`?`, `$1`).
    func placeholder(_ index: Int) -> String
    /// A table or view name as the SQL names it: quoted, qualified where the engine needs it.
    func qualified(_ name: String) -> String
    /// A table or view name for messages (`messages`, `public.messages`).
    func displayName(_ name: String) -> String
    /// An expression for the current time as `timestampType`.
    func currentTimestamp() -> String
    /// A text constant of the model views (`'acme_'`, `'acme_'::text`), typed so unions agree.
    func textConstant(_ text: String) -> String

    /// The typed expression of a stream view's column for `field`, read from `data`.
    func fieldExpression(_ field: FieldDescriptor) -> String
    /// The expression of a model view's column of `type` for a mapped `value`.
    func canonicalExpression(_ value: CanonicalMapping.Value, type: CanonicalMapping.ColumnType) -> String
    /// A model view's SELECT while no table is mapped onto it: no rows, its columns typed.
    func emptyCanonicalSelect(_ kind: CanonicalMapping.Kind) -> String
    /// A condition true when the table named by `column` (unqualified) exists.
    func existingTableCondition(_ column: String) -> String
    /// The text of the JSON value at `path` in `data` (a string's characters, else its JSON).
    func jsonText(_ path: [String]) -> String
    /// Conditions matching `expression` against `values`, each with its parameters (one
    /// statement each, so a long list may be split).
    func membership(_ expression: String, _ values: [String]) -> [(condition: String, parameters: [String?])]

    /// Whether the table `name` (unqualified) exists.
    func tableExists(_ name: String, on db: Connection) throws -> Bool
    /// The column names of the table `name` (unqualified); empty when there is no such table.
    func columns(of name: String, on db: Connection) throws -> [String]
    /// Makes the view `name` (unqualified) select `select`, leaving an unchanged view alone.
    func replaceView(_ name: String, with select: String, on db: Connection) throws
    /// Runs `body` in a transaction that changes the shared objects (tables, views) one job at a
    /// time, each seeing what the one before committed.
    func changeSchema(on db: Connection, doing: String, _ body: () throws -> Void) throws
}

extension SQLDialect {
    /// `identifier` as a quoted SQL identifier (`"a""b"`).
    package static func quote(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// `text` as a SQL string literal (`'it''s'`).
    package static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The placeholders of parameters `1...count`, comma-separated.
    package func placeholders(_ count: Int, from first: Int = 1) -> String {
        (first..<first + count).map(placeholder).joined(separator: ", ")
    }
}

extension SQLDialect {
    /// The type of text columns.
    package var textType: String { types.text }
    /// The type of time columns.
    package var timestampType: String { types.timestamp }
    /// The type of the fence's id column.
    package var integerType: String { types.integer }
    /// The type of the fence number.
    package var bigintType: String { types.bigint }
    /// The type of a stream table's `data` column.
    package var dataType: String { types.data }
}

/// The column types of a dialect's tables.
package struct SQLTypes: Sendable {
    /// Text (`TEXT`, `text`).
    package var text: String
    /// A point in time (ISO-8601 `TEXT`, `timestamptz`).
    package var timestamp: String
    /// The fence's id column.
    package var integer: String
    /// The fence number.
    package var bigint: String
    /// A stream table's `data` column: the record's JSON, byte for byte.
    package var data: String

    /// Creates the type names.
    ///
    /// - Parameters:
    ///   - text: Text.
    ///   - timestamp: A point in time.
    ///   - integer: A 32-bit integer.
    ///   - bigint: A 64-bit integer.
    ///   - data: The record's JSON.
    package init(text: String, timestamp: String, integer: String, bigint: String, data: String) {
        self.text = text
        self.timestamp = timestamp
        self.integer = integer
        self.bigint = bigint
        self.data = data
    }
}
