import ConnectorKit
import Foundation
import VendorSandbox

extension EndToEndBenchmark {
    /// The 1M-message JSON Lines job with and without `"transforms": [{"type": "redact"}]`, runs
    /// alternated so machine noise hits both alike: what redaction adds to a run, in CPU per record.
    func redact() throws -> [BenchmarkResult] {
        let all = sandbox.dataset.adaMessages.count
        let plain = try filesJob("files", start: sandbox.dataset.start)
        let redacting = try job(
            "files-redact", start: sandbox.dataset.start,
            sink: .object([("type", .string("files")), ("dir", .string("files-redact-out"))]),
            extra: [("transforms", .array([.object([("type", .string("redact"))])]))])
        var without: [ExporterProcess.Measurement] = []
        var with: [ExporterProcess.Measurement] = []
        for _ in 0..<max(3, repetitions) {
            clean("files")
            without.append(try run(plain, expected: all))
            clean("files-redact")
            with.append(try run(redacting, expected: all))
        }
        clean("files")
        clean("files-redact")
        let median = { (runs: [ExporterProcess.Measurement]) in runs.sorted { $0.cpu < $1.cpu }[runs.count / 2] }
        let base = median(without)
        let redacted = median(with)
        var result = exportResult("e2e → JSON Lines + redact", redacted, target: "≤ 1.5 µs CPU/record on top of the run")
        result.metrics.insert(("added", (redacted.cpu - base.cpu) / Double(all) * 1e6, "µs/rec"), at: 0)
        return [exportResult("e2e → JSON Lines (no transform)", base, target: ""), result]
    }
}
