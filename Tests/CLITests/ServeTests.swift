import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// GET on `host`:port (127.0.0.1 by default) with a plain socket: the body, or nil when nothing answers.
func loopbackGet(host: String = "127.0.0.1", port: UInt16, path: String) -> String? {
    guard let fd = LoopbackPort.connect(host: host, port: port) else { return nil }
    defer { close(fd) }
    // Bounded: a server that stalls makes this read give up after 10 s instead of hanging the test.
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    guard send(fd, request, request.count, 0) == request.count else { return nil }
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response += chunk[0..<n]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard text.hasPrefix("HTTP/1.1 200"), let split = text.range(of: "\r\n\r\n") else { return nil }
    return String(text[split.upperBound...])
}

@Suite("serve through the binary")
struct ServeTests {
    @Test("serve DIR --once runs every job to a success and exits 0; a job that cannot succeed makes it exit 1; a bad file exits 78")
    func once() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        _ = try directory.write(
            "jobs/a.json",
            #"{"source": {"type": "synthetic", "records": 120, "page_size": 40}, "sinks": [{"type": "files", "dir": "../out-a"}], "schedule": {"every": "15m"}}"#
        )
        _ = try directory.write(
            "jobs/b.json",
            #"{"source": {"type": "synthetic", "records": 80, "page_size": 40, "seed": 2}, "sinks": [{"type": "files", "dir": "../out-b"}]}"#
        )
        let outcome = try CLIHarness.run(["serve", directory.path + "/jobs", "--once"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("serving 2 jobs (a every 15 min, b every 1 h)"), "\(outcome.stderr)")
        #expect(try FilesOutput.ids(directory.path + "/out-a/messages").count == 120)
        #expect(try FilesOutput.ids(directory.path + "/out-b/messages").count == 80)

        // A rejected token is not temporary: --once stops waiting for that job and exits 1.
        let rejected = try directory.write(
            "rejected.json",
            adaJob(sandbox, sinks: #"[{"type": "files", "dir": "out-r"}]"#).replacingOccurrences(
                of: sandbox.settings.adaToken, with: "wrong-token"))
        let failing = try CLIHarness.run(["serve", rejected, directory.path + "/jobs/a.json", "--once"])
        #expect(failing.status == 1, "\(failing.stderr)")
        #expect(failing.stderr.contains("rejected: run failed"), "\(failing.stderr)")
        // The log says what happens next: no "trying again" for a failure --once does not retry.
        #expect(failing.stderr.contains("needs a person: not tried again by this --once run"), "\(failing.stderr)")
        #expect(!failing.stderr.contains("trying again"), "\(failing.stderr)")

        let bad = try directory.write("bad.json", #"{"source": {"type": "synthetic"}, "sinks": [], "schedule": {"every": "soon"}}"#)
        let invalid = try CLIHarness.run(["serve", bad])
        #expect(invalid.status == 78)
        #expect(invalid.stderr.contains("schedule.every"), "\(invalid.stderr)")
        #expect(try CLIHarness.run(["serve", directory.path + "/nothing-here"]).status == 64)
    }

    @Test("serve --metrics: /metrics in Prometheus text with a line per job, /healthz ok; SIGTERM exits 0")
    func metrics() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 50, "page_size": 10}, "sinks": [{"type": "files", "dir": "out"}]}"#)
        let ada = try directory.write("ada.json", adaJob(sandbox, sinks: #"[{"type": "files", "dir": "out-ada"}]"#))
        let port = try LoopbackPort.unused()
        let running = try CLIHarness.start(["serve", file, ada, "--metrics", "127.0.0.1:\(port)"])
        var scraped = ""
        let finished = CLIHarness.waitUntil {
            scraped = loopbackGet(port: port, path: "/metrics") ?? ""
            return scraped.contains("chat_export_job_last_success_timestamp_seconds{job=\"job\"}")
                && scraped.contains("chat_export_job_last_success_timestamp_seconds{job=\"ada\"}")
        }
        #expect(finished, "\(running.stderrSoFar)")
        #expect(loopbackGet(port: port, path: "/healthz") == "ok\n")
        var samples: [String: Double] = [:]
        for line in scraped.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            #expect(parts.count == 2 && (parts[0].hasSuffix("{job=\"job\"}") || parts[0].hasSuffix("{job=\"ada\"}")), "\(line)")
            samples[String(parts[0])] = Double(parts.last ?? "")
        }
        #expect(samples["chat_export_job_runs_total{job=\"job\"}"] == 1)
        #expect(samples["chat_export_job_records_total{job=\"job\"}"] == 100)
        #expect(samples["chat_export_job_running{job=\"job\"}"] == 0)
        // The Ada job's data is complete up to the sandbox's end: it is behind now by at least that much.
        let behind = try #require(samples["chat_export_job_seconds_behind{job=\"ada\"}"])
        #expect(behind >= Double(Timestamp.now.epochSeconds - sandbox.settings.end.epochSeconds) - 5)
        #expect(samples["chat_export_job_seconds_behind{job=\"job\"}"] == nil, "a source without a time position reports none")
        #expect(scraped.contains("# TYPE chat_export_job_runs_total counter"))
        running.signal(SIGTERM)
        #expect(running.wait().status == 0)
    }

    @Test(
        "serve DIR serves only its job files across restarts (checkpoints, definitions, editor files are not jobs); an invalid job file is reported, skipped and shown in /metrics"
    )
    func directoryRestarts() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let jobs = directory.path + "/jobs"
        // A files job keeps its checkpoint next to its config: jobs/ada.checkpoint.json.
        let ada = try directory.write("jobs/ada.json", adaJob(sandbox, sinks: #"[{"type": "files", "dir": "../out-ada"}]"#))
        _ = try directory.write(
            "jobs/synthetic.json",
            #"{"source": {"type": "synthetic", "records": 60, "page_size": 20}, "sinks": [{"type": "sqlite", "path": "../out/db.sqlite"}]}"#
        )
        _ = try directory.write("jobs/acme.json", #"{"name": "acme", "streams": []}"#)
        _ = try directory.write("jobs/notes.json", #"["not", "a", "job"]"#)
        _ = try directory.write("jobs/.ada.json.swp", "binary editor state")
        try FileManager.default.copyItem(atPath: ada, toPath: ada + "~")
        for round in 1...3 {
            let outcome = try CLIHarness.run(["serve", jobs, "--once"])
            #expect(outcome.status == 0, "round \(round): \(outcome.stderr)")
            #expect(outcome.stderr.contains("serving 2 jobs (ada every 1 h, synthetic every 1 h)"), "\(outcome.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: jobs + "/ada.checkpoint.json"))
        #expect(try FilesOutput.ids(directory.path + "/out-ada/messages").count == sandbox.dataset.adaMessages.count)

        _ = try directory.write("jobs/broken.json", #"{"source": {"type": "ada-v2", "token": "x"}, "sinks": []}"#)
        let once = try CLIHarness.run(["serve", jobs, "--once"])
        #expect(once.status == 1, "an invalid job file needs a person: \(once.stderr)")
        #expect(once.stderr.contains("broken.json: invalid job file, skipped"), "\(once.stderr)")
        #expect(once.stderr.contains("serving 2 jobs"), "\(once.stderr)")
        let port = try LoopbackPort.unused()
        let running = try CLIHarness.start(["serve", jobs, "--metrics", "127.0.0.1:\(port)"])
        var scraped = ""
        let ran = CLIHarness.waitUntil {
            scraped = loopbackGet(port: port, path: "/metrics") ?? ""
            return scraped.contains("chat_export_job_last_success_timestamp_seconds{job=\"synthetic\"}")
                && scraped.contains("chat_export_job_last_success_timestamp_seconds{job=\"ada\"}")
        }
        #expect(ran, "\(running.stderrSoFar)")
        #expect(scraped.contains("chat_export_job_file_invalid{file=\"\(jobs)/broken.json\"} 1"), "\(scraped)")
        running.signal(SIGTERM)
        #expect(running.wait().status == 0)
    }
}
