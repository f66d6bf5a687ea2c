/// SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit hash, fast on short inputs, whose
/// outputs cannot be steered into collisions by someone who does not know the key.
package struct SipHash: Sendable, Equatable {
    /// The first half of the 128-bit key.
    package var k0: UInt64
    /// The second half of the 128-bit key.
    package var k1: UInt64

    /// Creates a hasher with a key.
    ///
    /// - Parameters:
    ///   - k0: The key's first 8 bytes, little-endian.
    ///   - k1: The key's last 8 bytes, little-endian.
    package init(k0: UInt64, k1: UInt64) {
        self.k0 = k0
        self.k1 = k1
    }

    /// A hasher with a random key.
    package static func random() -> SipHash {
        var generator = SystemRandomNumberGenerator()
        return SipHash(k0: generator.next(), k1: generator.next())
    }

    /// The hash of `bytes`.
    ///
    /// - Parameter bytes: The input.
    /// - Returns: SipHash-2-4 of the input under this key.
    package func hash(_ bytes: some Collection<UInt8>) -> UInt64 {
        let digest = bytes.withContiguousStorageIfAvailable { hash(UnsafeRawBufferPointer($0)) }
        return digest ?? Array(bytes).withUnsafeBytes { hash($0) }
    }

    private func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var v0: UInt64 = k0 ^ 0x736f_6d65_7073_6575
        var v1: UInt64 = k1 ^ 0x646f_7261_6e64_6f6d
        var v2: UInt64 = k0 ^ 0x6c79_6765_6e65_7261
        var v3: UInt64 = k1 ^ 0x7465_6462_7974_6573
        @inline(__always) func round() {
            v0 &+= v1
            v1 = (v1 << 13) | (v1 >> 51)
            v1 ^= v0
            v0 = (v0 << 32) | (v0 >> 32)
            v2 &+= v3
            v3 = (v3 << 16) | (v3 >> 48)
            v3 ^= v2
            v0 &+= v3
            v3 = (v3 << 21) | (v3 >> 43)
            v3 ^= v0
            v2 &+= v1
            v1 = (v1 << 17) | (v1 >> 47)
            v1 ^= v2
            v2 = (v2 << 32) | (v2 >> 32)
        }
        let count = bytes.count
        let whole = count & ~7
        var offset = 0
        while offset < whole {
            let block = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            v3 ^= block
            round()
            round()
            v0 ^= block
            offset += 8
        }
        var last = UInt64(truncatingIfNeeded: count) << 56
        var shift: UInt64 = 0
        while offset < count {
            last |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        v3 ^= last
        round()
        round()
        v0 ^= last
        v2 ^= 0xFF
        round()
        round()
        round()
        round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}
