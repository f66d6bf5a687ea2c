import ConnectorKit
import Foundation

/// How a published part is written: JSON Lines, gzip-compressed JSON Lines, or Parquet.
///
/// Every format stages a part the same way, appended to a hidden in-progress file whose
/// committed length the checkpoint keeps (see ``FilesSink``); what differs is what publication
/// makes of it. JSON Lines is published by a rename. The others are staged uncompressed and
/// converted when the part is published: gzip compresses the staged JSON Lines into one gzip
/// member; Parquet stages each record as a frame (its id, cursor, parent and sync time beside
/// its bytes) and writes the columns. A conversion reads only the committed bytes and writes a
/// temporary file that a rename publishes, so a crash at any instant leaves either the staged
/// part (converted again on the next run) or the published one.
public enum FileFormat: String, Sendable, CaseIterable {
    /// JSON Lines, one record per line, the vendor's bytes.
    case jsonl
    /// JSON Lines in one gzip member.
    case jsonlGzip = "jsonl.gz"
    /// Parquet: `_id`, the cursor time, the parent id, `data` (JSON), `synced_at`.
    case parquet

    /// The published file's extension.
    public var fileExtension: String { rawValue }

    /// What the in-progress file holds: JSON Lines, or Parquet frames.
    var staged: String { self == .parquet ? "parquet" : "jsonl" }

    /// The gzip level used for `jsonl.gz` parts and Parquet pages: zlib's fastest, which keeps
    /// compression near the cost of writing plain JSON Lines.
    static let gzipLevel = 1

