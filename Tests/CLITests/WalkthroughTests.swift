import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

@Suite("README walk-throughs as scripts")
struct WalkthroughTests {
    /// The first ```sh block after `marker` in the README.
    static func readmeScript(after marker: String) throws -> String {
        let readme = try String(
            contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").path,
            encoding: .utf8)
        let section = try #require(readme.range(of: marker))
        let block = try #require(readme[section.upperBound...].range(of: "```sh\n"))
        let end = try #require(readme[block.upperBound...].range(of: "```"))
        return String(readme[block.upperBound..<end.lowerBound])
    }

    @Test(
        "the PostgreSQL walk-through runs as written on this machine: its own cluster, the sandbox, check, run, queries, state",
        .enabled(if: PostgresServer.unavailableReason == nil, TestPostgres.reason))
    func postgres() throws {
        let script = try Self.readmeScript(after: "**Walk-through: PostgreSQL on a fresh machine.**")
        let directory = TemporaryDirectory()
        let file = try directory.write("walk-through.sh", script)
        let (pgPort, sandboxPort) = (try LoopbackPort.unused(), try LoopbackPort.unused())
        // `chat-export` on the PATH, as the walk-through says; free ports so parallel runs never collide.
        let bin = CLIHarness.executable.deletingLastPathComponent().path
        let outcome = try CLIHarness.runProgram(
            "/bin/bash", [file],
            environment: [
                "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), "PGPORT": "\(pgPort)",
                "SANDBOX_PORT": "\(sandboxPort)",
            ], directory: directory.path)
        #expect(outcome.status == 0, "\(outcome.stdout)\n\(outcome.stderr)")
        #expect(outcome.stdout.contains("postgres:chat_export@127.0.0.1:\(pgPort)/chat/public#ada_v2_: server reachable as chat_export"))
        #expect(outcome.stdout.contains(" platform "), "\(outcome.stdout)")
        #expect(outcome.stdout.contains(" language "), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("rows stored in postgres:chat_export@127.0.0.1:\(pgPort)/chat/public#ada_v2_"), "\(outcome.stdout)")
        #expect(outcome.stderr.contains("job finished: "), "\(outcome.stderr)")
        // It cleaned up after itself: nothing listens on the cluster's port any more.
        #expect(LoopbackPort.connect(port: pgPort).map { close($0) } == nil)
    }
}
