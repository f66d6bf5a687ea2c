public import ConnectorKit
import Foundation

/// Standard output of a protocol executable: whole messages under one lock, so a batch's RECORD
/// lines, a STATE and a LOG line never interleave.
///
/// Every write goes straight to the descriptor (`write(2)`, no user-space buffer), so when a
/// write returns its lines have reached the reader: a STATE written after it covers them.
public final class ProtocolOutput: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()

    /// Creates the output.
    ///
    /// - Parameter fileDescriptor: Where messages go; 1 (stdout) by default.
    public init(fileDescriptor: Int32 = 1) {
        self.fd = fileDescriptor
    }

    /// Writes bytes holding whole lines.
    ///
    /// - Parameter bytes: One or more messages, each ending in a newline.
    /// - Throws: ``ChatExportError`` (`outputClosed` when the reader went away, else `storageFailure`).
    public func write(_ bytes: [UInt8]) throws {
        try lock.withLock { try JSONLines.writeOutput(fd: fd, bytes, unit: "message") }
    }

    /// Writes one message as a line.
    ///
    /// - Parameter message: The message.
    /// - Throws: As ``write(_:)``.
    public func write(message: JSONValue) throws {
        try write(Array((message.jsonText + "\n").utf8))
    }

    /// Makes written lines durable when standard output is a regular file (fsync); a pipe needs nothing.
    ///
    /// - Throws: ``ChatExportError`` (`storageFailure`).
    public func sync() throws {
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, fsync(fd) != 0 {
            throw ChatExportError(.storageFailure, "cannot sync standard output: \(String(cString: strerror(errno)))")
        }
    }
}
