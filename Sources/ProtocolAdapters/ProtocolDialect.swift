import ConnectorKit

/// The protocol a protocol executable speaks on standard output: how a RECORD line and a STATE
/// message are written. Everything else (the runner, rate limits, budgets, retries, checkpoints)
/// is the same code as `chat-export run`.
public enum ProtocolDialect: String, Sendable, Hashable {
    /// The Singer specification (`tap-chat-export`, Meltano).
    case singer
    /// The Airbyte protocol (`source-chat-export`, Airbyte, PyAirbyte).
    case airbyte

    /// Appends one RECORD line per record of `batch`: the envelope, then the vendor's record
    /// byte for byte (a raw line break inside it, which JSON allows only as whitespace, becomes a
    /// space so the message stays on one line).
    ///
    /// - Parameters:
    ///   - batch: The records.
    ///   - emittedAt: Milliseconds since the epoch (Airbyte's `emitted_at`).
    ///   - buffer: Where to append.
    func appendRecords(of batch: RecordBatch, emittedAt: Int64, to buffer: inout [UInt8]) {
        let stream = JSONValue.quoted(batch.stream)
        let prefix: [UInt8]
        let suffix: [UInt8]
        switch self {
        case .singer:
            prefix = Array(#"{"type":"RECORD","stream":\#(stream),"record":"#.utf8)
            suffix = Array("}".utf8)
        case .airbyte:
            prefix = Array(#"{"type":"RECORD","record":{"stream":\#(stream),"emitted_at":\#(emittedAt),"data":"#.utf8)
            suffix = Array("}}".utf8)
        }
        buffer.reserveCapacity(buffer.count + batch.byteCount + batch.records.count * (prefix.count + suffix.count + 1))
        for record in batch.records {
            buffer += prefix
            JSONLines.appendLine(record.json, to: &buffer)
            buffer.removeLast()
            buffer += suffix
            buffer.append(0x0A)
        }
    }
}
