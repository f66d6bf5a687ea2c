import ConnectorTesting
import Foundation
import Testing

@Suite("the test PostgreSQL helper", .enabled(if: PostgresServer.unavailableReason == nil, TestPostgres.reason))
struct PostgresServerTests {
    /// A checkout in a home directory is mode 700: as root the helper runs the server tools as
    /// the `postgres` user, who cannot enter it. The working directory is the process's, so this
    /// test changes it for a moment; nothing else in the suite depends on it.
    @Test("started and queried from a mode-700 working directory: the server starts and psql returns only the rows")
    func privateWorkingDirectory() throws {
        let directory = TemporaryDirectory()
        let hidden = directory.path + "/private"
        #expect(mkdir(hidden, 0o700) == 0)
        let previous = FileManager.default.currentDirectoryPath
        #expect(chdir(hidden) == 0)
        defer { chdir(previous) }
        let server = try PostgresServer()
        defer { server.stop() }
        #expect(try server.psql("SELECT 40 + 2") == "42\n")
        #expect(try server.psql("SELECT datname FROM pg_database WHERE datname = 'template1'") == "template1\n")
    }
}
