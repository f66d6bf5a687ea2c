import ConnectorKit
import Foundation
import VendorSandbox

/// The exporter as users run it: `chat-export run` in its own process, against the sandbox in
/// this process serving pre-rendered Ada v2 pages over loopback (no rate limit, no latency).
///
/// Measures records/s, the exporter's CPU seconds per million records and its peak RSS, into
/// JSON Lines and into SQLite (next to SQLite's own minimal insert loop over the same rows), for
/// 100k and 1M messages, and the cost of resuming a 1M job killed (`kill -9`) half way.
struct EndToEndBenchmark {
    let sandbox: VendorSandbox
    let exporter: ExporterProcess
    /// Another build of `chat-export` measured side by side in the JSON Lines runs (before/after).
    let baseline: ExporterProcess?
    let directory: String
    /// Runs of each measurement; the median run is reported.
    let repetitions: Int

    /// Generates the dataset and starts the sandbox with page caching.
    init(messages: Int, exporter path: String? = nil, baseline: String? = nil, repetitions: Int = 3) throws {
        exporter = try ExporterProcess(path: path)
        self.baseline = try baseline.map { try ExporterProcess(path: $0) }
        sandbox = try ExportBenchmark.sandbox(messages: messages) { $0.cachePages = true }
        directory = FileManager.default.temporaryDirectory.path + "/chat-export-bench-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.repetitions = repetitions
    }

