import Foundation

/// Serialised, whole-line writes to a file descriptor, shared by loggers and the progress line.
final class FileOutput: @unchecked Sendable {
    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var outputs: [Int32: FileOutput] = [:]

    /// The one writer for `fd`, so lines from different writers never interleave.
    static func shared(_ fd: Int32) -> FileOutput {
        registryLock.lock()
        defer { registryLock.unlock() }
        if let existing = outputs[fd] { return existing }
        let output = FileOutput(fd: fd)
        outputs[fd] = output
        return output
    }

    let fd: Int32
    let lock = NSLock()
    /// A live progress line currently on screen, to clear before writing a log line.
    var liveLine: String?

    private init(fd: Int32) { self.fd = fd }

    /// Whether the descriptor is a terminal.
    var isTerminal: Bool { isatty(fd) == 1 }

    func writeLine(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        if liveLine != nil { writeAll("\r\u{1B}[K") }
        writeAll(line + "\n")
        if let live = liveLine { writeAll(live) }
    }

    func setLiveLine(_ line: String?) {
        lock.lock()
        defer { lock.unlock() }
        writeAll("\r\u{1B}[K" + (line ?? ""))
        liveLine = line
    }

    private func writeAll(_ text: String) {
        // A log line must never crash the job: a failed write is dropped.
        _ = FileSystem.writeAll(fd: fd, Array(text.utf8))
    }
}
