import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@testable import FilesSink

/// Real readers of the published parts: `gzip`, Python's `gzip`, and pyarrow, DuckDB and moto from
/// the virtualenv `.ci/run` makes (`.build/venv/formats`, or `$CHAT_EXPORT_PYTHON`).
enum PartReaders {
    /// The virtualenv's python, if present.
    static let python: String? = {
        if let custom = ProcessInfo.processInfo.environment["CHAT_EXPORT_PYTHON"], FileManager.default.isExecutableFile(atPath: custom) {
            return custom
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
        let venv = root + "/.build/venv/formats/bin/python"
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }()

    /// Whether the python can import `module`.
    static func has(_ module: String) -> Bool {
        guard let python, let outcome = try? run(python, ["-c", "import \(module)"]) else { return false }
        return outcome.status == 0
    }

    static let pyarrow = has("pyarrow")
    static let duckdb = has("duckdb")
    static let missing = "not installed in .build/venv/formats (bash .ci/protocol-tools, run by .ci/run, installs it from PyPI)"

    /// Runs a program to completion.
    static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> CLIHarness.Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read stdout to its end on a thread of its own, so neither pipe fills.
        final class Box: @unchecked Sendable { var data = Data() }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.data = out.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return .init(
            status: process.terminationStatus, stdout: String(decoding: box.data, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The published parts of a stream with this extension, sorted.
    static func parts(_ folder: String, _ ext: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("part-") && $0.hasSuffix("." + ext) }.sorted()
            .map { folder + "/" + $0 }
    }

    /// The records of gzip parts, decompressed by `gzip -dc`, one per line.
    static func gunzip(_ parts: [String]) throws -> [String] {
        try parts.flatMap { part -> [String] in
            let outcome = try run("/bin/sh", ["-c", "gzip -dc \"$1\"", "sh", part])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            return outcome.stdout.split(separator: "\n").map(String.init)
        }
    }

    /// The rows of Parquet parts as pyarrow reads them: `_id`, cursor (µs), parent, data, synced_at (µs).
    static func pyarrowRows(_ parts: [String], cursor: String, parent: String?) throws -> [[String]] {
        let script = """
            import json, sys, pyarrow.parquet as pq
            for path in sys.argv[1:]:
                table = pq.read_table(path)
                f = table.schema.field("data")
                assert str(f.type) in ("string", "large_string", "extension<arrow.json>") or "json" in str(f.type), str(f.type)
                for row in table.to_pylist():
                    cursor = row["\(cursor)"]
                    parent = row.get("\(parent ?? "-")")
                    print(json.dumps([row["_id"], None if cursor is None else int(cursor.timestamp() * 1_000_000), parent, row["data"]]))
            """
        let outcome = try run(python!, ["-c", script] + parts)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return try outcome.stdout.split(separator: "\n").map { line in
            guard case .array(let values) = try JSONValue.parse(String(line)) else { return [] }
            return values.map { $0.stringValue ?? ($0 == .null ? "null" : $0.jsonText) }
        }
    }
}

@Suite("File formats: gzip JSON Lines and Parquet parts")
struct FileFormatTests {
    /// An Ada job into a files sink of `format`, small parts so there are several.
    static func job(_ sandbox: VendorSandbox, format: String) -> String {
        adaJob(sandbox, sinks: #"[{"type": "files", "dir": "out", "format": "\#(format)", "max_file_bytes": 65536}]"#)
    }

    @Test("jsonl.gz parts: each a complete gzip file that gzip -d and Python's gzip read, holding every record exactly as sent")
    func gzip() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", Self.job(sandbox, format: "jsonl.gz"))
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let parts = try PartReaders.parts(directory.path + "/out/messages", "jsonl.gz")
        #expect(parts.count > 3)
        for part in parts {
            let mode = try FileManager.default.attributesOfItem(atPath: part)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
        let lines = try PartReaders.gunzip(parts)
        // Windows are read concurrently: the order across windows is the order pages arrived.
        let expected = sandbox.dataset.adaMessages.map { String(decoding: $0.json, as: UTF8.self) }
        #expect(lines.count == expected.count)
        #expect(lines.sorted() == expected.sorted(), "the records differ from the vendor's bytes")
        // Python's gzip module, from the standard library.
        let python = try PartReaders.run(
            "/usr/bin/env", ["python3", "-c", "import gzip,sys\nfor p in sys.argv[1:]: sys.stdout.write(gzip.open(p,'rt').read())"] + parts)
        #expect(python.status == 0, "\(python.stderr)")
        #expect(python.stdout.split(separator: "\n").map(String.init) == lines, "Python's gzip reads other records")
        // Nothing is left staged once the run succeeded.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/out/messages")
        #expect(!names.contains { $0.hasSuffix(".inprogress") || $0.hasSuffix(".publishing") })
    }

    @Test(
        "parquet parts read by pyarrow: _id, the cursor as a UTC timestamp, the parent, data as the vendor's bytes",
        .enabled(if: PartReaders.pyarrow, "pyarrow \(PartReaders.missing)"))
    func parquetPyarrow() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", Self.job(sandbox, format: "parquet"))
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let parts = try PartReaders.parts(directory.path + "/out/messages", "parquet")
        #expect(parts.count > 3)
        let rows = try PartReaders.pyarrowRows(parts, cursor: "created_at", parent: "conversation_id")
        let expected = sandbox.dataset.adaMessages.map { message in
            [message.id, String(message.created.microseconds), message.conversationID, String(decoding: message.json, as: UTF8.self)]
        }
        #expect(rows.count == expected.count)
        #expect(rows.sorted { $0[0] < $1[0] } == expected.sorted { $0[0] < $1[0] }, "the rows differ from the vendor's records")
        let conversations = try PartReaders.pyarrowRows(
            try PartReaders.parts(directory.path + "/out/conversations", "parquet"), cursor: "updated_at", parent: nil)
        #expect(Set(conversations.map { $0[0] }) == Set(sandbox.dataset.adaConversations.map(\.id)))
    }

    @Test(
        "parquet parts queried by DuckDB: counts, ids, data as JSON, the time column's statistics",
        .enabled(if: PartReaders.duckdb, "duckdb \(PartReaders.missing)"))
    func parquetDuckDB() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", Self.job(sandbox, format: "parquet"))
        #expect(try CLIHarness.run(["run", file, "--progress", "off"]).status == 0)
        let glob = directory.path + "/out/messages/*.parquet"
        let script = """
            import duckdb, sys
            con = duckdb.connect()
            print(con.execute("SELECT count(*), count(DISTINCT _id), min(created_at) IS NOT NULL FROM read_parquet(?)", [sys.argv[1]]).fetchone())
            print(con.execute("SELECT count(*) FROM read_parquet(?) WHERE json_extract_string(data, '$._id') = _id", [sys.argv[1]]).fetchone()[0])
            print(con.execute("SELECT typeof(created_at), typeof(synced_at) FROM read_parquet(?) LIMIT 1", [sys.argv[1]]).fetchone())
            """
        let outcome = try PartReaders.run(PartReaders.python!, ["-c", script, glob])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let count = sandbox.dataset.adaMessages.count
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "(\(count), \(count), True)", "\(outcome.stdout)")
        #expect(lines.dropFirst().first == "\(count)")
        #expect(lines.last?.contains("TIMESTAMP WITH TIME ZONE") == true, "\(outcome.stdout)")
    }

