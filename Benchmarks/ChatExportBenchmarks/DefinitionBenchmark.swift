import AdaCommon
import ConnectorHTTP
import ConnectorKit
import ConnectorRuntime
import FilesSink
import Foundation
import RestConnector
import VendorSandbox

/// The same export through the native Ada v2 connector and through its built-in connector
/// definition (`"type": "rest"`): what the declarative layer costs.
enum DefinitionBenchmark {
    static func run(messages: Int, rounds: Int = 3) async throws -> [BenchmarkResult] {
        let sandbox = try ExportBenchmark.sandbox(messages: messages)
        defer { sandbox.stop() }
        let native = ExportBenchmark.source(sandbox, streams: ["messages"], rate: 10_000, pageSize: 10_000)
        let made = try RestSource.make(
            config: .object([
                ("type", .string("rest")), ("definition", .string("ada-v2")), ("base_url", .string(sandbox.baseURL)),
                ("token", .string(sandbox.settings.adaToken)), ("streams", .array([.string("messages")])),
                ("start", .string(sandbox.dataset.start.iso8601())), ("end", .string(sandbox.settings.end.iso8601())),
                ("page_size", .number("10000")),
            ]))
        let definition = RestSource(
            definition: made.definition, settings: made.settings, http: native.client.configuration, logger: .disabled)
        var best: [String: Double] = [:]
        for _ in 0..<rounds {
            for (name, source) in [("native ada-v2", native as any Source), ("rest definition ada-v2", definition)] {
                let directory = FileManager.default.temporaryDirectory.path + "/chat-export-bench-" + UUID().uuidString
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let store = try FileCheckpointStore(path: directory + "/job.checkpoint.json")
                let started = now()
                let summary = try await JobRunner(
                    source: source, sinks: [FilesSink(settings: .init(directory: directory + "/out"))], checkpoints: store,
                    logger: .disabled
                ).run()
                let seconds = now() - started
                await store.close()
                precondition(summary.totalRecords == sandbox.dataset.adaMessages.count)
                best[name] = min(best[name] ?? .infinity, seconds)
            }
        }
        return ["native ada-v2", "rest definition ada-v2"].map { name in
            let seconds = best[name] ?? 0
            return BenchmarkResult(
                benchmark: "ada-v2 → files, native vs definition",
                contender: "\(name), \(messages) messages (best of \(rounds))",
                metrics: [("time", seconds, "s"), ("records/s", Double(sandbox.dataset.adaMessages.count) / seconds, "rec/s")])
        }
    }
}
