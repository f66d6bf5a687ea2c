internal import CPostgres
import ConnectorKit
import Foundation

/// Where a PostgreSQL sink connects, as libpq reads its URL, without the password: for messages,
/// identities and the lock's name.
package struct PostgresAddress: Sendable, Hashable, CustomStringConvertible {
    /// The URL as configured (may hold a password): handed to libpq only, never shown.
    package let url: String
    /// The user name (libpq's default when the URL has none: `$PGUSER`, else the login name).
    package let user: String
    /// `host:port`, or the socket directory for a local connection.
    package let server: String
    /// The database name.
    package let database: String
    /// The password given in the URL, if any (to scrub it from server messages).
    let password: String?

    /// Parses a `postgresql://` or `postgres://` URL with libpq.
    ///
    /// - Parameter url: The URL.
    /// - Throws: A message saying what is wrong (never the URL itself).
    package init(url: String) throws(PostgresAddressError) {
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
            throw PostgresAddressError(message: "expected a postgresql:// URL (postgresql://user@host:5432/database)")
        }
        var problem: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &problem) else {
            let detail = problem.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "unreadable"
            PQfreemem(problem)
            throw PostgresAddressError(message: "not a valid PostgreSQL URL: \(detail)")
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var index = 0
        while let keyword = options[index].keyword {
            if let value = options[index].val { values[String(cString: keyword)] = String(cString: value) }
            index += 1
        }
        let environment = ProcessInfo.processInfo.environment
        self.url = url
        self.password = values["password"]
        self.user = values["user"] ?? environment["PGUSER"] ?? (getlogin().map { String(cString: $0) } ?? "")
        let host = values["host"] ?? values["hostaddr"] ?? environment["PGHOST"] ?? "localhost"
        self.server = host.hasPrefix("/") ? host : host + ":" + (values["port"] ?? environment["PGPORT"] ?? "5432")
        self.database = values["dbname"] ?? environment["PGDATABASE"] ?? user
    }

    /// `postgresql://user@host:port/database`, never the password.
    package var description: String { "postgresql://\(user)@\(server)/\(database)" }

    /// `text` with the URL's password, if any, replaced (server messages never hold it; belt and braces).
    package func scrub(_ text: String) -> String {
        guard let password, !password.isEmpty else { return text }
        return Secret.mask(text, [password])
    }
}