    /// Appends a batch's records to the staging buffer in this format.
    ///
    /// - Parameters:
    ///   - record: The record.
    ///   - syncedAt: When it was written (microseconds since the epoch), for Parquet.
    ///   - buffer: The staging buffer.
    func stage(_ record: Record, syncedAt: Int64, to buffer: inout [UInt8]) {
        guard self == .parquet else {
            JSONLines.appendLine(record.json, to: &buffer)
            return
        }
        // A frame: u32 length of the rest, u32 id length, id, i64 cursor (Int64.min: none),
        // i32 parent length (-1: none), parent, i64 synced_at, then the record's bytes.
        let id = Array(record.id.utf8)
        let parent = record.parentID.map { Array($0.utf8) }
        let length = 4 + id.count + 8 + 4 + (parent?.count ?? 0) + 8 + record.json.count
        Self.append(UInt32(length), to: &buffer)
        Self.append(UInt32(id.count), to: &buffer)
        buffer += id
        Self.append(record.cursor?.microseconds ?? .min, to: &buffer)
        Self.append(Int32(parent.map { Int32($0.count) } ?? -1), to: &buffer)
        if let parent { buffer += parent }
        Self.append(syncedAt, to: &buffer)
        buffer += record.json
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    private static func read<T: FixedWidthInteger>(_ type: T.Type, _ bytes: ArraySlice<UInt8>, at offset: inout Int) -> T? {
        guard offset + MemoryLayout<T>.size <= bytes.endIndex else { return nil }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { target in
            bytes[offset..<offset + MemoryLayout<T>.size].withUnsafeBytes { target.copyMemory(from: $0) }
        }
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    /// Converts a staged part into its published form.
    ///
    /// - Parameters:
    ///   - staging: The in-progress file (already truncated to its committed length).
    ///   - output: The file to write (created 0600, replaced if present).
    ///   - stream: The stream, for the Parquet columns' names.
    ///   - rowGroupBytes: The most bytes of values in a Parquet row group (at most 32 MiB are used,
    ///     so memory stays flat whatever the part size).
    /// - Throws: ``ChatExportError`` naming the file when reading, converting or writing fails.
    func convert(staging: String, to output: String, stream: StreamDescriptor, rowGroupBytes: Int) throws {
        let input = Glibc.open(staging, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw ChatExportError(.storageFailure, "files sink: cannot read \(staging): \(FileSystem.errorText())") }
        defer { close(input) }
        let fd = Glibc.open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, FileSystem.fileMode)
        guard fd >= 0 else { throw ChatExportError(.storageFailure, "files sink: cannot create \(output): \(FileSystem.errorText())") }
        defer { close(fd) }
        var pending: [UInt8] = []
        func flush(force: Bool) throws {
            guard pending.count >= (force ? 1 : 1 << 20) else { return }
            guard FileSystem.writeAll(fd: fd, pending) else {
                throw ChatExportError(.storageFailure, "files sink: cannot write \(output): \(FileSystem.errorText())")
            }
            pending.removeAll(keepingCapacity: true)
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        func readChunk() throws -> Int {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            guard count >= 0 else {
                throw ChatExportError(.storageFailure, "files sink: cannot read \(staging): \(FileSystem.errorText())")
            }
            return count
        }
        switch self {
        case .jsonl:
            while case let count = try readChunk(), count > 0 {
                pending += chunk[0..<count]
                try flush(force: false)
            }
        case .jsonlGzip:
            let deflater = try GzipDeflater(level: Self.gzipLevel)
            while case let count = try readChunk(), count > 0 {
                try chunk.withUnsafeBytes {
                    try deflater.deflate(UnsafeRawBufferPointer(rebasing: $0[0..<count]), finish: false, into: &pending)
                }
                try flush(force: false)
            }
            try deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, into: &pending)
        case .parquet:
            let writer = try ParquetWriter(
                cursorColumn: stream.cursorColumn, parentColumn: stream.parentField == nil ? nil : stream.parentColumn,
                level: Self.gzipLevel, rowGroupBytes: min(rowGroupBytes, 32 << 20)
            ) { bytes in
                // A row group's column chunk goes straight to the file, not through a copy.
                guard bytes.count >= 1 << 20 else {
                    pending += bytes
                    return try flush(force: false)
                }
                try flush(force: true)
                guard FileSystem.writeAll(fd: fd, bytes) else {
                    throw ChatExportError(.storageFailure, "files sink: cannot write \(output): \(FileSystem.errorText())")
                }
            }
            var carry: [UInt8] = []
            while case let count = try readChunk(), count > 0 {
                carry += chunk[0..<count]
                var offset = 0
                while let row = try Self.frame(in: carry[...], at: &offset, file: staging) { try writer.append(row) }
                carry.removeFirst(offset)
            }
            guard carry.isEmpty else {
                throw ChatExportError(.storageFailure, "files sink: \(staging) ends inside a record (\(carry.count) bytes left over)")
            }
            try writer.finish()
        }
        try flush(force: true)
        guard fsync(fd) == 0 else { throw ChatExportError(.storageFailure, "files sink: cannot sync \(output): \(FileSystem.errorText())") }
    }

    /// The next whole frame at `offset`, or nil when the rest is shorter than a frame.
    static func frame(in bytes: ArraySlice<UInt8>, at offset: inout Int, file: String) throws -> ParquetWriter.Row? {
        var cursor = bytes.startIndex + offset
        guard let length = read(UInt32.self, bytes, at: &cursor) else { return nil }
        let end = cursor + Int(length)
        guard end <= bytes.endIndex else { return nil }
        func bad() -> ChatExportError { ChatExportError(.storageFailure, "files sink: \(file) holds a malformed record frame") }
        guard let idLength = read(UInt32.self, bytes, at: &cursor), cursor + Int(idLength) <= end else { throw bad() }
        let id = bytes[cursor..<cursor + Int(idLength)]
        cursor += Int(idLength)
        guard let time = read(Int64.self, bytes, at: &cursor), let parentLength = read(Int32.self, bytes, at: &cursor) else { throw bad() }
        var parent: ArraySlice<UInt8>?
        if parentLength >= 0 {
            guard cursor + Int(parentLength) <= end else { throw bad() }
            parent = bytes[cursor..<cursor + Int(parentLength)]
            cursor += Int(parentLength)
        }
        guard let synced = read(Int64.self, bytes, at: &cursor), cursor <= end else { throw bad() }
        offset = end - bytes.startIndex
        return ParquetWriter.Row(id: id, cursor: time == .min ? nil : time, parent: parent, data: bytes[cursor..<end], syncedAt: synced)
    }
}
