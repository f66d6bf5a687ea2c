import ConnectorKit
import Foundation
import Testing

/// The Python tools the protocol tests drive, installed by `.ci/run` into `.build/venv` (one
/// virtualenv per tool, their dependencies conflict): Meltano, target-jsonl,
/// meltanolabs-target-postgres and the Airbyte protocol models. `CHAT_EXPORT_PROTOCOL_VENV`
/// points elsewhere. Tests that need a missing tool are skipped, saying which and how to install it.
enum ProtocolTools {
    /// The folder holding one virtualenv per tool.
    static let venv: String = {
        if let path = ProcessInfo.processInfo.environment["CHAT_EXPORT_PROTOCOL_VENV"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
        return root.appendingPathComponent(".build/venv").path
    }()

    static let meltano = venv + "/meltano/bin/meltano"
    static let targetJSONL = venv + "/target-jsonl/bin/target-jsonl"
    static let targetPostgres = venv + "/target-postgres/bin/target-postgres"
    static let airbytePython = venv + "/airbyte/bin/python"

    /// Why tests needing `tools` cannot run here, or nil.
    static func unavailable(_ tools: [String]) -> String? {
        let missing = tools.filter { !FileManager.default.isExecutableFile(atPath: $0) }
        guard !missing.isEmpty else { return nil }
        return "not installed: \(missing.joined(separator: ", ")) (`.ci/run` installs them from PyPI into \(venv); "
            + "or set CHAT_EXPORT_PROTOCOL_VENV)"
    }

    static let meltanoJSONLReason = unavailable([meltano, targetJSONL])
    static let meltanoPostgresReason = unavailable([meltano, targetPostgres])
    static let airbyteReason = unavailable([airbytePython])
}

/// Runs a program to its end and captures its status, stdout and stderr.
struct ProgramRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// A built executable of this package, next to the test bundle.
    static func product(_ name: String) -> String {
        let candidates = [
            Bundle.main.executableURL?.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for case let directory? in candidates {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url.path }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/\(name)").standardized
            .path
    }

    /// Runs `executable` with `arguments` in `directory`, the environment extended by `environment`.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil, stdin: String? = nil
    ) throws -> ProgramRun {
        try Running(executable, arguments, environment: environment, directory: directory, stdin: stdin).wait()
    }

    /// A started program.
    final class Running: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var out = Data()
        private var err = Data()
        private let group = DispatchGroup()

        init(_ executable: String, _ arguments: [String], environment: [String: String], directory: String?, stdin: String? = nil) throws {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            for (key, value) in environment { env[key] = value }
            process.environment = env
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            let outPipe = Pipe()
            let errPipe = Pipe()
            process.standardOutput = outPipe
            process.standardError = errPipe
            let input = Pipe()
            process.standardInput = stdin == nil ? FileHandle.nullDevice : input
            try process.run()
            if let stdin {
                input.fileHandleForWriting.write(Data(stdin.utf8))
                try input.fileHandleForWriting.close()
            }
            // Drained on threads of their own so a chatty child never blocks on a full pipe.
            for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
                group.enter()
                Thread.detachNewThread {
                    while case let data = pipe.fileHandleForReading.availableData, !data.isEmpty {
                        self.lock.withLock { if isOut { self.out.append(data) } else { self.err.append(data) } }
                    }
                    self.group.leave()
                }
            }
        }

        var stderrSoFar: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

        func wait() -> ProgramRun {
            process.waitUntilExit()
            group.wait()
            return lock.withLock {
                ProgramRun(
                    status: process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus,
                    stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
            }
        }
    }

    /// The lines of stdout.
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// A JSON value with every object's members sorted by key, so values that differ only in
/// member order compare equal (a target re-serialises what it stores).
func canonical(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let members): .object(members.sorted { $0.key < $1.key }.map { ($0.key, canonical($0.value)) })
    case .array(let elements): .array(elements.map(canonical))
    default: value
    }
}

/// Waits (polling, for at most `limit` seconds) until `condition` holds: synchronising on what
/// another process did, never on a guess of how long it takes.
@discardableResult
func waitUntil(limit: Double = 120, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(limit)
    while try !condition() {
        if Date() > deadline { return false }
        usleep(10_000)
    }
    return true
}
