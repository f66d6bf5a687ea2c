import Foundation

/// Runs the real `chat-export` binary as a child process and measures it with `wait4`: wall
/// time, user and system CPU, and peak RSS of that process alone (the sandbox stays in the
/// benchmark's process, so its cost never counts against the exporter).
struct ExporterProcess {
    /// What one run of the exporter cost.
    struct Measurement {
        var wall: Double
        var user: Double
        var system: Double
        var peakRSSMegabytes: Double
        /// The exit status, or the negated signal number when it was killed.
        var status: Int32
        /// The records the run reported in its `job finished` line (0 when it did not finish).
        var records: Int
        /// Everything it wrote to stderr.
        var log: String

        var cpu: Double { user + system }
    }

    /// The `chat-export` binary next to this benchmark executable.
    let executable: String

    /// Uses `path`, or finds `chat-export` in the benchmark's own build directory.
    init(path: String? = nil) throws {
        if let path {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw BenchmarkError("--exporter \(path) is not an executable")
            }
            executable = path
            return
        }
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let candidate = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("chat-export").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw BenchmarkError("no chat-export next to the benchmark at \(candidate); build both first: swift build -c release")
        }
        executable = candidate
    }

    /// Runs `chat-export arguments…` until it exits, or kills it with SIGKILL as soon as
    /// `killWhen` returns true (polled every 2 ms). Its stderr is kept in `directory` meanwhile;
    /// its stdout goes to `stdout` (discarded by default).
    func run(_ arguments: [String], in directory: String, stdout: String = "/dev/null", killWhen: (() -> Bool)? = nil) throws -> Measurement
    {
        let logPath = directory + "/exporter-\(UUID().uuidString).log"
        defer { unlink(logPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let started = now()
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else {
            throw BenchmarkError("cannot start \(executable)")
        }
        var status: Int32 = 0
        var usage = rusage()
        var killed = false
        var peak = 0
        while true {
            // The child's own high-water mark: `ru_maxrss` would count this (large) process too,
            // as posix_spawn's child shares its memory until exec.
            peak = max(peak, ExporterProcess.highWaterMark(pid))
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid { break }
            if reaped < 0, errno != EINTR { throw BenchmarkError("wait4 failed: \(errno)") }
            if !killed, let killWhen, killWhen() {
                kill(pid, SIGKILL)
                killed = true
            }
            usleep(2000)
        }
        let wall = now() - started
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -(status & 0x7F)
        return Measurement(
            wall: wall,
            user: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            system: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
            peakRSSMegabytes: Double(peak) / 1024,
            status: exit,
            records: ExporterProcess.finishedRecords(log),
            log: log
        )
    }

    /// VmHWM (peak resident set, kB) of a running process, or 0 once it has exited.
    static func highWaterMark(_ pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }

    /// N from the `job finished: N records` log line.
    static func finishedRecords(_ log: String) -> Int {
        guard let range = log.range(of: "job finished: ") else { return 0 }
        return Int(log[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }
}

/// A benchmark that cannot run, with the reason.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
