import CZlib
import ConnectorKit

/// zlib's inflate reading gzip (RFC 1952), streamed, one member after another: the system zlib.
final class GzipInflater {
    private var stream = z_stream()
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    /// Creates a decompressor.
    ///
    /// - Throws: ``ChatExportError`` when zlib cannot start (out of memory).
    init() throws {
        // 15 bits of window, +16: gzip only.
        guard czlib_inflate_init2(&stream, 15 + 16) == Z_OK else {
            throw ChatExportError(.storageFailure, "gzip: zlib could not start a decompressor")
        }
    }

    deinit { inflateEnd(&stream) }

    /// Decompresses `input`, appending what zlib emits to `output`; a member that ends is followed
    /// by the next, if any.
    ///
    /// - Parameters:
    ///   - input: Compressed bytes.
    ///   - output: Where uncompressed bytes are appended.
    /// - Throws: ``ChatExportError`` for data that is not gzip.
    func inflate(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        guard input.count > 0 else { return }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        defer { stream.next_in = nil }
        while stream.avail_in > 0 {
            var status: Int32 = Z_OK
            let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                status = CZlib.inflate(&stream, Z_NO_FLUSH)
                return buffer.count - Int(stream.avail_out)
            }
            output.append(contentsOf: chunk[0..<produced])
            switch status {
            case Z_STREAM_END: inflateReset(&stream)
            case Z_OK: continue
            case Z_BUF_ERROR where produced > 0: continue
            default: throw ChatExportError(.storageFailure, "gzip: not gzip data, or damaged (zlib status \(status))")
            }
        }
    }

    /// Whether the data so far ended on a member's end (a whole file).
    var atMemberEnd: Bool { stream.total_in == 0 }
}
