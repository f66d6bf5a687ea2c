import Foundation

/// Helpers for sinks that write one record per line.
public enum JSONLines {
    /// Appends a record's bytes and a newline to `buffer`.
    ///
    /// JSON allows raw line breaks only as whitespace between tokens, so any CR or LF in the
    /// record (a pretty-printed vendor page) is written as a space: the line still parses to the
    /// same value. Compact records are copied byte for byte.
    ///
    /// - Parameters:
    ///   - json: The record's raw JSON.
    ///   - buffer: Where to append.
    public static func appendLine(_ json: ArraySlice<UInt8>, to buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: json)
        let hasBreak = json.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return false }
            return memchr(base, 0x0A, raw.count) != nil || memchr(base, 0x0D, raw.count) != nil
        }
        if hasBreak {
            for index in start..<buffer.count where buffer[index] == 0x0A || buffer[index] == 0x0D {
                buffer[index] = 0x20
            }
        }
        buffer.append(0x0A)
    }

    /// Writes every byte of `bytes` to `fd`, retrying short writes and `EINTR`.
    ///
    /// - Parameters:
    ///   - fd: The file descriptor.
    ///   - bytes: The bytes.
    /// - Returns: `false` on an error, with `errno` set.
    public static func writeAll(fd: Int32, _ bytes: [UInt8]) -> Bool {
        FileSystem.writeAll(fd: fd, bytes)
    }

    /// Writes whole lines to standard output (or another output a reader consumes), in words
    /// when it fails: a reader that went away (`| head`) is ``ChatExportError/Code/outputClosed``,
    /// a clean stop at the last `unit` written in full; anything else is a storage failure.
    ///
    /// - Parameters:
    ///   - fd: The file descriptor.
    ///   - bytes: Whole lines.
    ///   - unit: What a write holds, for the message (`batch`, `message`).
    /// - Throws: ``ChatExportError``.
    public static func writeOutput(fd: Int32, _ bytes: [UInt8], unit: String) throws {
        guard !writeAll(fd: fd, bytes) else { return }
        if errno == EPIPE {
            throw ChatExportError(.outputClosed, "standard output was closed by its reader; stopped at the last \(unit) written in full")
        }
        throw ChatExportError(.storageFailure, "cannot write to standard output: \(String(cString: strerror(errno)))")
    }
}
