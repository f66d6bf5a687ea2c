import ConnectorKit
import ConnectorTesting
import Foundation

/// The exporter and the vendor in separate processes, as in production: `chat-export sandbox`
/// serves pre-rendered pages (cached) from its own process, and `chat-export run` exports them
/// into JSON Lines. Reports the exporter's CPU per record (user + system, from `wait4`), the
/// figure a long backfill or a service keeping many bots current pays.
struct SeparateSandboxBenchmark {
    let exporter: ExporterProcess
    let baseline: ExporterProcess?
    let conversations: Int

    init(messages: Int, exporter path: String?, baseline: String?) throws {
        exporter = try ExporterProcess(path: path)
        self.baseline = try baseline.map { try ExporterProcess(path: $0) }
        conversations = max(1, messages / 8)
    }

    func run() throws -> [BenchmarkResult] {
        let directory = FileManager.default.temporaryDirectory.path + "/chat-export-bench-process-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sandbox = try SandboxProcess(executable: exporter.executable, conversations: conversations)
        defer { sandbox.stop() }
        let end = sandbox.end
        let port = sandbox.port
        let start = end.adding(seconds: -30 * 86_400)
        let config = JSONValue.object([
            (
                "source",
                .object([
                    ("type", .string("ada-v2")), ("base_url", .string("http://127.0.0.1:\(port)")), ("token", .string("sandbox-ada-token")),
                    ("streams", .array([.string("messages")])), ("start", .string(start.iso8601())), ("end", .string(end.iso8601())),
                    ("page_size", .integer(10_000)),
                    (
                        "rate_limits",
                        .object([("per_endpoint_per_second", .integer(1000)), ("per_minute", .integer(0)), ("per_day", .integer(0))])
                    ),
                ])
            ),
            ("sinks", .array([.object([("type", .string("files")), ("dir", .string("out"))])])),
        ])
        var results: [BenchmarkResult] = []
        for (label, binary) in [("this build", exporter)] + (baseline.map { [("baseline", $0)] } ?? []) {
            var runs: [ExporterProcess.Measurement] = []
            for _ in 0..<3 {
                try? FileManager.default.removeItem(atPath: directory + "/job")
                try FileManager.default.createDirectory(atPath: directory + "/job", withIntermediateDirectories: true)
                try Data(config.serialized(pretty: true).utf8).write(to: URL(fileURLWithPath: directory + "/job/job.json"))
                let run = try binary.run(["run", directory + "/job/job.json", "--progress", "off"], in: directory)
                guard run.status == 0, run.records > 0 else {
                    throw BenchmarkError("separate sandbox: exit \(run.status)\n\(run.log.suffix(1500))")
                }
                runs.append(run)
            }
            let median = runs.sorted { $0.cpu < $1.cpu }[1]
            results.append(
                BenchmarkResult(
                    benchmark: "e2e, sandbox in its own process",
                    contender: "\(label), \(median.records / 1000)k → JSON Lines",
                    metrics: [
                        ("records/s", Double(median.records) / median.wall, "rec/s"),
                        ("cpu per record", median.cpu / Double(median.records) * 1e6, "µs"),
                        ("user", median.user / Double(median.records) * 1e6, "µs"),
                        ("system", median.system / Double(median.records) * 1e6, "µs"),
                    ],
                    target: "≤ 3.5 µs CPU per record"
                )
            )
        }
        return results
    }
}
