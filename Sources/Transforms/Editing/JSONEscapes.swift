/// Decoding the content of JSON strings, for the values a transform reads.
enum JSONEscapes {
    /// Appends the decoded UTF-8 of a string's raw content (already validated) to `out`.
    static func decode(_ raw: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var offsets: [Int] = []
        decode(raw, into: &out, offsets: &offsets)
    }

    /// Appends the decoded UTF-8 of a string's raw content (already validated) to `out`, and for
    /// each decoded byte the raw offset its escape or character starts at to `offsets` (then the
    /// raw length), so a range found in the decoded text maps back onto the raw bytes.
    static func decode(_ raw: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], offsets: inout [Int]) {
        var index = 0
        let count = raw.count
        @inline(__always) func emit(_ byte: UInt8, from start: Int) {
            out.append(byte)
            offsets.append(start)
        }
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= count else { return nil }
            var value: UInt32 = 0
            for k in 0..<4 {
                let c = raw[at + k]
                let digit: UInt32
                switch c {
                case 48...57: digit = UInt32(c - 48)
                case 65...70: digit = UInt32(c - 55)
                case 97...102: digit = UInt32(c - 87)
                default: return nil
                }
                value = value << 4 | digit
            }
            return value
        }
        while index < count {
            let c = raw[index]
            guard c == 0x5C, index + 1 < count else {
                emit(c, from: index)
                index += 1
                continue
            }
            let start = index
            let e = raw[index + 1]
            index += 2
            switch e {
            case UInt8(ascii: "b"): emit(0x08, from: start)
            case UInt8(ascii: "f"): emit(0x0C, from: start)
            case UInt8(ascii: "n"): emit(0x0A, from: start)
            case UInt8(ascii: "r"): emit(0x0D, from: start)
            case UInt8(ascii: "t"): emit(0x09, from: start)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(index) else { return }
                index += 4
                if (0xD800..<0xDC00).contains(scalar), index + 6 <= count, raw[index] == 0x5C, raw[index + 1] == UInt8(ascii: "u"),
                    let low = hex4(index + 2), (0xDC00..<0xE000).contains(low)
                {
                    index += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                for byte in String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8 { emit(byte, from: start) }
            default: emit(e, from: start)
            }
        }
        offsets.append(count)
    }
}
