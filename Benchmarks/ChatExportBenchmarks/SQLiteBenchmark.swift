import CSQLite
import ConnectorKit
import Foundation
import SQLiteSink
import VendorSandbox

/// Rows/s into the SQLite sink next to SQLite's own insert rate (a minimal prepared-statement
/// loop over the same rows, same schema, same pragmas, one transaction per 10k rows).
enum SQLiteBenchmark {
    static func run(messages count: Int) async throws -> [BenchmarkResult] {
        let records = self.records(SandboxDataset(settings: ExportBenchmark.settings(messages: count)))
        let directory = FileManager.default.temporaryDirectory.path + "/chat-export-bench-sqlite-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // SQLite's own rate.
        let baseline = minimalLoop(records, path: directory + "/baseline.sqlite")

        // The sink, fed batches of 10k records as the runner does (upsert, checkpoint in the same transaction).
        let sink = SQLiteSink(settings: .init(path: directory + "/sink.sqlite"))
        let stream = StreamDescriptor(
            name: "messages", summary: "", cursorField: "date_created", cursorColumn: "created_at", parentField: "conversation_id")
        let store = try await sink.checkpointStore()
        try await sink.open(stream, restoring: nil)
        let sinkStart = now()
        var sequence = 0
        for chunk in stride(from: 0, to: records.count, by: 10_000) {
            sequence += 1
            let batch = RecordBatch(
                stream: "messages", records: Array(records[chunk..<min(records.count, chunk + 10_000)]),
                checkpoint: Checkpoint(.integer(sequence)))
            try await sink.write(batch)
            let commit = SinkCommit(stream: "messages", sequence: sequence, checkpoint: batch.checkpoint)
            try await store.commit(commit, storing: StreamState(checkpoint: batch.checkpoint, sequence: sequence, records: chunk))
        }
        let sinkSeconds = now() - sinkStart
        try await sink.finish(succeeded: true)
        await store.close()
        let ratio = baseline / sinkSeconds * 100
        return [
            BenchmarkResult(
                benchmark: "sqlite (\(records.count / 1000)k messages)",
                contender: "SQLite minimal insert loop",
                metrics: [("time", baseline, "s"), ("rows/s", Double(records.count) / baseline, "rows/s")]
            ),
            BenchmarkResult(
                benchmark: "sqlite (\(records.count / 1000)k messages)",
                contender: "SQLite sink (upsert + checkpoint)",
                metrics: [
                    ("time", sinkSeconds, "s"), ("rows/s", Double(records.count) / sinkSeconds, "rows/s"), ("of SQLite", ratio, "%"),
                ],
                target: "≥ 70% of SQLite's own rate"
            ),
        ]
    }

    /// The dataset's Ada messages as the scanner would produce them.
    static func records(_ dataset: SandboxDataset) -> [Record] {
        dataset.adaMessages.map {
            Record(stream: "messages", id: $0.id, cursor: $0.created, parentID: $0.conversationID, json: $0.json[...])
        }
    }

    /// Seconds for SQLite's own minimal loop to insert `records` into a new database at `path`:
    /// one prepared INSERT, the sink's schema and pragmas, one transaction per 10k rows.
    static func minimalLoop(_ records: [Record], path: String) -> Double {
        var db: OpaquePointer?
        sqlite3_open(path, &db)
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", nil, nil, nil)
        sqlite3_exec(
            db,
            "CREATE TABLE messages (_id TEXT PRIMARY KEY NOT NULL, created_at TEXT, conversation_id TEXT, data TEXT NOT NULL, synced_at TEXT NOT NULL);"
                + "CREATE INDEX m1 ON messages (created_at); CREATE INDEX m2 ON messages (conversation_id);",
            nil,
            nil,
            nil
        )
        var statement: OpaquePointer?
        sqlite3_prepare_v2(db, "INSERT INTO messages VALUES (?, ?, ?, ?, ?)", -1, &statement, nil)
        let cursors = records.map { $0.cursor?.iso8601(fractionDigits: 6) ?? "" }
        let synced = Timestamp.now.iso8601(fractionDigits: 6)
        let baselineStart = now()
        for chunk in stride(from: 0, to: records.count, by: 10_000) {
            sqlite3_exec(db, "BEGIN", nil, nil, nil)
            for index in chunk..<min(records.count, chunk + 10_000) {
                let record = records[index]
                sqlite3_bind_text(statement, 1, record.id, -1, csqlite_transient())
                sqlite3_bind_text(statement, 2, cursors[index], -1, csqlite_transient())
                sqlite3_bind_text(statement, 3, record.parentID, -1, csqlite_transient())
                record.json.withUnsafeBytes { bytes in
                    sqlite3_bind_text(statement, 4, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
                    sqlite3_bind_text(statement, 5, synced, -1, csqlite_transient())
                    sqlite3_step(statement)
                    sqlite3_reset(statement)
                }
            }
            sqlite3_exec(db, "COMMIT", nil, nil, nil)
        }
        let seconds = now() - baselineStart
        sqlite3_finalize(statement)
        sqlite3_close(db)
        return seconds
    }
}
