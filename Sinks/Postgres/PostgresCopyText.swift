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
    static func escape(json bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            for index in 0..<buffer.count {
                let byte = buffer[index]
                guard byte == 92 || byte == 9 || byte == 10 || byte == 13 else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<index]))
                escape(CollectionOfOne(byte), to: &out)
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<buffer.count]))
        }
    }

    static func escape<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to out: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case 92: out.append(contentsOf: [92, 92])
            case 9: out.append(contentsOf: [92, 116])
            case 10: out.append(contentsOf: [92, 110])
            case 13: out.append(contentsOf: [92, 114])
            default: out.append(byte)
            }
        }
    }
}
