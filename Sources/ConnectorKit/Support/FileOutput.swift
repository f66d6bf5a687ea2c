import Foundation

/// Serialised, whole-line writes to a file descriptor, shared by loggers and the progress line.
package final class FileOutput: @unchecked Sendable {
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

    /// Shows `line` as the live line, cut to the terminal's width: a line that wrapped would
    /// leave its first rows behind on every redraw.
    func setLiveLine(_ line: String?) {
        let fitted = line.map { FileOutput.fit($0, columns: columns) }
        lock.lock()
        defer { lock.unlock() }
        writeAll("\r\u{1B}[K" + (fitted ?? ""))
        liveLine = fitted
    }

    /// The terminal's width, or 80 when it cannot be read.
    var columns: Int {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// `line` shortened to fit `columns - 1` characters, ending in `…` when cut.
    package static func fit(_ line: String, columns: Int) -> String {
        let room = max(8, columns - 1)
        guard line.count > room else { return line }
        return String(line.prefix(room - 1)) + "…"
    }

    private func writeAll(_ text: String) {
        // A log line must never crash the job: a failed write is dropped.
        _ = FileSystem.writeAll(fd: fd, Array(text.utf8))
    }
}
