package import ConnectorKit

/// Rows in `COPY … FROM STDIN` text format: tab-separated, `\N` for NULL, and backslash, tab,
/// newline and carriage return escaped (record JSON may hold them between tokens).
package enum PostgresCopyText {
    /// Appends one row per record: arrival order, `_id`, cursor, parent (if the stream has one), data.
    package static func append(_ records: [Record], startingAt ordinal: Int, parentColumn: Bool, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + records.reduce(0) { $0 + $1.json.count + 64 })
        for (offset, record) in records.enumerated() {
            out.append(contentsOf: String(ordinal + offset).utf8)
            out.append(9)
            escape(record.id.utf8, to: &out)
            out.append(9)
            if let cursor = record.cursor {
                out.append(contentsOf: cursor.iso8601(fractionDigits: 6).utf8)
            } else {
                out.append(contentsOf: [92, 78])
            }
            if parentColumn {
                out.append(9)
                if let parent = record.parentID { escape(parent.utf8, to: &out) } else { out.append(contentsOf: [92, 78]) }
            }
            out.append(9)
            escape(json: record.json, to: &out)
            out.append(10)
        }
    }

    /// Copies runs of ordinary bytes at once; JSON text rarely holds a byte that needs escaping.
    ///
    /// PostgreSQL's text cannot hold U+0000, and its `json` functions fail on a `\u0000` escape:
    /// one such record would make every query of the model views fail. The escape is stored as
    /// `\ufffd` (the replacement character) instead; every other byte is the vendor's.
    static func escape(json bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            var start = 0
            var index = 0
            while index < count {
                let byte = buffer[index]
                guard byte == 92 || byte == 9 || byte == 10 || byte == 13 else {
                    index += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<index]))
                if byte == 92 {
                    // A backslash in JSON starts an escape: it and the character after it go together.
                    if index + 5 < count, buffer[index + 1] == 117, buffer[index + 2] == 48, buffer[index + 3] == 48,
                        buffer[index + 4] == 48, buffer[index + 5] == 48
                    {
                        out.append(contentsOf: Array(#"\\ufffd"#.utf8))
                        index += 6
                    } else {
                        escape(buffer[index..<min(index + 2, count)], to: &out)
                        index += 2
                    }
                } else {
                    escape(CollectionOfOne(byte), to: &out)
                    index += 1
                }
                start = min(index, count)
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<count]))
        }
    }

    static func escape<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to out: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case 92: out.append(contentsOf: [92, 92])
            case 9: out.append(contentsOf: [92, 116])
            case 10: out.append(contentsOf: [92, 110])
            case 13: out.append(contentsOf: [92, 114])
            // Not even COPY can carry a NUL into text: an id or parent holding one gets U+FFFD.
            case 0: out.append(contentsOf: [0xEF, 0xBF, 0xBD])
            default: out.append(byte)
            }
        }
    }
}
