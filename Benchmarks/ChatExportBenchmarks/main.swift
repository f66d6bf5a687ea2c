import ConnectorRuntime
import Foundation

// Release-mode benchmarks: `swift run -c release chat-export-bench [--json PATH]`.
// Each benchmark runs its contenders side by side in one process so machine noise cancels.

var results: [BenchmarkResult] = []
let arguments = CommandLine.arguments
let jsonPath = arguments.firstIndex(of: "--json").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }

results += try ScannerBenchmark.run()

print(BenchmarkResult.table(results))
if let jsonPath {
    let document = JSONValue.array(results.map(\.json)).serialized(pretty: true) + "\n"
    try Data(document.utf8).write(to: URL(fileURLWithPath: jsonPath))
    print("wrote \(jsonPath)")
}
