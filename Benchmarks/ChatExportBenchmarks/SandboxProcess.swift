import ConnectorKit
import ConnectorTesting
import Foundation

/// `chat-export sandbox` in a process of its own, serving 30 days of cached Ada pages ending
/// three hours ago, ready once it has said where it listens.
final class SandboxProcess {
    let port: UInt16
    /// The end of the data.
    let end: Timestamp
    private let process = Process()

    init(executable: String, conversations: Int) throws {
        end = Timestamp(epochSeconds: Timestamp.now.epochSeconds / 3600 * 3600 - 3 * 3600)
        port = try LoopbackPort.unused()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "sandbox", "--port", "\(port)", "--conversations", "\(conversations)", "--messages-per-conversation", "8", "--days", "30",
            "--end", end.iso8601(), "--cache-pages", "yes",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Ready once it prints its address (after generating the dataset).
        var printed = Data()
        while !String(decoding: printed, as: UTF8.self).contains("listening on") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                stop()
                throw BenchmarkError("the sandbox process ended before listening")
            }
            printed.append(chunk)
        }
    }

    /// The first instant of the data.
    var start: Timestamp { end.adding(seconds: -30 * 86_400) }

    /// Stops it and waits for it.
    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        process.waitUntilExit()
    }
}
