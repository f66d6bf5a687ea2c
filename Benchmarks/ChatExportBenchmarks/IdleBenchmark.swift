import ConnectorHTTP
import ConnectorKit
import Foundation
import VendorSandbox

/// What waiting costs: 4 concurrent requests to a server that answers after 2 s, three rounds,
/// measured as this process's CPU seconds per wall second (`getrusage`). The sandbox's slow
/// answers wait on a condition variable, so the figure is the client's.
enum IdleBenchmark {
    static func run() async throws -> BenchmarkResult {
        var settings = SandboxSettings()
        settings.conversations = 20
        settings.latency = 2
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        var configuration = VendorHTTPClient.Configuration(
            baseURL: sandbox.baseURL, credential: .bearer(Secret(settings.adaToken)), requestsPerSecond: 1000)!
        configuration.retry = RetryPolicy(maxAttempts: 1)
        let client = VendorHTTPClient(configuration: configuration, limiters: RateLimiterRegistry(), logger: .disabled)
        let url = client.url(
            "/api/v2/export/messages",
            query: [
                ("created_since", sandbox.dataset.start.iso8601()), ("created_to", settings.end.iso8601()), ("page_size", "100"),
            ])
        // One warm-up request opens the connections' machinery outside the measurement.
        _ = try await client.get(url) { $0.status }
        let cpuBefore = processCPU()
        let started = MonotonicClock.seconds()
        for _ in 0..<3 {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await client.get(url) { $0.status } } }
                for try await status in group where status != 200 { throw BenchmarkError("idle: status \(status)") }
            }
        }
        let wall = MonotonicClock.seconds() - started
        let cpu = processCPU() - cpuBefore
        return BenchmarkResult(
            benchmark: "idle wait (4 × 2 s answers)",
            contender: "transport",
            metrics: [("wall", wall, "s"), ("cpu", cpu * 1000, "ms"), ("cpu per wall s", cpu / wall * 1000, "ms/s")],
            target: "≤ 30 ms CPU per wall s (0.03)"
        )
    }

    /// User plus system CPU seconds of this process.
    static func processCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