    @Test(
        "kill -9 at random instants, publication included, then a re-run: every record exactly once in gzip and Parquet parts",
        arguments: ["jsonl.gz", "parquet"])
    func killNine(format: String) throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 6000, "page_size": 7, "page_delay": "2ms"}, "sinks": [{"type": "files", "dir": "out", "format": "\#(format)", "max_file_bytes": 4096}]}"#
        )
        let kills = try CLIHarness.killRuns(of: file, times: 8, after: 0.05...0.25)
        #expect(kills >= 6, "\(kills) of 8 runs were killed")
        let final = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(final.status == 0, "\(final.stderr)")
        for stream in ["messages", "conversations"] {
            let parts = try PartReaders.parts(directory.path + "/out/" + stream, format)
            var ids: [String]
            if format == "parquet" {
                guard PartReaders.pyarrow else { continue }
                ids = try PartReaders.pyarrowRows(parts, cursor: "created_at", parent: stream == "messages" ? "conversation_id" : nil).map {
                    $0[0]
                }
            } else {
                ids = try PartReaders.gunzip(parts).map { try JSONValue.parse($0)["_id"]?.stringValue ?? "" }
            }
            #expect(ids.count == 6000, "\(stream)")
            #expect(Set(ids).count == 6000, "\(stream) has duplicates")
        }
    }

    @Test(
        "a Parquet file of many row groups and pages with null cursors and parents reads back in pyarrow row for row",
        .enabled(if: PartReaders.pyarrow, "pyarrow \(PartReaders.missing)"))
    func parquetRowGroups() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/many.parquet"
        var file: [UInt8] = []
        let writer = try ParquetWriter(
            cursorColumn: "created_at", parentColumn: "conversation_id", level: 1, rowGroupBytes: 20_000, pageBytes: 3000
        ) {
            file += $0
        }
        var expected: [[String]] = []
        for index in 0..<2500 {
            let id = "id-\(index)"
            let cursor: Int64? = index % 7 == 3 ? nil : 1_790_000_000_000_000 + Int64(index) * 1_000_001
            let parent: String? = index % 5 == 1 ? nil : "c\(index / 10)"
            let data = #"{"_id":"\#(id)","text":"\#(String(repeating: "é", count: index % 40))"}"#
            try writer.append(
                .init(
                    id: ArraySlice(id.utf8), cursor: cursor, parent: parent.map { ArraySlice($0.utf8) }, data: ArraySlice(data.utf8),
                    syncedAt: 1_800_000_000_000_000))
            expected.append([id, cursor.map(String.init) ?? "null", parent ?? "null", data])
        }
        try writer.finish()
        try Data(file).write(to: URL(fileURLWithPath: path))
        let rows = try PartReaders.pyarrowRows([path], cursor: "created_at", parent: "conversation_id")
        #expect(rows == expected)
        let groups = try PartReaders.run(
            PartReaders.python!, ["-c", "import pyarrow.parquet as pq, sys; print(pq.ParquetFile(sys.argv[1]).num_row_groups)", path])
        #expect((Int(groups.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 5, "\(groups.stdout)\(groups.stderr)")
    }
}
