import ConnectorKit
import Foundation
import VendorSandbox

/// The real `chat-export` binary with its default rate limits against a sandbox that enforces
/// Ada v2's documented limits (10/s per endpoint, a per-instance minute budget, 15,000/day) and,
/// like the live API, sends no `Retry-After`: how much of the minute budget the run uses, how
/// many answers are 429s, and whether the export is exact.
enum AdaLimitsBenchmark {
    /// Runs the documented-limits case (100/min) and a vendor stricter than documented (50/min,
    /// found by the limiter's multiplicative decrease).
    static func run(exporter path: String?) throws -> [BenchmarkResult] {
        let exporter = try ExporterProcess(path: path)
        return [
            try measure(exporter, conversations: 1250, vendorPerMinute: 100, label: "documented 100/min"),
            try measure(exporter, conversations: 900, vendorPerMinute: 50, label: "vendor at 50/min, unannounced"),
        ]
    }

    static func measure(_ exporter: ExporterProcess, conversations: Int, vendorPerMinute: Int, label: String) throws -> BenchmarkResult {
        var settings = SandboxSettings()
        settings.conversations = conversations
        settings.messagesPerConversation = 8
        settings.rateLimit = 10
        settings.perMinuteLimit = vendorPerMinute
        settings.perDayLimit = 15_000
        settings.retryAfter = nil
        settings.latency = 0.05
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let directory = NSTemporaryDirectory() + "chat-export-bench-limits-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let job = """
            {"source": {"type": "ada-v2", "base_url": "\(sandbox.baseURL)", "token": "\(settings.adaToken)", "page_size": 100,
                        "start": "\(sandbox.dataset.start.iso8601())", "end": "\(settings.end.iso8601())"},
             "sinks": [{"type": "files", "dir": "out"}]}
            """
        try Data(job.utf8).write(to: URL(fileURLWithPath: directory + "/job.json"))
        let run = try exporter.run(["run", directory + "/job.json", "--progress", "off"], in: directory)
        guard run.status == 0 else { throw BenchmarkError("ada limits (\(label)): exit \(run.status)\n\(run.log.suffix(2000))") }
        let requests = sandbox.requests
        let throttled = requests.filter { $0.status == 429 }.count
        let accepted = requests.filter { $0.status != 429 }.map(\.time).sorted()
        let minutes = max(1e-9, (accepted.last ?? 0) - (accepted.first ?? 0)) / 60
        let usage = Double(accepted.count - 1) / minutes / 100 * 100
        // The most requests any 60 s held, as the vendor counts them (a burst is fine, a minute
        // over the limit is not).
        let sent = requests.map(\.time).sorted()
        let busiest = sent.indices.map { index in sent[index...].prefix { $0 < sent[index] + 60 }.count }.max() ?? 0
        let dataset = sandbox.dataset
        let exact =
            try Set(ids(directory + "/out/messages")) == Set(dataset.adaMessages.map(\.id))
            && ids(directory + "/out/messages").count == dataset.adaMessages.count
            && Set(try ids(directory + "/out/conversations")) == Set(dataset.adaConversations.map(\.id))
        return BenchmarkResult(
            benchmark: "ada-v2 limits, no Retry-After",
            contender: label,
            metrics: [
                ("requests", Double(requests.count), "req"), ("429s", Double(throttled) / Double(max(1, requests.count)) * 100, "%"),
                ("of 100/min", usage, "%"), ("of the vendor's", usage * 100 / Double(vendorPerMinute), "%"),
                ("most in 60 s", Double(busiest), "req"), ("time", run.wall, "s"),
                ("exact", exact ? 1 : 0, "yes"),
            ],
            target: "≤ 5% 429s, ≥ 85% of 100/min (documented case), exact; no 60 s with more requests than the limit"
        )
    }

    /// The `_id`s in a stream directory's published parts.
    static func ids(_ folder: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("part-") }.sorted()
        return try names.flatMap { name in
            try String(contentsOfFile: folder + "/" + name, encoding: .utf8).split(separator: "\n").map { line in
                try JSONValue.parse(String(line))["_id"]?.stringValue ?? ""
            }
        }
    }
}
