import ConnectorKit

/// Writes one Parquet file of a stream's records: `_id`, the cursor time, the parent id (when
/// the stream has one), `data` (the record's bytes exactly, JSON logical type) and `synced_at`.
///
/// Written to the format's specification (<https://github.com/apache/parquet-format>): data
/// pages v1, PLAIN values, RLE definition levels for the optional columns, each page a gzip
/// member (codec GZIP), row groups of at most `rowGroupBytes` of values, and the footer
/// (`FileMetaData`) in Thrift's compact protocol, with min/max statistics on the time columns so
/// readers can skip row groups. Memory holds one row group compressed, and one page per column
/// uncompressed.
final class ParquetWriter {
    /// One row.
    struct Row {
        var id: ArraySlice<UInt8>
        var cursor: Int64?
        var parent: ArraySlice<UInt8>?
        var data: ArraySlice<UInt8>
        var syncedAt: Int64
    }

    private enum Physical: Int32 {
        case int64 = 2
        case byteArray = 6
    }

    private enum Logical {
        case string, json, timestamp
    }

    private struct Column {
        var name: String
        var physical: Physical
        var optional: Bool
        var logical: Logical
        // The page being filled.
        var values: [UInt8] = []
        var levels: [UInt8] = []
        var pageValues = 0
        // The row group's compressed pages, and their totals.
        var chunk: [UInt8] = []
        var chunkValues = 0
        var chunkNulls = 0
        var uncompressed = 0
        var minimum: Int64?
        var maximum: Int64?
    }

    private struct RowGroup {
        var rows: Int
        var columns: [(offset: Int64, values: Int, nulls: Int, uncompressed: Int, compressed: Int, minimum: Int64?, maximum: Int64?)]
    }

    private let write: ([UInt8]) throws -> Void
    private var columns: [Column]
    private let hasParent: Bool
    private let deflater: GzipDeflater
    private var offset: Int64 = 0
    private var rows = 0
    private var rowGroupRows = 0
    private var rowGroupBytes = 0
    private var groups: [RowGroup] = []
    private let pageBytes: Int
    private let maxRowGroupBytes: Int

    /// Starts a file.
    ///
    /// - Parameters:
    ///   - cursorColumn: The cursor column's name (`created_at`, …).
    ///   - parentColumn: The parent column's name, or nil when the stream has none.
    ///   - level: The gzip level of pages.
    ///   - rowGroupBytes: The most bytes of values in one row group.
    ///   - pageBytes: The most bytes of values in one page.
    ///   - write: Appends bytes to the file.
    /// - Throws: What `write` throws.
    init(
        cursorColumn: String, parentColumn: String?, level: Int, rowGroupBytes: Int, pageBytes: Int = 1 << 20,
        write: @escaping ([UInt8]) throws -> Void
    ) throws {
        self.write = write
        self.pageBytes = pageBytes
        self.maxRowGroupBytes = max(pageBytes, rowGroupBytes)
        hasParent = parentColumn != nil
        columns = [
            Column(name: "_id", physical: .byteArray, optional: false, logical: .string),
            Column(name: cursorColumn, physical: .int64, optional: true, logical: .timestamp),
        ]
        if let parentColumn { columns.append(Column(name: parentColumn, physical: .byteArray, optional: true, logical: .string)) }
        columns.append(Column(name: "data", physical: .byteArray, optional: false, logical: .json))
        columns.append(Column(name: "synced_at", physical: .int64, optional: false, logical: .timestamp))
        deflater = try GzipDeflater(level: level)
        try emit(Array("PAR1".utf8))
    }

    /// Adds a row.
    ///
    /// - Parameter row: The row.
    /// - Throws: What compressing or writing throws.
    func append(_ row: Row) throws {
        var index = 0
        try add(bytes: row.id, to: index)
        index += 1
        try add(int: row.cursor, to: index)
        index += 1
        if hasParent {
            try add(bytes: row.parent, to: index)
            index += 1
        }
        try add(bytes: row.data, to: index)
        index += 1
        try add(int: row.syncedAt, to: index)
        rows += 1
        rowGroupRows += 1
        rowGroupBytes += row.id.count + row.data.count + (row.parent?.count ?? 0) + 16
        if rowGroupBytes >= maxRowGroupBytes { try endRowGroup() }
    }

    /// Ends the file: the last row group, the footer, its length and the closing magic.
    ///
    /// - Throws: What compressing or writing throws.
    func finish() throws {
        if rowGroupRows > 0 || groups.isEmpty { try endRowGroup() }
        let footer = metadata()
        try emit(footer)
        var length = UInt32(footer.count).littleEndian
        try emit(withUnsafeBytes(of: &length) { Array($0) } + Array("PAR1".utf8))
    }

    // MARK: - Values

    private func add(bytes value: ArraySlice<UInt8>?, to index: Int) throws {
        if let value {
            var length = UInt32(value.count).littleEndian
            withUnsafeBytes(of: &length) { columns[index].values.append(contentsOf: $0) }
            columns[index].values.append(contentsOf: value)
        } else {
            columns[index].chunkNulls += 1
        }
        if columns[index].optional { columns[index].levels.append(value == nil ? 0 : 1) }
        columns[index].pageValues += 1
        if columns[index].values.count >= pageBytes { try endPage(index) }
    }

    private func add(int value: Int64?, to index: Int) throws {
        if let value {
            var little = value.littleEndian
            withUnsafeBytes(of: &little) { columns[index].values.append(contentsOf: $0) }
            columns[index].minimum = min(columns[index].minimum ?? value, value)
            columns[index].maximum = max(columns[index].maximum ?? value, value)
        } else {
            columns[index].chunkNulls += 1
        }
        if columns[index].optional { columns[index].levels.append(value == nil ? 0 : 1) }
        columns[index].pageValues += 1
        if columns[index].values.count >= pageBytes { try endPage(index) }
    }

