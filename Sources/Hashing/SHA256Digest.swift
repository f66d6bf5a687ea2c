import CCrypto

/// SHA-256 and HMAC-SHA-256 on OpenSSL's libcrypto, the one implementation the object-store
/// sink's request signing and the pseudonymize transform share.
package enum SHA256Digest {
    /// SHA-256 of `bytes`.
    ///
    /// - Parameter bytes: The input.
    /// - Returns: The 32-byte digest.
    package static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBufferPointer { input in _ = SHA256(input.baseAddress, input.count, &digest) }
        return digest
    }

    /// HMAC-SHA-256 of `message` under `key` (RFC 2104).
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - message: The message.
    /// - Returns: The 32-byte code.
    package static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBufferPointer { hmac(key: key, UnsafeRawBufferPointer($0)) }
    }

    /// HMAC-SHA-256 of the bytes at `message` under `key`.
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - message: The message.
    /// - Returns: The 32-byte code.
    package static func hmac(key: [UInt8], _ message: UnsafeRawBufferPointer) -> [UInt8] {
        guard let input = message.baseAddress else {
            // An empty message may have no address; libcrypto wants one.
            return [UInt8](repeating: 0, count: 1).withUnsafeBytes {
                hmac(key: key, UnsafeRawBufferPointer(start: $0.baseAddress, count: 0))
            }
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        key.withUnsafeBufferPointer { keyBytes in
            _ = HMAC(
                EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count), input.assumingMemoryBound(to: UInt8.self), message.count,
                &digest,
                &length)
        }
        return digest
    }

    /// Lowercase hex of `bytes`.
    ///
    /// - Parameter bytes: The bytes.
    /// - Returns: Two digits a byte.
    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
