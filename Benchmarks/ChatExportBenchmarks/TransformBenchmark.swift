import ConnectorKit
import ConnectorTesting
import Foundation
import Transforms
import VendorSandbox

/// The transforms on their own, in process: CPU per record of `redact` (every kind, every string
/// value) over the sandbox's Ada messages, as they come (few hits) and with every body taken
/// from the labelled corpus (a hit in most records), and of `pseudonymize` and `drop`.
enum TransformBenchmark {
    static func run(messages count: Int = 200_000) throws -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        let stream = AdaStreamsForBenchmark.messages
        for (label, texts) in [("sandbox bodies", nil as [String]?), ("corpus bodies", PrivacyCorpus.cases().map(\.text))] {
            var settings = SandboxSettings()
            settings.conversations = max(1, count / 8)
            settings.messageTexts = texts
            let dataset = SandboxDataset(settings: settings)
            let records = dataset.adaMessages.map {
                Record(stream: "messages", id: $0.id, cursor: $0.created, parentID: $0.conversationID, json: $0.json[...])
            }
            let transforms: [(String, any RecordTransform)] = [
                ("redact", RedactTransform()),
                ("pseudonymize chatter_id", PseudonymizeTransform(paths: [["chatter_id"]], key: Secret("benchmark-key-0123456789abcdef"))),
                ("drop message_data.external_chat_id", DropTransform(paths: [["message_data", "external_chat_id"]])),
            ]
            // `CHAT_EXPORT_BENCH_TRANSFORM=redact` measures only that one (for a profiler).
            let only = ProcessInfo.processInfo.environment["CHAT_EXPORT_BENCH_TRANSFORM"]
            for (name, transform) in transforms where (label == "sandbox bodies" || name == "redact") && (only.map { name == $0 } ?? true) {
                // Timed: the transform alone, on a fresh copy of the records each time (as a batch
                // arrives from the source), in batches of 10,000 like pages.
                var seconds = Double.infinity
                let started = now()
                var runs = 0
                var changed = 0
                while runs < 3 || now() - started < 3 {
                    var batches = stride(from: 0, to: records.count, by: 10_000).map {
                        Array(records[$0..<min($0 + 10_000, records.count)])
                    }
                    let t0 = now()
                    for index in batches.indices { try transform.apply(to: &batches[index], of: stream) }
                    seconds = min(seconds, now() - t0)
                    changed = zip(batches.joined(), records).reduce(0) { $0 + ($1.0.json.count != $1.1.json.count ? 1 : 0) }
                    runs += 1
                }
                results.append(
                    BenchmarkResult(
                        benchmark: "transform (\(records.count / 1000)k msgs)",
                        contender: "\(name), \(label)",
                        metrics: [
                            ("per record", seconds / Double(records.count) * 1e6, "µs"),
                            ("records/s", Double(records.count) / seconds, "rec/s"),
                            ("changed", Double(changed) / Double(records.count) * 100, "%"),
                        ],
                        target: name == "redact" ? "≤ 1.5 µs/record" : ""))
            }
        }
        return results
    }
}

/// Ada's messages stream as the connector declares it (the benchmark does not link the connector).
enum AdaStreamsForBenchmark {
    static let messages = StreamDescriptor(
        name: "messages", summary: "Messages.", cursorField: "date_created", cursorColumn: "created_at", parentField: "conversation_id")
}
