public import ConnectorKit
import Foundation

/// The sink of a protocol executable: every record becomes a RECORD message on standard output.
///
/// Replay: **at-least-once**, so the runner asks windowed sources to hold back records they read
/// again unchanged (``ReadRequest/suppressRepeats``): a target that appends (JSON Lines, a
/// warehouse in append mode) receives each unchanged record once. After a crash, the records
/// after the last STATE the orchestrator stored are sent again; a target that upserts by the
/// key properties (`_id`) absorbs them.
///
/// Each batch is written in one `write(2)` before the runner stores its checkpoint, and the
/// checkpoint store (``ProtocolCheckpointStore``) emits the STATE on the same output: a STATE
/// always follows every record it covers.
public final class ProtocolRecordSink: Sink, @unchecked Sendable {
    private let output: ProtocolOutput
    private let dialect: ProtocolDialect
    /// `singer:stdout` or `airbyte:stdout`.
    public let identity: String
    /// Repeats after a crash are passed on (the target upserts or deduplicates by `_id`).
    public var replay: SinkReplay { .atLeastOnce }

    /// Creates the sink.
    ///
    /// - Parameters:
    ///   - output: Standard output.
    ///   - dialect: The protocol.
    public init(output: ProtocolOutput, dialect: ProtocolDialect) {
        self.output = output
        self.dialect = dialect
        self.identity = dialect.rawValue + ":stdout"
    }

    /// Writes the batch's RECORD messages.
    ///
    /// - Parameter batch: The records.
    /// - Throws: ``ChatExportError`` when standard output is closed or fails.
    public func write(_ batch: RecordBatch) async throws {
        var buffer: [UInt8] = []
        dialect.appendRecords(of: batch, emittedAt: Timestamp.now.microseconds / 1000, to: &buffer)
        try output.write(buffer)
    }

    /// Nothing is buffered; a regular file is synced.
    ///
    /// - Parameter commit: Unused.
    /// - Returns: nil (the sink keeps no position).
    /// - Throws: ``ChatExportError`` when the file cannot be synced.
    public func commit(_ commit: SinkCommit) async throws -> JSONValue? {
        try output.sync()
        return nil
    }
}
