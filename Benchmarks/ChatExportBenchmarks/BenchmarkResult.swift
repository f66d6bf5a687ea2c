import ConnectorKit
import Foundation

/// One measured line of the benchmark table.
struct BenchmarkResult {
    var benchmark: String
    var contender: String
    var metrics: [(name: String, value: Double, unit: String)]
    var target: String = ""

    var json: JSONValue {
        .object([
            ("benchmark", .string(benchmark)),
            ("contender", .string(contender)),
            (
                "metrics",
                .object(
                    metrics.map { ($0.name, .object([("value", .double(($0.value * 100).rounded() / 100)), ("unit", .string($0.unit))])) })
            ),
            ("target", .string(target)),
        ])
    }

    static func table(_ results: [BenchmarkResult]) -> String {
        var lines = ["benchmark                     contender                       metrics"]
        for result in results {
            let metrics = result.metrics.map { String(format: "%.1f %@", $0.value, $0.unit) }.joined(separator: ", ")
            lines.append(
                result.benchmark.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + result.contender.padding(toLength: 32, withPad: " ", startingAt: 0) + metrics
                    + (result.target.isEmpty ? "" : "   [target: \(result.target)]")
            )
        }
        return lines.joined(separator: "\n")
    }
}

/// Monotonic seconds.
func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Runs `body` repeatedly for at least `seconds` and returns the best time of one run.
func bestTime(seconds: Double = 2, minimumRuns: Int = 5, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    let start = now()
    var runs = 0
    while runs < minimumRuns || now() - start < seconds {
        let t0 = now()
        try body()
        best = min(best, now() - t0)
        runs += 1
    }
    return best
}
