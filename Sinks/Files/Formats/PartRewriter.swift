import ConnectorKit
import Foundation

/// Reads a part's records and writes the part again without some of them, in the same form:
/// what `forget` does to each part that holds a forgotten end user's record.
enum PartRewriter {
    /// How a part file holds its records.
    enum Layout {
        /// JSON Lines (a published `jsonl` part, or a staged `jsonl`/`jsonl.gz` one).
        case lines
        /// JSON Lines in gzip (a published `jsonl.gz` part).
        case gzipLines
        /// A Parquet file (a published `parquet` part).
        case parquet
        /// Parquet frames (a staged `parquet` part).
        case frames

        /// The layout of a published part of `format`.
        static func published(_ format: FileFormat) -> Layout {
            switch format {
            case .jsonl: .lines
            case .jsonlGzip: .gzipLines
            case .parquet: .parquet
            }
        }

        /// The layout of a staged (in-progress) part of `format`.
        static func staged(_ format: FileFormat) -> Layout { format == .parquet ? .frames : .lines }
    }

    /// One record of a part: its JSON, and the bytes that stand for it in the file (a line with
    /// its newline, a frame, or a Parquet row).
    enum Item {
        case raw(json: ArraySlice<UInt8>, bytes: ArraySlice<UInt8>)
        case row(ParquetWriter.Row)

        var json: ArraySlice<UInt8> {
            switch self {
            case .raw(let json, _): json
            case .row(let row): row.data
            }
        }
    }

    /// Calls `body` with each record of `file`, in order.
    ///
    /// - Throws: ``ChatExportError`` naming the file; what `body` throws.
    static func forEach(in file: String, _ layout: Layout, _ body: (Item) throws -> Void) throws {
        switch layout {
        case .parquet:
            try ParquetReader(path: file).forEachRow { try body(.row($0)) }
        case .frames:
            var carry: [UInt8] = []
            try chunks(of: file) { chunk in
                carry += chunk
                var offset = 0
                while case let start = offset, let row = try FileFormat.frame(in: carry[...], at: &offset, file: file) {
                    try body(.raw(json: row.data, bytes: carry[start..<offset]))
                }
                carry.removeFirst(offset)
            }
        // A frame a crash cut short is no record: left out.
        case .lines, .gzipLines:
            var carry: [UInt8] = []
            func lines(_ bytes: UnsafeRawBufferPointer, final: Bool) throws {
                carry.append(contentsOf: bytes)
                var start = 0
                while let newline = carry[start...].firstIndex(of: 0x0A) {
                    if newline > start { try body(.raw(json: carry[start..<newline], bytes: carry[start...newline])) }
                    start = newline + 1
                }
                carry.removeFirst(start)
                if final, !carry.isEmpty { try body(.raw(json: carry[...], bytes: carry[...])) }
            }
            if layout == .lines {
                try chunks(of: file) { chunk in try chunk.withUnsafeBytes { try lines($0, final: false) } }
            } else {
                let inflater = try GzipInflater()
                var plain: [UInt8] = []
                try chunks(of: file) { chunk in
                    plain.removeAll(keepingCapacity: true)
                    try chunk.withUnsafeBytes { try inflater.inflate($0, into: &plain) }
                    try plain.withUnsafeBytes { try lines($0, final: false) }
                }
            }
            try [UInt8]().withUnsafeBytes { try lines($0, final: true) }
        }
    }

    /// Writes `file` again to `output` without the records `remove` selects.
    ///
    /// - Parameters:
    ///   - file: The part.
    ///   - layout: How it holds its records.
    ///   - output: The new file (created 0600, replaced if present, synced).
    ///   - rowGroupBytes: The most bytes of values in a Parquet row group.
    ///   - remove: Whether a record (its JSON) goes.
    /// - Returns: How many records were left out.
    /// - Throws: ``ChatExportError`` naming the file; what `remove` throws.
    static func rewrite(
        _ file: String, _ layout: Layout, to output: String, rowGroupBytes: Int, remove: (ArraySlice<UInt8>) throws -> Bool
    ) throws -> Int {
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
        var removed = 0
        switch layout {
        case .lines, .frames:
            try forEach(in: file, layout) { item in
                guard case .raw(let json, let bytes) = item else { return }
                if try remove(json) {
                    removed += 1
                } else {
                    pending += bytes
                    try flush(force: false)
                }
            }
        case .gzipLines:
            let deflater = try GzipDeflater(level: FileFormat.gzipLevel)
            try forEach(in: file, layout) { item in
                guard case .raw(let json, let bytes) = item else { return }
                if try remove(json) {
                    removed += 1
                    return
                }
                try bytes.withUnsafeBytes { try deflater.deflate($0, finish: false, into: &pending) }
                try flush(force: false)
            }
            try deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, into: &pending)
        case .parquet:
            let reader = try ParquetReader(path: file)
            let writer = try ParquetWriter(
                cursorColumn: reader.cursorColumn, parentColumn: reader.parentColumn, level: FileFormat.gzipLevel,
                rowGroupBytes: min(rowGroupBytes, 32 << 20)
            ) { bytes in
                pending += bytes
                try flush(force: false)
            }
            try reader.forEachRow { row in
                if try remove(row.data) { removed += 1 } else { try writer.append(row) }
            }
            try writer.finish()
        }
        try flush(force: true)
        guard fsync(fd) == 0 else { throw ChatExportError(.storageFailure, "files sink: cannot sync \(output): \(FileSystem.errorText())") }
        return removed
    }

    private static func chunks(of file: String, _ body: ([UInt8]) throws -> Void) throws {
        let fd = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ChatExportError(.storageFailure, "files sink: cannot read \(file): \(FileSystem.errorText())") }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw ChatExportError(.storageFailure, "files sink: cannot read \(file): \(FileSystem.errorText())") }
            if count == 0 { return }
            try body(Array(chunk[0..<count]))
        }
    }
}
