import CZlib
import ConnectorKit

/// zlib's deflate writing gzip members (RFC 1952), streamed: the system zlib, no packages.
final class GzipDeflater {
    private var stream = z_stream()
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    /// Creates a compressor.
    ///
    /// - Parameter level: zlib's level, 1 (fastest) to 9 (smallest).
    /// - Throws: ``ChatExportError`` when zlib cannot start (out of memory).
    init(level: Int) throws {
        // 15 bits of window, +16 for the gzip wrapper; 8 is zlib's default memory level.
        guard czlib_deflate_init2(&stream, Int32(level), 15 + 16, 8) == Z_OK else {
            throw ChatExportError(.storageFailure, "gzip: zlib could not start a compressor")
        }
    }

    deinit { deflateEnd(&stream) }

    /// Compresses `input`, appending what zlib emits to `output`; with `finish`, ends the gzip
    /// member (trailer with CRC-32 and length) and makes the compressor ready for the next one.
    ///
    /// - Parameters:
    ///   - input: Uncompressed bytes.
    ///   - finish: Whether this ends the member.
    ///   - output: Where compressed bytes are appended.
    /// - Throws: ``ChatExportError`` when zlib reports an error.
    func deflate(_ input: UnsafeRawBufferPointer, finish: Bool, into output: inout [UInt8]) throws {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while true {
            var status: Int32 = Z_OK
            let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                status = CZlib.deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                return buffer.count - Int(stream.avail_out)
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw ChatExportError(.storageFailure, "gzip: zlib failed to compress (status \(status))")
            }
            output.append(contentsOf: chunk[0..<produced])
            if finish ? status == Z_STREAM_END : (stream.avail_in == 0 && stream.avail_out > 0) { break }
        }
        stream.next_in = nil
        if finish { deflateReset(&stream) }
    }

    /// `input` as one complete gzip member.
    ///
    /// - Parameter input: Uncompressed bytes.
    /// - Returns: The gzip member.
    /// - Throws: ``ChatExportError`` when zlib reports an error.
    func member(_ input: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 + 64)
        try input.withUnsafeBytes { try deflate($0, finish: true, into: &output) }
        return output
    }
}