    // MARK: - Pages and row groups

    private func endPage(_ index: Int) throws {
        guard columns[index].pageValues > 0 else { return }
        var page: [UInt8] = []
        if columns[index].optional {
            let levels = Self.runLengthEncoded(columns[index].levels)
            var length = UInt32(levels.count).littleEndian
            withUnsafeBytes(of: &length) { page.append(contentsOf: $0) }
            page += levels
        }
        page += columns[index].values
        let compressed = try deflater.member(page)
        var header = ThriftCompactWriter()
        header.i32(1, 0)  // DATA_PAGE
        header.i32(2, Int32(page.count))
        header.i32(3, Int32(compressed.count))
        header.structure(5) { data in
            data.i32(1, Int32(columns[index].pageValues))
            data.i32(2, 0)  // PLAIN
            data.i32(3, 3)  // RLE definition levels
            data.i32(4, 3)  // RLE repetition levels (none: the schema is flat)
        }
        header.stop()
        columns[index].chunk += header.bytes
        columns[index].chunk += compressed
        columns[index].uncompressed += header.bytes.count + page.count
        columns[index].chunkValues += columns[index].pageValues
        columns[index].values.removeAll(keepingCapacity: true)
        columns[index].levels.removeAll(keepingCapacity: true)
        columns[index].pageValues = 0
    }

    private func endRowGroup() throws {
        var group = RowGroup(rows: rowGroupRows, columns: [])
        for index in columns.indices {
            try endPage(index)
            let column = columns[index]
            group.columns.append(
                (offset, column.chunkValues, column.chunkNulls, column.uncompressed, column.chunk.count, column.minimum, column.maximum))
            try emit(column.chunk)
            columns[index].chunk = []
            columns[index].chunkValues = 0
            columns[index].chunkNulls = 0
            columns[index].uncompressed = 0
            columns[index].minimum = nil
            columns[index].maximum = nil
        }
        groups.append(group)
        rowGroupRows = 0
        rowGroupBytes = 0
    }

    private func emit(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try write(bytes)
        offset += Int64(bytes.count)
    }

    /// Definition levels of bit width 1 in the RLE/bit-packing hybrid: RLE runs only.
    static func runLengthEncoded(_ levels: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < levels.count {
            let value = levels[index]
            var end = index + 1
            while end < levels.count, levels[end] == value { end += 1 }
            var header = UInt64(end - index) << 1
            while header >= 0x80 {
                out.append(UInt8(header & 0x7F) | 0x80)
                header >>= 7
            }
            out.append(UInt8(header))
            out.append(value)
            index = end
        }
        return out
    }

    // MARK: - Footer

    private func metadata() -> [UInt8] {
        var meta = ThriftCompactWriter()
        meta.i32(1, 1)  // version
        meta.structList(2, count: columns.count + 1) { element, index in
            guard index > 0 else {
                element.string(4, "schema")
                element.i32(5, Int32(columns.count))
                return
            }
            let column = columns[index - 1]
            element.i32(1, column.physical.rawValue)
            element.i32(3, column.optional ? 1 : 0)  // OPTIONAL or REQUIRED
            element.string(4, column.name)
            switch column.logical {
            case .string:
                element.i32(6, 0)  // UTF8
                element.structure(10) { logical in logical.structure(1) { _ in } }  // STRING
            case .json:
                element.i32(6, 19)  // JSON
                element.structure(10) { logical in logical.structure(12) { _ in } }  // JSON
            case .timestamp:
                element.i32(6, 10)  // TIMESTAMP_MICROS
                element.structure(10) { logical in
                    logical.structure(8) { timestamp in
                        timestamp.bool(1, true)  // adjusted to UTC
                        timestamp.structure(2) { unit in unit.structure(2) { _ in } }  // MICROS
                    }
                }
            }
        }
        meta.i64(3, Int64(rows))
        meta.structList(4, count: groups.count) { element, index in
            let group = groups[index]
            element.structList(1, count: columns.count) { chunk, column in
                let stats = group.columns[column]
                chunk.i64(2, 0)  // file_offset: deprecated, 0 as the specification now asks
                chunk.structure(3) { data in
                    data.i32(1, columns[column].physical.rawValue)
                    data.i32List(2, [0, 3])  // PLAIN, RLE
                    data.stringList(3, [columns[column].name])
                    data.i32(4, 2)  // GZIP
                    data.i64(5, Int64(stats.values))
                    data.i64(6, Int64(stats.uncompressed))
                    data.i64(7, Int64(stats.compressed))
                    data.i64(9, stats.offset)
                    data.structure(12) { statistics in
                        statistics.i64(3, Int64(stats.nulls))
                        if let minimum = stats.minimum, let maximum = stats.maximum {
                            statistics.binary(5, withUnsafeBytes(of: maximum.littleEndian) { Array($0) })
                            statistics.binary(6, withUnsafeBytes(of: minimum.littleEndian) { Array($0) })
                        }
                    }
                }
            }
            element.i64(2, Int64(group.columns.reduce(0) { $0 + $1.uncompressed }))
            element.i64(3, Int64(group.rows))
            element.i64(5, group.columns.first?.offset ?? 4)
            element.i64(6, Int64(group.columns.reduce(0) { $0 + $1.compressed }))
            element.i16(7, Int16(truncatingIfNeeded: index))  // ordinal
        }
        meta.string(6, "chat-export")
        // column_orders: each column's min/max follow its type's order (required beside min_value/max_value).
        meta.structList(7, count: columns.count) { order, _ in order.structure(1) { _ in } }
        meta.stop()
        return meta.bytes
    }
}
