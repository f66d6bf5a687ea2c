import ConnectorKit
import Foundation
import VendorSandbox

extension EndToEndBenchmark {
    /// The files sink's formats side by side: JSON Lines, gzip JSON Lines and Parquet, at 100k
    /// and 1M messages: CPU per record and peak RSS of the exporter, and the published bytes.
    func formats() throws -> [BenchmarkResult] {
        let all = sandbox.dataset.adaMessages.count
        let tenth = start(forLast: all / 10)
        var results: [BenchmarkResult] = []
        var plain: (cpu: Double, bytes: Int)?
        for format in ["jsonl", "jsonl.gz", "parquet"] {
            for (label, start) in [("small", tenth), ("full", sandbox.dataset.start)] {
                let name = "format-\(label)"
                let config = try job(
                    name, start: start,
                    sink: .object([("type", .string("files")), ("dir", .string(name + "-out")), ("format", .string(format))]))
                let run = try median(name, config: config, expected: expected(from: start))
                let bytes = publishedBytes(name)
                clean(name)
                var result = exportResult(
                    "e2e → files, \(format)", run, target: label == "full" ? "gzip ≤ 2×, parquet ≤ 3× plain CPU; ≤ 150 MB" : "flat RSS")
                result.metrics.append(("published", Double(bytes) / 1_048_576, "MB"))
                if label == "full" {
                    if format == "jsonl" { plain = (run.cpu, bytes) }
                    if let plain {
                        result.metrics.append(("CPU vs jsonl", run.cpu / plain.cpu, "×"))
                        result.metrics.append(("ratio", Double(plain.bytes) / Double(max(1, bytes)), ":1"))
                    }
                }
                results.append(result)
            }
        }
        return results
    }

    /// The bytes of a files sink's published parts.
    func publishedBytes(_ name: String) -> Int {
        let root = directory + "/" + name + "-out"
        return (FileManager.default.subpaths(atPath: root) ?? []).filter { ($0 as NSString).lastPathComponent.hasPrefix("part-") }.reduce(0)
        {
            $0 + ((try? FileManager.default.attributesOfItem(atPath: root + "/" + $1))?[.size] as? Int ?? 0)
        }
    }
}
