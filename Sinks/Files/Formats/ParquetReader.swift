import ConnectorKit
import Foundation

/// Reads back the Parquet parts ``ParquetWriter`` writes (so `forget` can rewrite one without
/// some rows): the footer, then each row group's column chunks, their gzip pages of PLAIN values
/// and RLE definition levels. A file in any other shape (another codec, encoding or schema) is
/// refused, not guessed at. Memory holds one row group.
final class ParquetReader {
    /// The cursor column's name.
    let cursorColumn: String
    /// The parent column's name, when the part has one.
    let parentColumn: String?

    private struct Column {
        var name: String
        var int64: Bool
        var optional: Bool
    }

    private struct Chunk {
        var offset: Int
        var size: Int
        var values: Int
    }

    private let file: String
    private let fd: Int32
    private let columns: [Column]
    private let groups: [[Chunk]]

    /// The most bytes a footer or a column chunk may have before the file is refused.
    static let maximumChunk = 1 << 30

    /// Opens a part and reads its footer.
    ///
    /// - Parameter path: The part.
    /// - Throws: ``ChatExportError`` naming the file when it cannot be read or is not a part
    ///   chat-export wrote.
    init(path: String) throws {
        file = path
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ChatExportError(.storageFailure, "files sink: cannot read \(path): \(FileSystem.errorText())") }
        var info = stat()
        fstat(fd, &info)
        let size = Int(info.st_size)
        do {
            guard size >= 12 else { throw ThriftCompactReader.Malformed() }
            let tail = try Self.read(fd, at: size - 8, count: 8, file: path)
            guard Array(tail[4...]) == Array("PAR1".utf8) else { throw ThriftCompactReader.Malformed() }
            let length = Int(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
            guard length > 0, length <= size - 12, length <= Self.maximumChunk else { throw ThriftCompactReader.Malformed() }
            var footer = ThriftCompactReader(try Self.read(fd, at: size - 8 - length, count: length, file: path)[...])
            let meta = try footer.structure()
            let schema = meta[2]?.list?.compactMap(\.fields).dropFirst() ?? []
            columns = try schema.map { element in
                guard let name = element[4]?.binary else { throw ThriftCompactReader.Malformed() }
                return Column(name: String(decoding: name, as: UTF8.self), int64: element[1]?.int == 2, optional: element[3]?.int == 1)
            }
            let names = columns.map(\.name)
            guard names.count == 4 || names.count == 5, names.first == "_id", names[names.count - 2] == "data",
                names.last == "synced_at"
            else { throw ThriftCompactReader.Malformed() }
            cursorColumn = names[1]
            parentColumn = names.count == 5 ? names[2] : nil
            groups = try (meta[4]?.list ?? []).map { group in
                let chunks = try (group.fields?[1]?.list ?? []).map { chunk -> Chunk in
                    guard let data = chunk.fields?[3]?.fields, data[4]?.int == 2, let offset = data[9]?.int, let length = data[7]?.int,
                        let values = data[5]?.int, offset >= 4, length >= 0, length <= Self.maximumChunk, offset + length <= Int64(size),
                        values >= 0
                    else { throw ThriftCompactReader.Malformed() }
                    return Chunk(offset: Int(offset), size: Int(length), values: Int(values))
                }
                guard chunks.count == names.count else { throw ThriftCompactReader.Malformed() }
                return chunks
            }
        } catch is ThriftCompactReader.Malformed {
            close(fd)
            throw ChatExportError(.storageFailure, "files sink: \(path) is not a Parquet part chat-export wrote (its footer does not read)")
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// Calls `body` with each row, in order.
    ///
    /// - Parameter body: Receives a row.
    /// - Throws: ``ChatExportError`` naming the file when a page does not read; what `body` throws.
    func forEachRow(_ body: (ParquetWriter.Row) throws -> Void) throws {
        for group in groups {
            var bytes: [[ArraySlice<UInt8>?]] = []
            var ints: [[Int64?]] = []
            for (column, chunk) in zip(columns, group) {
                let values = try read(chunk, column)
                if column.int64 {
                    ints.append(values.map { $0.map { Self.int64($0) } })
                    bytes.append([])
                } else {
                    bytes.append(values)
                    ints.append([])
                }
            }
            let rows = group.first?.values ?? 0
            guard zip(columns, group).allSatisfy({ $1.values == rows }),
                bytes.indices.allSatisfy({ bytes[$0].count == rows || columns[$0].int64 })
            else { throw malformed("its columns hold different numbers of values") }
            let last = columns.count - 1
            for row in 0..<rows {
                guard let id = bytes[0][row], let data = bytes[last - 1][row], let synced = ints[last][row] else {
                    throw malformed("a required value is missing")
                }
                try body(
                    ParquetWriter.Row(
                        id: id, cursor: ints[1][row], parent: parentColumn == nil ? nil : bytes[2][row], data: data, syncedAt: synced))
            }
        }
    }

    private func malformed(_ what: String) -> ChatExportError {
        ChatExportError(.storageFailure, "files sink: \(file) is not a Parquet part chat-export wrote (\(what))")
    }

    /// A column chunk's values, nil where a definition level says null; int64 values as 8 bytes.
    private func read(_ chunk: Chunk, _ column: Column) throws -> [ArraySlice<UInt8>?] {
        let data = try Self.read(fd, at: chunk.offset, count: chunk.size, file: file)
        var position = 0
        var values: [ArraySlice<UInt8>?] = []
        values.reserveCapacity(chunk.values)
        let inflater = try GzipInflater()
        while values.count < chunk.values {
            guard position < data.count else { throw malformed("a column chunk ends before its values") }
            var headerReader = ThriftCompactReader(data[position...])
            let header: [Int16: ThriftCompactReader.Value]
            do {
                header = try headerReader.structure()
            } catch {
                throw malformed("a page header does not read")
            }
            position = headerReader.position
            guard header[1]?.int == 0, let compressed = header[3]?.int, let count = header[5]?.fields?[1]?.int,
                compressed >= 0, Int(compressed) <= data.count - position, count >= 0, count <= chunk.values - values.count
            else { throw malformed("a page is not a data page of this chunk") }
            var page: [UInt8] = []
            try data[position..<position + Int(compressed)].withUnsafeBytes { try inflater.inflate($0, into: &page) }
            position += Int(compressed)
            let pageBytes = page[...]
            var offset = 0
            var defined = [Bool](repeating: true, count: Int(count))
            if column.optional {
                guard pageBytes.count >= 4 else { throw malformed("a page is shorter than its levels") }
                let length = Int(Self.int32(pageBytes[0..<4]))
                guard length >= 0, length <= pageBytes.count - 4 else { throw malformed("a page's levels are longer than the page") }
                guard let levels = Self.levels(pageBytes[4..<4 + length], count: Int(count)) else {
                    throw malformed("its definition levels do not read")
                }
                defined = levels
                offset = 4 + length
            }
            for present in defined {
                guard present else {
                    values.append(nil)
                    continue
                }
                if column.int64 {
                    guard offset + 8 <= pageBytes.count else { throw malformed("a page ends inside a value") }
                    values.append(pageBytes[offset..<offset + 8])
                    offset += 8
                } else {
                    guard offset + 4 <= pageBytes.count else { throw malformed("a page ends inside a value") }
                    let length = Int(Self.int32(pageBytes[offset..<offset + 4]))
                    guard length >= 0, length <= pageBytes.count - offset - 4 else { throw malformed("a page ends inside a value") }
                    values.append(pageBytes[offset + 4..<offset + 4 + length])
                    offset += 4 + length
                }
            }
        }
        return values
    }

    /// Definition levels of bit width 1 in the RLE/bit-packing hybrid.
    static func levels(_ bytes: ArraySlice<UInt8>, count: Int) -> [Bool]? {
        var levels: [Bool] = []
        levels.reserveCapacity(count)
        var position = bytes.startIndex
        while levels.count < count {
            var header: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < bytes.endIndex, shift < 64 else { return nil }
                let next = bytes[position]
                position += 1
                header |= UInt64(next & 0x7F) << shift
                if next & 0x80 == 0 { break }
                shift += 7
            }
            if header & 1 == 0 {
                guard position < bytes.endIndex else { return nil }
                let run = min(Int(header >> 1), count - levels.count)
                levels += Array(repeating: bytes[position] & 1 == 1, count: run)
                position += 1
            } else {
                let groups = Int(header >> 1)
                guard groups <= bytes.endIndex - position else { return nil }
                for byte in bytes[position..<position + groups] {
                    for bit in 0..<8 where levels.count < count { levels.append(byte >> UInt8(bit) & 1 == 1) }
                }
                position += groups
            }
        }
        return levels
    }

    private static func int32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var value: UInt32 = 0
        for (shift, byte) in zip(stride(from: 0, to: 32, by: 8), bytes) { value |= UInt32(byte) << UInt32(shift) }
        return value
    }

    private static func int64(_ bytes: ArraySlice<UInt8>) -> Int64 {
        var value: UInt64 = 0
        for (shift, byte) in zip(stride(from: 0, to: 64, by: 8), bytes) { value |= UInt64(byte) << UInt64(shift) }
        return Int64(bitPattern: value)
    }

    private static func read(_ fd: Int32, at offset: Int, count: Int, file: String) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            guard got > 0 else {
                throw ChatExportError(
                    .storageFailure, "files sink: cannot read \(file): \(got == 0 ? "it ends early" : FileSystem.errorText())")
            }
            done += got
        }
        return buffer
    }
}
