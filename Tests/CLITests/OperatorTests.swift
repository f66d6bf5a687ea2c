import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// This machine's first IPv4 address that is not loopback, if it has one.
func nonLoopbackIPv4() -> String? {
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0, let first = list else { return nil }
    defer { freeifaddrs(list) }
    var cursor: UnsafeMutablePointer<ifaddrs>? = first
    while let entry = cursor {
        defer { cursor = entry.pointee.ifa_next }
        guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
        let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        var copy = ipv4
        guard inet_ntop(AF_INET, &copy, &buffer, socklen_t(buffer.count)) != nil else { continue }
        let text = String(cString: buffer)
        if !text.hasPrefix("127.") { return text }
    }
    return nil
}

@Suite("Operating the service through the binary")
struct OperatorTests {
    @Test("serve --metrics 0.0.0.0:PORT listens on every interface when asked explicitly, and says so; a host name is refused")
    func metricsOnEveryInterface() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 10}, "sinks": [{"type": "files", "dir": "out"}]}"#)
        let port = try LoopbackPort.unused()
        let running = try CLIHarness.start(["serve", file, "--metrics", "0.0.0.0:\(port)"])
        defer {
            running.signal(SIGTERM)
            _ = running.wait()
        }
        // Through another interface when the machine has one; through loopback, which 0.0.0.0 covers, always.
        let hosts = [nonLoopbackIPv4(), "127.0.0.1"].compactMap { $0 }
        #expect(CLIHarness.waitUntil { loopbackGet(port: port, path: "/healthz") == "ok\n" }, "\(running.stderrSoFar)")
        for host in hosts {
            #expect(loopbackGet(host: host, port: port, path: "/metrics")?.contains("chat_export_job_runs_total") == true, "\(host)")
        }
        if let other = nonLoopbackIPv4() {
            // The control: bound to loopback, it is not reachable through that interface.
            let loopbackPort = try LoopbackPort.unused()
            let loopbackOnly = try CLIHarness.start(["serve", file, "--metrics", "127.0.0.1:\(loopbackPort)"])
            defer {
                loopbackOnly.signal(SIGTERM)
                _ = loopbackOnly.wait()
            }
            #expect(CLIHarness.waitUntil { loopbackGet(port: loopbackPort, path: "/healthz") == "ok\n" })
            #expect(loopbackGet(host: other, port: loopbackPort, path: "/healthz") == nil)
        }
        #expect(running.stderrSoFar.contains("metrics on http://0.0.0.0:\(port)/metrics"), "\(running.stderrSoFar)")
        #expect(running.stderrSoFar.contains("reachable from other hosts, without authentication"))

        for address in ["metrics.example.com:9464", "0.0.0.0", "[::]:9464", "10.0.0.300:9464"] {
            let refused = try CLIHarness.run(["serve", file, "--once", "--metrics", address])
            #expect(refused.status == 64, "\(address): \(refused.stderr)")
            #expect(refused.stderr.contains("--metrics: expected HOST:PORT with an IPv4 address"), "\(refused.stderr)")
        }
    }

    @Test("a cron schedule is validated with the job (5 fields, UTC), and serve --once runs a cron job at once")
    func cronSchedule() throws {
        let directory = TemporaryDirectory()
        func job(_ schedule: String) -> String {
            #"{"source": {"type": "synthetic", "records": 30}, "sinks": [{"type": "files", "dir": "out"}], "schedule": \#(schedule)}"#
        }
        let good = try directory.write("good.json", job(#"{"cron": "*/15 * * * MON-FRI"}"#))
        #expect(try CLIHarness.run(["validate", good]).status == 0)
        let served = try CLIHarness.run(["serve", good, "--once"])
        #expect(served.status == 0, "\(served.stderr)")
        #expect(served.stderr.contains(#"serving 1 job (good cron "*/15 * * * MON-FRI" (UTC))"#), "\(served.stderr)")
        #expect(try FilesOutput.ids(directory.path + "/out/messages").count == 30)

        for (schedule, problem) in [
            (#"{"cron": "*/15 * * *"}"#, "schedule.cron: expected 5 fields (minute hour day-of-month month day-of-week), got 4"),
            (#"{"cron": "0 0 30 2 *"}"#, "schedule.cron: never fires"),
            (#"{"cron": "*/15 * * * *", "every": "15m"}"#, "schedule: give either every or cron, not both"),
            (#"{"crn": "* * * * *"}"#, "did you mean \"cron\""),
        ] {
            let file = try directory.write("bad.json", job(schedule))
            let outcome = try CLIHarness.run(["validate", file])
            #expect(outcome.status == 78, "\(schedule): \(outcome.stderr)")
            #expect(outcome.stderr.contains(problem), "\(outcome.stderr)")
        }
    }

    @Test(
        "run --since accepts a duration back from now and today/yesterday (UTC), planned at CHAT_EXPORT_NOW",
        arguments: [
            ("7d", "2026-11-28T12:30:00Z"), ("36h", "2026-12-04T00:30:00Z"), ("yesterday", "2026-12-04T00:00:00Z"),
            ("today", "2026-12-05T00:00:00Z"),
        ])
    func relativeSince(_ since: String, _ expected: String) throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)", "streams": ["messages"], "rate_limits": {"per_minute": 0}}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        let environment = ["CHAT_EXPORT_NOW": "2026-12-05T12:30:00Z"]
        let outcome = try CLIHarness.run(["run", file, "--since", since, "--progress", "off"], environment: environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("backfill of \(expected) to now written"), "\(outcome.stderr)")
        // The earliest bound asked for (windows are read several at once, in any order).
        let starts = sandbox.requests.compactMap { $0.parameter("created_since").flatMap(Timestamp.init(iso8601:)) }
        #expect(starts.min()?.iso8601() == expected)

        let bad = try CLIHarness.run(["run", file, "--since", "last week"], environment: environment)
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("a duration back from now (7d, 12h, 90m, up to 366d) or today, yesterday, now"), "\(bad.stderr)")
    }
}
