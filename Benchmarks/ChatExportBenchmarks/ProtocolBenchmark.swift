import ConnectorKit
import ConnectorTesting
import Foundation

/// `tap-chat-export` beside `chat-export run` into JSON Lines, in the same run against the same
/// sandbox process (pre-rendered pages, as in ``SeparateSandboxBenchmark``): records per second
/// and CPU per record of each exporter process (`wait4`). The tap writes its Singer stream
/// (SCHEMA, RECORD, STATE) to a file, `run` writes a files sink; the runs alternate so machine
/// noise falls on both. Target: the tap within 1.5× of `run`.
struct ProtocolBenchmark {
    let run: ExporterProcess
    let tap: ExporterProcess
    let conversations: Int

    init(messages: Int) throws {
        run = try ExporterProcess()
        let directory = URL(fileURLWithPath: run.executable).deletingLastPathComponent()
        tap = try ExporterProcess(path: directory.appendingPathComponent("tap-chat-export").path)
        conversations = max(1, messages / 8)
    }

    func results() throws -> [BenchmarkResult] {
        let directory = FileManager.default.temporaryDirectory.path + "/chat-export-bench-protocol-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sandbox = try SandboxProcess(executable: run.executable, conversations: conversations)
        defer { sandbox.stop() }
        let end = sandbox.end
        let port = sandbox.port
        let source = JSONValue.object([
            ("type", .string("ada-v2")), ("base_url", .string("http://127.0.0.1:\(port)")), ("token", .string("sandbox-ada-token")),
            ("streams", .array([.string("messages")])), ("start", .string(end.adding(seconds: -30 * 86_400).iso8601())),
            ("end", .string(end.iso8601())), ("page_size", .integer(10_000)),
            ("rate_limits", .object([("per_endpoint_per_second", .integer(1000)), ("per_minute", .integer(0)), ("per_day", .integer(0))])),
        ])
        let job = JSONValue.object([
            ("source", source), ("sinks", .array([.object([("type", .string("files")), ("dir", .string("out"))])])),
        ])
        var measured: [String: [ExporterProcess.Measurement]] = [:]
        for _ in 0..<3 {
            for contender in ["run", "tap"] {
                let work = directory + "/\(contender)"
                try? FileManager.default.removeItem(atPath: work)
                try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
                let measurement: ExporterProcess.Measurement
                if contender == "run" {
                    try Data(job.jsonText.utf8).write(to: URL(fileURLWithPath: work + "/job.json"))
                    measurement = try run.run(["run", work + "/job.json", "--progress", "off"], in: work)
                } else {
                    try Data(source.jsonText.utf8).write(to: URL(fileURLWithPath: work + "/config.json"))
                    measurement = try tap.run(["--config", work + "/config.json"], in: work, stdout: work + "/singer.jsonl")
                }
                guard measurement.status == 0, measurement.records > 0 else {
                    throw BenchmarkError("protocol: \(contender) exit \(measurement.status)\n\(measurement.log.suffix(1500))")
                }
                measured[contender, default: []].append(measurement)
            }
        }
        let medians = measured.mapValues { $0.sorted { $0.cpu < $1.cpu }[$0.count / 2] }
        var results: [BenchmarkResult] = []
        for (contender, label) in [("run", "chat-export run → JSON Lines"), ("tap", "tap-chat-export → Singer file")] {
            guard let median = medians[contender] else { continue }
            var metrics: [(name: String, value: Double, unit: String)] = [
                ("records/s", Double(median.records) / median.wall, "rec/s"),
                ("cpu per record", median.cpu / Double(median.records) * 1e6, "µs"),
            ]
            if contender == "tap", let base = medians["run"] {
                metrics.append(("cpu vs run", (median.cpu / Double(median.records)) / (base.cpu / Double(base.records)), "×"))
                metrics.append(("time vs run", (median.wall / Double(median.records)) / (base.wall / Double(base.records)), "×"))
            }
            results.append(
                BenchmarkResult(
                    benchmark: "protocol, \(median.records / 1000)k messages", contender: label, metrics: metrics,
                    target: contender == "tap" ? "within 1.5× of run" : ""))
        }
        return results
    }
}
