/// A PostgreSQL URL that libpq cannot read.
package struct PostgresAddressError: Error, Sendable {
    /// What is wrong, without the URL.
    package var message: String
}
