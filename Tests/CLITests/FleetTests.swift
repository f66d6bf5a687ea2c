import ChatExportService
import ConnectorKit
import ConnectorRuntime
import ConnectorTesting
import Foundation
import PostgresFleet
import PostgresSink
import SyntheticConnector
import Testing
import VendorSandbox

/// Leases in these tests expire only when a test expires them (an UPDATE of `expires_at`), never
/// because a loaded machine ran a step slowly.
private let leaseTime = Duration.seconds(3600)

/// `psql`'s answer without its trailing newline.
@discardableResult
private func sql(_ server: PostgresServer, _ statement: String, database: String) throws -> String {
    try server.psql(statement, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite(
    "serve --coordination: a fleet sharing jobs through a real PostgreSQL",
    .enabled(if: PostgresServer.unavailableReason == nil, TestPostgres.reason))
struct FleetTests {
    @Test("a lease is exclusive and taken over only once expired, with a higher fence; a run under a lost lease commits nothing")
    func leases() async throws {
        let (server, database, _) = try TestPostgres.database()
        let url = server.url(database: database)
        let coordinator = try PostgresCoordinator(url: url)
        defer { Task { await coordinator.close() } }
        let start = try await coordinator.register([FleetJob(name: "notes", unit: "acme", every: .seconds(3600))])
        #expect(try await coordinator.status(of: ["notes"], since: nil).due == ["notes"], "a new job is due at once")
        let first = try #require(try await coordinator.claim("acme", worker: "w1", timeToLive: leaseTime))
        #expect(try await coordinator.claim("acme", worker: "w2", timeToLive: leaseTime) == nil, "held and unexpired")
        #expect(try await coordinator.renew(first))
        let source = SyntheticSource(settings: .init(records: 300, pageSize: 50))

        // w1 is paused past its lease: the lease expires before its run's first commit.
        let sink = try PostgresSink(settings: .init(url: url, schema: "notes"))
        let store = try await sink.checkpointStore(under: first)
        try sql(server, "UPDATE chat_export_fleet_leases SET expires_at = clock_timestamp() - interval '1 second'", database: database)
        #expect(try await coordinator.renew(first) == false)
        let refused = await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: source, sinks: [sink], checkpoints: store, logger: .disabled).run()
        }
        #expect(refused?.code == .checkpointLocked)
        #expect(refused?.message.contains("worker w1 no longer holds the lease on acme (fence 1)") == true, "\(refused?.message ?? "")")
        #expect(try sql(server, "SELECT count(*) FROM notes.messages", database: database) == "0")
        #expect(try sql(server, "SELECT count(*) FROM notes._chat_export_state", database: database) == "0")
        // Its end is not recorded under the lost lease.
        try await coordinator.finished("notes", under: first, outcome: .succeeded, duration: .seconds(1))
        #expect(try await coordinator.status(of: ["notes"], since: start).succeeded.isEmpty)

        // w2 takes it over with fence 2 and exports everything; w1's store stays refused.
        let second = try #require(try await coordinator.claim("acme", worker: "w2", timeToLive: leaseTime))
        #expect(second.fence == 2)
        let taker = try PostgresSink(settings: .init(url: url, schema: "notes"))
        let takerStore = try await taker.checkpointStore(under: second)
        let summary = try await JobRunner(source: source, sinks: [taker], checkpoints: takerStore, logger: .disabled).run()
        #expect(summary.streams["messages"]?.records == 300)
        await #expect(throws: ChatExportError.self) {
            try await store.save(StreamState(checkpoint: Checkpoint(.string("x"))), for: "messages")
        }
        await store.close()
        await takerStore.close()
        #expect(try sql(server, "SELECT count(*) FROM notes.messages", database: database) == "300")
        try await coordinator.finished("notes", under: second, outcome: .succeeded, duration: .seconds(1))
        let status = try await coordinator.status(of: ["notes"], since: start)
        #expect(status.succeeded == ["notes"])
        let lastSuccess = try #require(status.lastSuccess["notes"])
        #expect(lastSuccess >= start && lastSuccess < start + 600, "by the coordination database's clock")
        #expect(status.due.isEmpty, "not due again until its schedule")
        await coordinator.release(second)
        #expect(try await coordinator.claim("acme", worker: "w3", timeToLive: leaseTime)?.fence == 3, "released: free at once")
    }

    @Test("a sink in another database than the coordination asks the coordinator inside its commit")
    func leaseAcrossDatabases() async throws {
        let (server, coordination, _) = try TestPostgres.database()
        let (_, other, _) = try TestPostgres.database()
        let coordinator = try PostgresCoordinator(url: server.url(database: coordination))
        defer { Task { await coordinator.close() } }
        _ = try await coordinator.register([FleetJob(name: "notes", unit: "acme", every: .seconds(3600))])
        let lease = try #require(try await coordinator.claim("acme", worker: "w1", timeToLive: leaseTime))
        let source = SyntheticSource(settings: .init(records: 100, pageSize: 50))
        let sink = try PostgresSink(settings: .init(url: server.url(database: other)))
        let store = try await sink.checkpointStore(under: lease)
        _ = try await JobRunner(source: source, sinks: [sink], checkpoints: store, logger: .disabled).run()
        await store.close()
        #expect(try sql(server, "SELECT count(*) FROM messages", database: other) == "100")
        try sql(server, "UPDATE chat_export_fleet_leases SET expires_at = clock_timestamp() - interval '1 second'", database: coordination)
        let again = try PostgresSink(settings: .init(url: server.url(database: other), tablePrefix: "again_"))
        await #expect(throws: ChatExportError.self) { _ = try await again.checkpointStore(under: lease) }
        let fresh = try PostgresSink(settings: .init(url: server.url(database: other), tablePrefix: "late_"))
        let renewed = try #require(try await coordinator.claim("acme", worker: "w1", timeToLive: leaseTime))
        let lateStore = try await fresh.checkpointStore(under: renewed)
        try sql(server, "UPDATE chat_export_fleet_leases SET expires_at = clock_timestamp() - interval '1 second'", database: coordination)
        let refused = await #expect(throws: ChatExportError.self) {
            try await JobRunner(source: source, sinks: [fresh], checkpoints: lateStore, logger: .disabled).run()
        }
        await lateStore.close()
        #expect(refused?.message.contains("no longer holds the lease") == true, "\(refused?.message ?? "")")
        #expect(try sql(server, "SELECT count(*) FROM late_messages", database: other) == "0")
    }

    @Test("usage: a job whose checkpoint other machines cannot see is refused (78); --worker-id needs --coordination (64)")
    func usage() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 5}, "sinks": [{"type": "sqlite", "path": "out.db"}]}"#)
        let (server, database, _) = try TestPostgres.database()
        let refused = try CLIHarness.run(
            ["serve", file, "--coordination", server.url(database: database), "--once"], environment: TestPostgres.environment(server))
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("cannot be shared by the fleet"), "\(refused.stderr)")
        #expect(refused.stderr.contains("give the job a postgres sink"), "\(refused.stderr)")
        let lonely = try CLIHarness.run(["serve", file, "--worker-id", "w1", "--once"])
        #expect(lonely.status == 64, "\(lonely.stderr)")
        #expect(lonely.stderr.contains("--worker-id needs --coordination"), "\(lonely.stderr)")
        let badTTL = try CLIHarness.run(["serve", file, "--coordination", server.url(database: database), "--lease-ttl", "0s"])
        #expect(badTTL.status == 64, "\(badTTL.stderr)")
    }

    @Test("a fleet job whose credentials are rejected: --once exits 1 and the log says it is not tried again, not that the fleet retries")
    func needsAPerson() throws {
        let sandbox = try TestPostgres.sandbox(conversations: 10)
        defer { sandbox.stop() }
        let (server, database, url) = try TestPostgres.database()
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "rejected.json",
            TestPostgres.adaJob(sandbox, url: url, perSecond: 40).replacingOccurrences(of: sandbox.settings.adaToken, with: "wrong-token"))
        let outcome = try CLIHarness.run(
            ["serve", file, "--coordination", server.url(database: database), "--worker-id", "w1", "--lease-ttl", "3s", "--once"],
            environment: TestPostgres.environment(server))
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("needs a person: not tried again by this --once worker"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("the fleet tries again in"), "\(outcome.stderr)")
    }

    /// Three `serve --once` workers, three vendor instances: the worker running the first
    /// instance is killed with SIGKILL, the one running the second is paused with SIGSTOP until
    /// the third has taken both over and finished them, then resumed.
    @Test(
        "three workers: one SIGKILLed, one SIGSTOPped past its lease; the survivor takes over, every table is exact, the paused one commits nothing"
    )
    func fleet() throws {
        let (server, database, url) = try TestPostgres.database()
        let (_, otherDatabase, otherURL) = try TestPostgres.database()
        let sandboxes = try (0..<3).map { _ in try TestPostgres.sandbox(conversations: 150) { $0.latency = 0.005 } }
        defer { for sandbox in sandboxes { sandbox.stop() } }
        let directory = TemporaryDirectory()
        // j1 and j2 keep their checkpoints in the coordination database, j3 in another one.
        for (index, sandbox) in sandboxes.enumerated() {
            _ = try directory.write(
                "jobs/j\(index + 1).json",
                TestPostgres.adaJob(
                    sandbox, url: index == 2 ? otherURL : url, perSecond: 40, sinkExtra: #", "schema": "j\#(index + 1)""#))
        }
        // An audit of every checkpoint j2 stores: which worker's session stored it, and when.
        try server.psql(
            """
            CREATE SCHEMA j2;
            CREATE TABLE j2._chat_export_state (stream text PRIMARY KEY, state text NOT NULL, updated_at timestamptz NOT NULL);
            CREATE TABLE public.audit (stream text, worker text, at timestamptz);
            CREATE FUNCTION public.audit_state() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO public.audit VALUES (NEW.stream, current_setting('application_name'), clock_timestamp()); RETURN NEW; END $$;
            CREATE TRIGGER audit AFTER INSERT OR UPDATE ON j2._chat_export_state FOR EACH ROW EXECUTE FUNCTION public.audit_state();
            """, database: database)
        sandboxes[0].hold(request: 6)
        sandboxes[1].hold(request: 6)
        let environment = TestPostgres.environment(server)
        let workers = try (1...3).map { number in
            try CLIHarness.start(
                [
                    "serve", directory.path + "/jobs", "--coordination", url, "--worker-id", "w\(number)", "--lease-ttl", "3s", "--once",
                    "--max-concurrent", "1", "--log-format", "json",
                ], environment: environment)
        }
        defer { for worker in workers { worker.signal(SIGKILL) } }
        func holder(_ sandbox: VendorSandbox) throws -> Int? {
            let name = try sql(
                server,
                "SELECT holder FROM chat_export_fleet_leases WHERE unit = '127.0.0.1:\(sandbox.port)'", database: database)
            return name.hasPrefix("w") ? Int(name.dropFirst()).map { $0 - 1 } : nil
        }
        #expect(sandboxes[0].waitUntilHeld(seconds: 120), "\(workers.map(\.stderrSoFar))")
        #expect(sandboxes[1].waitUntilHeld(seconds: 120), "\(workers.map(\.stderrSoFar))")
        let killed = try #require(try holder(sandboxes[0]))
        let paused = try #require(try holder(sandboxes[1]))
        try #require(killed != paused, "one lease per worker with --max-concurrent 1")
        let survivor = 3 - killed - paused
        workers[killed].signal(SIGKILL)
        workers[paused].signal(SIGSTOP)
        let pausedAt = try sql(server, "SELECT clock_timestamp()", database: database)
        sandboxes[0].releaseHeld()
        // The survivor takes both instances over once their leases expire, and finishes every job.
        let done = CLIHarness.waitUntil(limit: 180) {
            (try? sql(
                server, "SELECT count(*) FROM chat_export_fleet_jobs WHERE job IN ('j1', 'j2') AND last_success > '\(pausedAt)'",
                database: database))
                == "2"
                && (try? holder(sandboxes[1])) != paused
        }
        #expect(done, "\(workers[survivor].stderrSoFar)")
        sandboxes[1].releaseHeld()
        workers[paused].signal(SIGCONT)
        let survivorOutcome = workers[survivor].wait()
        let pausedOutcome = workers[paused].wait()
        #expect(survivorOutcome.status == 0, "\(survivorOutcome.stderr)")
        #expect(pausedOutcome.status == 0, "\(pausedOutcome.stderr)")
        for (index, sandbox) in sandboxes.enumerated() {
            try TestPostgres.expectExact(server, index == 2 ? otherDatabase : database, sandbox, schema: "j\(index + 1)")
        }
        // The survivor took over both leases with higher fences.
        let takeovers = survivorOutcome.stderr.split(separator: "\n").filter { $0.contains("\"event\":\"lease_taken\"") }
        #expect(takeovers.count >= 3, "\(survivorOutcome.stderr)")
        // The paused worker stored checkpoints of j2 before it was paused and none after it; it
        // learned that it lost its lease.
        func stored(by worker: Int, after: Bool) throws -> String {
            try sql(
                server,
                "SELECT count(*) FROM public.audit WHERE worker = 'chat-export w\(worker + 1)' AND at \(after ? ">" : "<") '\(pausedAt)'",
                database: database)
        }
        #expect(try stored(by: paused, after: false) != "0")
        #expect(try stored(by: paused, after: true) == "0")
        #expect(try stored(by: survivor, after: true) != "0")
        let pausedLog = pausedOutcome.stderr
        if ProcessInfo.processInfo.environment["FLEET_DEBUG"] != nil { print(pausedLog, survivorOutcome.stderr) }
        #expect(pausedLog.contains("\"event\":\"lease_lost\"") || pausedLog.contains("no longer holds the lease"), "\(pausedLog)")
        #expect(!pausedLog.split(separator: "\n").contains { $0.contains("\"event\":\"run_finished\"") && $0.contains("\"job\":\"j2\"") })
    }
}
