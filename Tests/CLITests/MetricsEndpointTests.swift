import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

/// Attacks on `serve --metrics` through the binary: the endpoint stays bounded and the jobs keep
/// their file descriptors.
@Suite("serve --metrics under hostile local clients, through the binary")
struct MetricsEndpointTests {
    /// Starts the binary through /bin/sh with the open-file limit lowered to `openFiles`.
    static func startLimited(openFiles: Int, _ arguments: [String]) throws -> CLIHarness.Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -n \(openFiles) && exec \"$0\" \"$@\"", CLIHarness.executable.path] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return CLIHarness.Running(process: process, out: out, err: err)
    }

    /// Runs a system tool to its end: its status and stderr.
    static func runTool(_ path: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }

    /// A line of `/proc/PID/status` as a number (`Threads`).
    static func status(_ pid: Int32, _ field: String) -> Int? {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") }
        return line.flatMap { Int($0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces)) }
    }

    /// The file descriptor numbers a process holds.
    static func descriptors(_ pid: Int32) -> Set<Int> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { Int($0) })
    }

    /// Sends `bytes` on a new connection and reads until the server closes it (at most 30 s):
    /// the answer's status, and whether the server ended the connection.
    static func exchange(port: UInt16, _ bytes: [UInt8]) -> (status: Int?, closed: Bool) {
        guard let fd = LoopbackPort.connect(port: port) else { return (nil, false) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // The server may close before taking everything (it refuses bodies): read its answer.
            guard sent > 0 else { break }
            offset += sent
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while received.count < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += chunk[0..<count]
                continue
            }
            let closed = count == 0 || errno == ECONNRESET
            let text = String(decoding: received, as: UTF8.self)
            return (text.hasPrefix("HTTP/1.1 ") ? Int(text.dropFirst(9).prefix(3)) : nil, closed)
        }
        return (nil, false)
    }

    static func get(_ fields: String, body: [UInt8] = []) -> [UInt8] {
        Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\(fields)\r\n".utf8) + body
    }

    static let hostile: [(name: String, bytes: [UInt8], status: Int)] = [
        ("negative Content-Length", get("Content-Length: -100000\r\n"), 400),
        ("Content-Length Int64.max", get("Content-Length: 9223372036854775807\r\n"), 413),
        ("a 4 MiB body", get("Content-Length: 4194304\r\n", body: [UInt8](repeating: 98, count: 4 << 20)), 413),
        ("oversized head", get("X-Big: \(String(repeating: "a", count: 64 * 1024))\r\n"), 431),
        ("CR LF garbage", Array("\r\r\n\n\r\n\r\n".utf8), 400),
        ("duplicate Content-Length", get("Content-Length: 0\r\nContent-Length: 0\r\n"), 400),
    ]

    @Test(
        "under ulimit -n 256, 300 connections and hostile requests while a job runs: the job succeeds, /metrics answers, no thread per connection"
    )
    func flood() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 600, "page_size": 10, "page_delay": "40ms"}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        let port = try LoopbackPort.unused()
        let running = try Self.startLimited(openFiles: 256, ["serve", file, "--metrics", "127.0.0.1:\(port)"])
        var ended = false
        // Killed only while it is certainly ours: never after `wait()` reaped it.
        defer { if !ended { running.signal(SIGKILL) } }
        let started = CLIHarness.waitUntil {
            loopbackGet(port: port, path: "/metrics")?.contains("chat_export_job_running{job=\"job\"} 1") == true
        }
        #expect(started, "\(running.stderrSoFar)")
        let baseline = Self.descriptors(running.pid).count

        // More idle connections than the cap (64), more than the open-file limit allows at once.
        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        for _ in 0..<300 {
            guard let fd = LoopbackPort.connect(port: port) else { break }
            held.append(fd)
        }
        #expect(held.count == 300)
        for request in Self.hostile {
            let answer = Self.exchange(port: port, request.bytes)
            #expect(answer.status == request.status && answer.closed, "\(request.name): \(answer)")
        }
        #expect(loopbackGet(port: port, path: "/healthz") == "ok\n", "\(running.stderrSoFar)")
        // One thread for the endpoint, whatever the connections; descriptors bounded by the cap.
        let threads = try #require(Self.status(running.pid, "Threads"))
        #expect(threads < 40, "\(threads) threads")
        let descriptors = Self.descriptors(running.pid).count
        #expect(descriptors <= baseline + 64 + 16, "\(descriptors) descriptors, \(baseline) before the connections")

        var scraped = ""
        let succeeded = CLIHarness.waitUntil {
            scraped = loopbackGet(port: port, path: "/metrics") ?? ""
            return scraped.contains("chat_export_job_last_success_timestamp_seconds{job=\"job\"}")
        }
        #expect(succeeded, "\(running.stderrSoFar)")
        #expect(scraped.contains("chat_export_job_failures_total{job=\"job\"} 0"), "\(scraped)")
        #expect(try FilesOutput.ids(directory.path + "/out/messages").count == 600)
        #expect(!running.stderrSoFar.contains("Too many open files"), "\(running.stderrSoFar)")
        running.signal(SIGTERM)
        #expect(running.wait().status == 0)
        ended = true
    }

    @Test("out of file descriptors (EMFILE), accepting pauses and the endpoint answers again once descriptors are free")
    func outOfDescriptors() throws {
        let prlimit = "/usr/bin/prlimit"
        try #require(FileManager.default.isExecutableFile(atPath: prlimit), "util-linux's prlimit lowers the child's limit")
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 20, "page_size": 10}, "sinks": [{"type": "files", "dir": "out"}]}"#)
        let port = try LoopbackPort.unused()
        let running = try CLIHarness.start(["serve", file, "--metrics", "127.0.0.1:\(port)"])
        var ended = false
        // Killed only while it is certainly ours: never after `wait()` reaped it.
        defer { if !ended { running.signal(SIGKILL) } }
        let done = CLIHarness.waitUntil {
            loopbackGet(port: port, path: "/metrics")?.contains("chat_export_job_last_success_timestamp_seconds{job=\"job\"}") == true
        }
        #expect(done, "\(running.stderrSoFar)")

        // The job is done and the next run an hour away: lower the serving process's limit to the
        // descriptors it holds now, then open kept-alive connections until an accept fails with
        // EMFILE (the server may still close a descriptor of the scrapes above meanwhile).
        let limits = try String(contentsOfFile: "/proc/\(running.pid)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let values = line.split(separator: " ").compactMap { Int($0) }
        try #require(values.count == 2)
        let held = Self.descriptors(running.pid)
        let lowest = (0...).first { !held.contains($0) } ?? 0
        func setLimit(_ soft: Int) throws {
            let outcome = try Self.runTool(prlimit, ["--pid", "\(running.pid)", "--nofile=\(soft):\(values[1])"])
            try #require(outcome.status == 0, "\(outcome.stderr)")
        }
        try setLimit(lowest)
        let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        var probes: [Int32] = []
        defer { for fd in probes { close(fd) } }
        let failure = "cannot accept a connection (Too many open files)"
        while !running.stderrSoFar.contains(failure), probes.count < 16 {
            let probe = try #require(LoopbackPort.connect(port: port))
            probes.append(probe)
            #expect(send(probe, request, request.count, 0) == request.count)
            // Answered (so it holds a descriptor now), or left in the backlog by a failed accept.
            CLIHarness.waitUntil(limit: 60) {
                var polled = pollfd(fd: probe, events: Int16(POLLIN), revents: 0)
                return running.stderrSoFar.contains(failure) || poll(&polled, 1, 0) > 0
            }
        }
        #expect(running.stderrSoFar.contains(failure), "\(running.stderrSoFar)")
        #expect(running.process.isRunning)

        // A scrape after the failure: accepted (and the recovery logged) once descriptors are free.
        let waiting = try #require(LoopbackPort.connect(port: port))
        defer { close(waiting) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(waiting, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let closing = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        #expect(send(waiting, closing, closing.count, 0) == closing.count)
        try setLimit(values[0])
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(waiting, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += chunk[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200") && text.contains("chat_export_job_runs_total{job=\"job\"} 1"), "\(text)")
        #expect(CLIHarness.waitUntil { running.stderrSoFar.contains("accepting connections again") }, "\(running.stderrSoFar)")
        #expect(loopbackGet(port: port, path: "/healthz") == "ok\n")
        running.signal(SIGTERM)
        #expect(running.wait().status == 0)
        ended = true
    }
}
