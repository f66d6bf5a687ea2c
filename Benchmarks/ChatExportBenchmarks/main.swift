import ConnectorKit
import Foundation

// Release-mode benchmarks:
//   swift build -c release && .build/release/chat-export-bench [--only NAMES] [--json PATH] [--exporter PATH] [--baseline PATH]
// NAMES: scanner, transforms, export, deepconverse, sqlite, ratelimit, limits, late, idle, process, protocol, e2e (or e2e-files, e2e-sqlite, e2e-postgres, e2e-resume, e2e-formats, e2e-redact).
// --exporter runs the end-to-end benchmarks against another chat-export binary; --baseline PATH
// adds that build's JSON Lines runs to the same table, side by side (before/after a change).
// Each benchmark runs its contenders side by side in one process so machine noise cancels.

var results: [BenchmarkResult] = []
let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
let jsonPath = option("--json")
let only = option("--only")
func selected(_ name: String) -> Bool { only.map { $0.split(separator: ",").contains(Substring(name)) } ?? true }

if selected("scanner") { results += try ScannerBenchmark.run() }
if selected("transforms") { results += try TransformBenchmark.run() }
if selected("export") { results.append(try await ExportBenchmark.jsonLines(messages: 100_000)) }
if selected("deepconverse") { results.append(try await ExportBenchmark.deepConverse(messages: 100_000)) }
if selected("sqlite") { results += try await SQLiteBenchmark.run(messages: 1_000_000) }
if selected("ratelimit") { results += try await ExportBenchmark.rateLimit() }
if selected("process") {
    results += try SeparateSandboxBenchmark(messages: 1_000_000, exporter: option("--exporter"), baseline: option("--baseline")).run()
}
if selected("protocol") { results += try ProtocolBenchmark(messages: 400_000).results() }
if selected("idle") { results.append(try await IdleBenchmark.run()) }
if selected("late") { results += try await LateDataBenchmark.run() }
if selected("limits") { results += try AdaLimitsBenchmark.run(exporter: option("--exporter")) }
let endToEndParts = ["files", "sqlite", "postgres", "resume", "formats", "redact"].filter { selected("e2e") || selected("e2e-" + $0) }
if !endToEndParts.isEmpty {
    do {
        let endToEnd = try EndToEndBenchmark(messages: 1_000_000, exporter: option("--exporter"), baseline: option("--baseline"))
        defer { endToEnd.stop() }
        results += try endToEnd.run(parts: Set(endToEndParts))
    } catch {
        FileHandle.standardError.write(Data("chat-export-bench: e2e: \(error)\n".utf8))
        exit(1)
    }
}

print(BenchmarkResult.table(results))
if let jsonPath {
    let document = JSONValue.array(results.map(\.json)).serialized(pretty: true) + "\n"
    try Data(document.utf8).write(to: URL(fileURLWithPath: jsonPath))
    print("wrote \(jsonPath)")
}
