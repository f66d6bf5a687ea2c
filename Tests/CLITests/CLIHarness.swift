import ConnectorKit
import ConnectorTesting
import Foundation

/// Runs the built `chat-export` binary and captures its exit status, stdout and stderr.
struct CLIHarness {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The built executable, next to the test bundle.
    static let executable: URL = {
        let candidates = [
            Bundle.main.executableURL?.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for case let directory? in candidates {
            let url = directory.appendingPathComponent("chat-export")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/chat-export")
            .standardized
    }()

    /// Runs the binary to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> Outcome {
        let process = try start(arguments, environment: environment, directory: directory)
        return process.wait()
    }

    /// Starts `run CONFIG` `times` times and SIGKILLs each run after a random delay in `delays`.
    ///
    /// - Returns: How many runs the kill actually ended (a run may finish first).
    static func killRuns(of config: String, times: Int, after delays: ClosedRange<Double>) throws -> Int {
        var random = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<times {
            let running = try start(["run", config, "--progress", "off"])
            Thread.sleep(forTimeInterval: Double.random(in: delays, using: &random))
            running.signal(SIGKILL)
            if running.wait().status == 128 + SIGKILL { kills += 1 }
        }
        return kills
    }

    /// Waits (polling, for at most `limit` seconds) until `condition` holds: synchronising on
    /// something the other process did, never on a guess of how long it takes.
    ///
    /// - Returns: Whether it held.
    @discardableResult
    static func waitUntil(limit: Double = 120, _ condition: () -> Bool) -> Bool {
        let deadline = MonotonicClock.seconds() + limit
        while !condition() {
            if MonotonicClock.seconds() > deadline { return false }
            usleep(5_000)
        }
        return true
    }

    /// Runs another program (a shell script a README shows) to completion.
    static func runProgram(_ program: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil)
        throws -> Outcome
    {
        try start(arguments, environment: environment, directory: directory, program: URL(fileURLWithPath: program)).wait()
    }

    /// Starts the binary (or `program`); call `wait()` on the result.
    static func start(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil, program: URL? = nil) throws
        -> Running
    {
        let process = Process()
        process.executableURL = program ?? executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return Running(process: process, out: out, err: err)
    }

    final class Running: @unchecked Sendable {
        let process: Process
        private let out: Pipe
        private let err: Pipe
        private let lock = NSLock()
        private var stdoutData = Data()
        private var stderrData = Data()
        private let group = DispatchGroup()

        init(process: Process, out: Pipe, err: Pipe) {
            self.process = process
            self.out = out
            self.err = err
            // Drain both pipes on dedicated threads (not the width-limited global queue, which
            // parallel tests can exhaust), so a chatty child never blocks on a full pipe.
            group.enter()
            Thread.detachNewThread {
                self.drain(out.fileHandleForReading) { $0.stdoutData.append($1) }
                self.group.leave()
            }
            group.enter()
            Thread.detachNewThread {
                self.drain(err.fileHandleForReading) { $0.stderrData.append($1) }
                self.group.leave()
            }
        }

        private func drain(_ handle: FileHandle, into append: (Running, Data) -> Void) {
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                lock.withLock { append(self, data) }
            }
        }

        /// What the process printed to stdout so far.
        var stdoutSoFar: String { lock.withLock { String(decoding: stdoutData, as: UTF8.self) } }

        /// What the process printed to stderr so far.
        var stderrSoFar: String { lock.withLock { String(decoding: stderrData, as: UTF8.self) } }

        var pid: Int32 { process.processIdentifier }

        func signal(_ number: Int32) { kill(process.processIdentifier, number) }

        func wait() -> Outcome {
            process.waitUntilExit()
            group.wait()
            return Outcome(
                status: process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus,
                stdout: stdoutSoFar,
                stderr: stderrSoFar
            )
        }
    }
}
