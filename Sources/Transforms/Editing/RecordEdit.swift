import ConnectorKit

/// One change to a record's raw bytes: the bytes of `range` replaced by `replacement` (nothing,
/// to remove them).
struct RecordEdit {
    var range: Range<Int>
    var replacement: [UInt8]

    /// `json` with `edits` (in order, not overlapping, offsets from the start of `json`) made, and
    /// every other byte as it was.
    static func apply(_ edits: [RecordEdit], to json: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let grown = edits.reduce(0) { $0 + $1.replacement.count - $1.range.count }
        var out: [UInt8] = []
        out.reserveCapacity(json.count + max(0, grown))
        json.withUnsafeBufferPointer { bytes in
            var position = 0
            for edit in edits {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<edit.range.lowerBound]))
                out.append(contentsOf: edit.replacement)
                position = edit.range.upperBound
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position...]))
        }
        return out[...]
    }
}

extension RecordTransform {
    /// Runs `edit` over each record's bytes and applies the edits it collects, leaving records
    /// without any as they are (the same bytes, no copy).
    func edit(
        _ records: inout [Record], of stream: StreamDescriptor, _ collect: (inout JSONBytes, inout [RecordEdit]) throws -> Void
    ) throws {
        var edits: [RecordEdit] = []
        for index in records.indices {
            edits.removeAll(keepingCapacity: true)
            do {
                try records[index].json.withUnsafeBufferPointer { bytes in
                    guard let base = bytes.baseAddress else { return }
                    var json = JSONBytes(base, count: bytes.count)
                    try collect(&json, &edits)
                }
            } catch let error as JSONBytes.Malformed {
                throw ChatExportError(
                    .invalidResponse, "\(type) transform: \(stream.name) record \(records[index].id) does not read as JSON: \(error)")
            }
            if !edits.isEmpty { records[index].json = RecordEdit.apply(edits, to: records[index].json) }
        }
    }
}
