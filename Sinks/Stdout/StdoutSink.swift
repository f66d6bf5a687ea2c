public import ConnectorKit
import Foundation

/// Writes every record to standard output as one JSON line: `{"stream": "…", "record": <raw>}`.
///
/// The record's bytes are written exactly as the vendor sent them (records are single-line JSON
/// objects; any raw newline inside one is whitespace and is replaced by a space so each record
/// stays on one line).
///
/// Replay: **at-least-once**. After a crash, the batch in flight at the crash is written again on
/// the next run; consumers resolve duplicates by `record._id`. A commit flushes the output and,
/// when it is a regular file, fsyncs it.
public final class StdoutSink: Sink, @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    /// `stdout`, or `fd:N` for another descriptor.
    public let identity: String
    /// Duplicates after a crash are passed on.
    public var replay: SinkReplay { .atLeastOnce }

    /// Creates a sink.
    ///
    /// - Parameter fileDescriptor: Where to write; 1 (stdout) by default.
    public init(fileDescriptor: Int32 = 1) {
        self.fd = fileDescriptor
        self.identity = fileDescriptor == 1 ? "stdout" : "fd:\(fileDescriptor)"
    }

    /// The registry entry for `type: "stdout"`.
    public static let registryEntry = Registry.SinkEntry(
        type: "stdout",
        summary: "One JSON line per record on standard output: {\"stream\": …, \"record\": …}.",
        options: [],
        make: { _, _ in StdoutSink() }
    )

    /// Writes the batch's records as JSON lines.
    ///
    /// - Parameter batch: The records.
    /// - Throws: ``ChatExportError`` when standard output is closed or fails.
    public func write(_ batch: RecordBatch) async throws {
        let prefix = Array("{\"stream\":\(JSONValue.quoted(batch.stream)),\"record\":".utf8)
        var buffer = [UInt8]()
        buffer.reserveCapacity(batch.byteCount + batch.records.count * (prefix.count + 2))
        for record in batch.records {
            buffer += prefix
            JSONLines.appendLine(record.json, to: &buffer)
            buffer[buffer.count - 1] = UInt8(ascii: "}")
            buffer.append(0x0A)
        }
        try lock.withLock { try JSONLines.writeOutput(fd: fd, buffer, unit: "batch") }
    }

    /// Makes written lines durable where the output allows (fsync of a regular file).
    ///
    /// - Parameter commit: Unused.
    /// - Returns: nil (the sink keeps no position).
    public func commit(_ commit: SinkCommit) async throws -> JSONValue? {
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, fsync(fd) != 0 {
            throw ChatExportError(.storageFailure, "cannot sync standard output: \(String(cString: strerror(errno)))")
        }
        return nil
    }
}