    func stop() {
        sandbox.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Jobs

    /// Writes a job config reading messages from `start` to the end of the data into `sink`.
    func job(
        _ name: String, start: Timestamp, sink: JSONValue, checkpointFile: Bool = true, extra: [(key: String, value: JSONValue)] = []
    ) throws -> String {
        var members: [(key: String, value: JSONValue)] =
            [
                (
                    "source",
                    .object([
                        ("type", .string("ada-v2")),
                        ("base_url", .string(sandbox.baseURL)),
                        ("allow_insecure_http", .bool(true)),
                        ("token", .string(sandbox.settings.adaToken)),
                        ("streams", .array([.string("messages")])),
                        ("start", .string(start.iso8601())),
                        ("end", .string(sandbox.settings.end.iso8601())),
                        ("page_size", .integer(10_000)),
                        (
                            "rate_limits",
                            .object([("per_endpoint_per_second", .integer(1000)), ("per_minute", .integer(0)), ("per_day", .integer(0))])
                        ),
                    ])
                ),
                ("sinks", .array([sink])),
            ] + extra
        if checkpointFile { members.append(("checkpoint", .object([("path", .string(name + ".checkpoint.json"))]))) }
        let config = JSONValue.object(members)
        let path = directory + "/" + name + ".json"
        try Data((config.serialized(pretty: true) + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func filesJob(_ name: String, start: Timestamp) throws -> String {
        try job(name, start: start, sink: .object([("type", .string("files")), ("dir", .string(name + "-out"))]))
    }

    func sqliteJob(_ name: String, start: Timestamp) throws -> String {
        try job(name, start: start, sink: .object([("type", .string("sqlite")), ("path", .string(name + ".sqlite"))]))
    }

    /// Removes a job's outputs and checkpoint so the next run starts from scratch.
    func clean(_ name: String) {
        for suffix in ["-out", ".checkpoint.json", ".sqlite", ".sqlite-wal", ".sqlite-shm", ".lock", ".checkpoint.json.lock"] {
            try? FileManager.default.removeItem(atPath: directory + "/" + name + suffix)
        }
    }

    /// Runs a job and, unless `expected` is nil, checks that it exported that many records.
    func run(
        _ config: String, expected: Int?, with exporter: ExporterProcess? = nil, killWhen: (() -> Bool)? = nil
    ) throws -> ExporterProcess.Measurement {
        let exporter = exporter ?? self.exporter
        let measurement = try exporter.run(["run", config, "--progress", "off"], in: directory, killWhen: killWhen)
        if let expected {
            guard measurement.status == 0, measurement.records == expected else {
                throw BenchmarkError(
                    "chat-export run \(config) exited \(measurement.status) with \(measurement.records) of \(expected) records:\n\(measurement.log)"
                )
            }
        }
        return measurement
    }

    /// The median (by wall time) of `repetitions` from-scratch runs.
    func median(
        _ name: String, config: String, expected: Int, with exporter: ExporterProcess? = nil
    ) throws -> ExporterProcess.Measurement {
        var runs: [ExporterProcess.Measurement] = []
        for _ in 0..<repetitions {
            clean(name)
            runs.append(try run(config, expected: expected, with: exporter))
        }
        return runs.sorted { $0.wall < $1.wall }[runs.count / 2]
    }

    // MARK: - Measurements

    /// The first day of data such that about `count` messages follow it.
    func start(forLast count: Int) -> Timestamp {
        let messages = sandbox.dataset.adaMessages
        guard count < messages.count else { return sandbox.dataset.start }
        return messages[messages.count - count].created
    }

    func expected(from start: Timestamp) -> Int {
        sandbox.dataset.adaMessages.lazy.filter { $0.created >= start }.count
    }

    /// Lines in every file of a files sink's output (each record is one line).
    func lines(_ name: String) throws -> Int {
        let root = directory + "/" + name + "-out"
        var total = 0
        for file in FileManager.default.subpaths(atPath: root) ?? [] where file.hasSuffix(".jsonl") {
            let data = try Data(contentsOf: URL(fileURLWithPath: root + "/" + file), options: .alwaysMapped)
            total += data.withUnsafeBytes { raw in raw.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
        }
        return total
    }

    func exportResult(_ label: String, _ m: ExporterProcess.Measurement, target: String) -> BenchmarkResult {
        BenchmarkResult(
            benchmark: label,
            contender: "\(m.records / 1000)k ada-v2 messages",
            metrics: [
                ("time", m.wall, "s"), ("records/s", Double(m.records) / m.wall, "rec/s"),
                ("cpu", m.cpu / Double(m.records) * 1e6, "cpu-s/1M"), ("user", m.user / Double(m.records) * 1e6, "s/1M"),
                ("sys", m.system / Double(m.records) * 1e6, "s/1M"), ("peak rss", m.peakRSSMegabytes, "MB"),
            ],
            target: target
        )
    }

    /// The parts to run: `files` (JSON Lines at 100k and 1M), `sqlite` (1M, next to SQLite's own
    /// loop), `postgres` (1M into a throwaway PostgreSQL server, next to its own load loop) and
    /// `resume` (a 1M job killed half way, then finished).
    func run(parts: Set<String>) throws -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        // Warm-up: renders every page into the sandbox's cache (and warms the OS's caches).
        let files = try filesJob("files", start: sandbox.dataset.start)
        clean("files")
        _ = try run(files, expected: sandbox.dataset.adaMessages.count)
        var scratch: ExporterProcess.Measurement?
        if parts.contains("files") {
            let (lines, fullRun) = try jsonLines()
            results += lines
            scratch = fullRun
        }
        if parts.contains("sqlite") { results += try sqlite() }
        if parts.contains("postgres") { results += try postgres() }
        if parts.contains("resume") { results += try resume(scratch: scratch) }
        if parts.contains("formats") { results += try formats() }
        if parts.contains("redact") { results += try redact() }
        return results
    }

    /// JSON Lines at 100k and 1M messages (and the same with the baseline build, if any), with
    /// this build's 1M run from scratch.
    func jsonLines() throws -> ([BenchmarkResult], fullRun: ExporterProcess.Measurement) {
        let all = sandbox.dataset.adaMessages.count
        let tenth = start(forLast: all / 10)
        let filesSmall = try filesJob("files-small", start: tenth)
        let files = try filesJob("files", start: sandbox.dataset.start)
        var results: [BenchmarkResult] = []
        var fullRuns: [ExporterProcess.Measurement] = []
        for (label, exporter) in [("", self.exporter)] + (baseline.map { [(" (baseline)", $0)] } ?? []) {
            let smallRun = try median("files-small", config: filesSmall, expected: expected(from: tenth), with: exporter)
            clean("files-small")
            let fullRun = try median("files", config: files, expected: all, with: exporter)
            fullRuns.append(fullRun)
            guard try lines("files") == all else { throw BenchmarkError("the files sink holds a different number of lines than \(all)") }
            clean("files")
            results += [
                exportResult("e2e → JSON Lines" + label, smallRun, target: "≤ 150 MB, flat from 100k to 1M"),
                exportResult("e2e → JSON Lines" + label, fullRun, target: "≥ 300k rec/s, ≤ 150 MB"),
            ]
        }
        return (results, fullRuns[0])
    }

    /// The exporter into SQLite end to end, next to SQLite's own loop inserting the same rows.
    func sqlite() throws -> [BenchmarkResult] {
        let all = sandbox.dataset.adaMessages.count
        let sqlite = try sqliteJob("sqlite", start: sandbox.dataset.start)
        clean("sqlite")
        let sqliteRun = try run(sqlite, expected: all)
        clean("sqlite")
        let baseline = SQLiteBenchmark.minimalLoop(SQLiteBenchmark.records(sandbox.dataset), path: directory + "/baseline.sqlite")
        try? FileManager.default.removeItem(atPath: directory + "/baseline.sqlite")
        var result = exportResult("e2e → SQLite", sqliteRun, target: "≥ 70% of SQLite's own rate")
        result.metrics.append(("of SQLite", baseline / sqliteRun.wall * 100, "%"))
        return [
            BenchmarkResult(
                benchmark: "e2e → SQLite",
                contender: "SQLite minimal insert loop",
                metrics: [("time", baseline, "s"), ("rows/s", Double(all) / baseline, "rows/s")]
            ),
            result,
        ]
    }

    /// A 1M job killed with SIGKILL once half its pages were requested, then run again to the
    /// end, next to the same job from scratch (`scratch`, measured here when not given). The
    /// output must be exactly the dataset.
    func resume(scratch measured: ExporterProcess.Measurement?) throws -> [BenchmarkResult] {
        let all = sandbox.dataset.adaMessages.count
        let files = try filesJob("files", start: sandbox.dataset.start)
        let scratch = try measured ?? median("files", config: files, expected: all)
        clean("files")
        let path = "/api/v2/export/messages"
        let before = sandbox.requests.count { $0.path == path }
        let pages = all / 10_000 + 4
        let killed = try run(files, expected: nil) { sandbox.requests.count { $0.path == path } - before >= pages / 2 }
        let resumed = try run(files, expected: nil)
        guard resumed.status == 0 else { throw BenchmarkError("the resumed run exited \(resumed.status):\n\(resumed.log)") }
        guard try lines("files") == all else { throw BenchmarkError("after kill -9 and resume the output is not exactly \(all) lines") }
        clean("files")
        let left = Double(resumed.records) / Double(all)
        return [
            BenchmarkResult(
                benchmark: "resume after kill -9",
                contender: "\(all / 1000)k, killed at \(Int(((1 - left) * 100).rounded()))%",
                metrics: [
                    ("killed after", killed.wall, "s"), ("resume", resumed.wall, "s"), ("from scratch", scratch.wall, "s"),
                    ("resume/scratch", resumed.wall / scratch.wall * 100, "%"), ("left to do", left * 100, "%"),
                ],
                target: "resume/scratch ≈ left to do; output exactly once"
            )
        ]
    }
}
