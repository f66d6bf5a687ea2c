import ConnectorHTTP
import ConnectorKit
import ConnectorRuntime
import FilesSink
import Foundation
import VendorSandbox

/// What catching late records costs: a busy Ada v2 bot (100,000 messages and 10,000
/// conversations a day, 5 % of them shown 30 h late) exported every 15 minutes for a simulated
/// day at default settings, into JSON Lines with a checkpoint file. Requests per day against the
/// 15,000 budget, the checkpoint's size, and the CPU per run, next to the same job reading each
/// stretch once (`lookback` 0s). Time is the runner's injected clock: nothing waits.
enum LateDataBenchmark {
    static func run() async throws -> [BenchmarkResult] {
        var settings = SandboxSettings()
        settings.seed = 5
        settings.days = 3
        settings.conversations = 30_000
        settings.messagesPerConversation = 10
        settings.updatedFraction = 0
        settings.lateFraction = 0.05
        settings.lateBy = 30 * 3600
        settings.end = Timestamp(iso8601: "2026-11-10T00:00:00Z")!
        settings.now = settings.end
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let perDay = Double(sandbox.dataset.adaMessages.count) / 3
        var results: [BenchmarkResult] = []
        for lookback in [172_800.0, 0] {
            let directory = FileManager.default.temporaryDirectory.path + "/chat-export-bench-late-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let store = try FileCheckpointStore(path: directory + "/job.checkpoint.json")
            let source = try ExportBenchmark.ada(sandbox, rate: 10_000, [("lag", .integer(900)), ("lookback", .integer(Int(lookback)))])
            let sink = FilesSink(settings: .init(directory: directory + "/out"))
            // A day of backfill first, then a day of runs every 15 minutes, measured.
            let first = settings.end.adding(seconds: -2 * 86_400)
            var requestsBefore = 0
            var cpu = 0.0
            var records = 0
            var largest = 0
            for index in 0...96 {
                let clock = first.adding(seconds: Int64(index) * 900)
                sandbox.setClock(clock)
                if index == 1 { requestsBefore = sandbox.requests.count }
                let started = cpuSeconds()
                var runner = JobRunner(source: source, sinks: [sink], checkpoints: store, logger: .disabled)
                runner.now = { clock }
                let summary = try await runner.run()
                if index > 0 {
                    cpu += cpuSeconds() - started
                    records += summary.totalRecords
                    let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/job.checkpoint.json"))?[.size] as? Int
                    largest = max(largest, size ?? 0)
                }
            }
            await store.close()
            let requests = Double(sandbox.requests.count - requestsBefore)
            results.append(
                BenchmarkResult(
                    benchmark: "late data, 15-min runs for a day",
                    contender: lookback > 0 ? "lookback 48h (default)" : "lookback 0s (read once)",
                    metrics: [
                        ("requests/day", requests, "req"), ("of budget", requests / 15_000 * 100, "%"), ("records", Double(records), "rec"),
                        ("checkpoint", Double(largest) / 1_048_576, "MB"), ("CPU/run with the sandbox", cpu / 96 * 1000, "ms"),
                    ],
                    target: lookback > 0 ? "≤ 10 % of 15,000/day, \(Int(perDay)) messages/day" : ""))
        }
        return results
    }

    /// User and system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
