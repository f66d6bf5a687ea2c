import ConnectorKit
import ConnectorTesting
import Foundation
import PostgresSink
import VendorSandbox

extension EndToEndBenchmark {
    /// The exporter into PostgreSQL end to end (a fresh load, then `--full-refresh` where every row
    /// conflicts), next to PostgreSQL's own limit on the same server in the same run: the same
    /// rows by `COPY` into a staging table + `INSERT … ON CONFLICT`, 10k rows per transaction.
    /// The server is a throwaway cluster with fsync on (durable commits, as in production).
    func postgres() throws -> [BenchmarkResult] {
        if let reason = PostgresServer.unavailableReason { throw BenchmarkError("postgres: \(reason)") }
        let server = try PostgresServer(durable: true)
        defer { server.stop() }
        let all = sandbox.dataset.adaMessages.count
        try server.psql("CREATE DATABASE bench")
        try server.psql("CREATE DATABASE baseline")
        let config = try job(
            "postgres", start: sandbox.dataset.start,
            sink: .object([("type", .string("postgres")), ("url", .string(server.url(database: "bench")))]), checkpointFile: false)
        // A tenth of the data first, into a database of its own: peak RSS must not grow with the export.
        try server.psql("CREATE DATABASE bench_small")
        let tenth = start(forLast: all / 10)
        let small = try run(
            try job(
                "postgres-small", start: tenth,
                sink: .object([("type", .string("postgres")), ("url", .string(server.url(database: "bench_small")))]), checkpointFile: false
            ),
            expected: expected(from: tenth))
        let fresh = try run(config, expected: all)
        let conflicting = try exporter.run(["run", config, "--progress", "off", "--full-refresh"], in: directory)
        guard conflicting.status == 0, conflicting.records == all else {
            throw BenchmarkError("the full refresh into PostgreSQL exported \(conflicting.records) of \(all):\n\(conflicting.log)")
        }
        let count = try server.psql("SELECT count(*) FROM messages", database: "bench").trimmingCharacters(in: .whitespacesAndNewlines)
        guard count == String(all) else { throw BenchmarkError("PostgreSQL holds \(count) messages, not \(all)") }
        let (baselineFresh, baselineConflicting) = try Self.postgresLoadLoop(
            SQLiteBenchmark.records(sandbox.dataset), url: server.url(database: "baseline"))
        var freshResult = exportResult("e2e → PostgreSQL", fresh, target: "≥ 70% of PostgreSQL's own load loop")
        freshResult.metrics.append(("of PostgreSQL", baselineFresh / fresh.wall * 100, "%"))
        var conflictResult = exportResult("e2e → PostgreSQL (all conflict)", conflicting, target: "≥ 70% of PostgreSQL's own load loop")
        conflictResult.metrics.append(("of PostgreSQL", baselineConflicting / conflicting.wall * 100, "%"))
        return [
            exportResult("e2e → PostgreSQL", small, target: "peak RSS flat from 100k to 1M"),
            BenchmarkResult(
                benchmark: "e2e → PostgreSQL", contender: "PostgreSQL COPY + INSERT ON CONFLICT loop",
                metrics: [("time", baselineFresh, "s"), ("rows/s", Double(all) / baselineFresh, "rows/s")]),
            freshResult,
            BenchmarkResult(
                benchmark: "e2e → PostgreSQL (all conflict)", contender: "PostgreSQL COPY + INSERT ON CONFLICT loop",
                metrics: [("time", baselineConflicting, "s"), ("rows/s", Double(all) / baselineConflicting, "rows/s")]),
            conflictResult,
        ]
    }

    /// Seconds for the minimal client to load `records` twice (fresh, then every row conflicting):
    /// the sink's table and indexes, `COPY` text prepared before the clock starts, then per 10k
    /// rows one transaction of `COPY` into a staging table and `INSERT … ON CONFLICT`.
    static func postgresLoadLoop(_ records: [Record], url: String) throws -> (fresh: Double, conflicting: Double) {
        let db = try PostgresConnection(try PostgresAddress(url: url))
        defer { db.close() }
        try db.execute(
            """
            CREATE TABLE messages (_id text PRIMARY KEY, created_at timestamptz, conversation_id text, data json NOT NULL, synced_at timestamptz NOT NULL);
            CREATE INDEX m1 ON messages (created_at); CREATE INDEX m2 ON messages (conversation_id);
            CREATE TEMPORARY TABLE stage (ord integer NOT NULL, _id text NOT NULL, created_at timestamptz, conversation_id text, data json NOT NULL) ON COMMIT DELETE ROWS;
            """, doing: "create the baseline tables")
        var chunks: [[UInt8]] = []
        for start in stride(from: 0, to: records.count, by: 10_000) {
            var text: [UInt8] = []
            PostgresCopyText.append(
                Array(records[start..<min(records.count, start + 10_000)]), startingAt: 0, parentColumn: true, to: &text)
            chunks.append(text)
        }
        func load() throws -> Double {
            let started = now()
            for chunk in chunks {
                try db.execute("BEGIN", doing: "begin")
                try db.copy("COPY stage (ord, _id, created_at, conversation_id, data) FROM STDIN", chunk, doing: "copy")
                try db.execute(
                    "INSERT INTO messages SELECT _id, created_at, conversation_id, data, now() FROM stage "
                        + "ON CONFLICT (_id) DO UPDATE SET created_at = excluded.created_at, conversation_id = excluded.conversation_id, "
                        + "data = excluded.data, synced_at = excluded.synced_at; COMMIT", doing: "insert")
            }
            return now() - started
        }
        return (try load(), try load())
    }
}
