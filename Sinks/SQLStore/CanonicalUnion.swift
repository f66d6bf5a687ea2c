/// How the SQL sinks put the conversation-model views together from every mapped table in a
/// database: one implementation for SQLite and PostgreSQL, which differ only in quoting.
package enum CanonicalUnion {
    /// One mapped table, as the sinks record it in `chat_export_model`.
    package struct Entry: Sendable, Hashable {
        /// The table as the view's SQL names it (quoted, schema-qualified where the dialect wants).
        package var table: String
        /// Its SELECT onto the view's columns (ending in `FROM <table>`).
        package var select: String
        /// The vendor instance its job reads (`acme.ada.support`, `api.converseapps.com bot x`);
        /// empty when unknown.
        package var instance: String
        /// The vendor (`ada`).
        package var vendor: String

        package init(table: String, select: String, instance: String, vendor: String) {
            self.table = table
            self.select = select
            self.instance = instance
            self.vendor = vendor
        }
    }

    /// The view's SELECT: every entry's rows, in the order given (table names), except a record
    /// an earlier table of the same vendor and instance already holds (the same `_id`): two jobs
    /// exporting one bot (Ada v2 and v1.4) count each record once, from the first table by name.
    ///
    /// - Parameters:
    ///   - entries: The mapped tables, in table-name order.
    ///   - empty: The view's SELECT when no table is mapped yet (no rows, typed columns).
    /// - Returns: The SELECT.
    package static func select(_ entries: [Entry], empty: String) -> String {
        guard !entries.isEmpty else { return empty }
        return entries.enumerated().map { index, entry in
            let earlier = entries[..<index].filter { !entry.instance.isEmpty && $0.instance == entry.instance && $0.vendor == entry.vendor }
            guard !earlier.isEmpty else { return entry.select }
            let absent = earlier.map { "NOT EXISTS (SELECT 1 FROM \($0.table) AS copy WHERE copy.\"_id\" = \(entry.table).\"_id\")" }
            return entry.select + " WHERE " + absent.joined(separator: " AND ")
        }.joined(separator: " UNION ALL ")
    }
}
