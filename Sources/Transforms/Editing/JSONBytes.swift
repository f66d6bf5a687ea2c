import ConnectorKit
import Glibc

/// A forward scan over one record's JSON bytes that the transforms walk to find the values they
/// change: fast, allocation-free, and bounded (nesting deeper than ``maximumDepth`` is an error).
/// Records reach the transforms already validated by the source's scanner; anything that still
/// does not read as JSON throws rather than being guessed at.
struct JSONBytes {
    /// A record that does not read as JSON where a transform looked.
    struct Malformed: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "\(reason) at byte \(offset)" }
    }

    /// The deepest nesting a transform follows (the runtime's scanner accepts no deeper).
    static let maximumDepth = 512

    let p: UnsafePointer<UInt8>
    let n: Int
    /// The next byte to read.
    var i = 0
    var depth = 0

    init(_ p: UnsafePointer<UInt8>, count: Int) {
        self.p = p
        self.n = count
    }

    func malformed(_ reason: String) -> Malformed { Malformed(offset: i, reason: reason) }

    /// The byte at the position, or 0 at the end.
    @inline(__always) var current: UInt8 { i < n ? p[i] : 0 }

    @inline(__always) mutating func skipWhitespace() {
        while i < n {
            let c = p[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// Consumes `c` (after whitespace) or throws.
    @inline(__always) mutating func expect(_ c: UInt8, _ what: StaticString) throws {
        skipWhitespace()
        guard i < n, p[i] == c else { throw malformed("expected \(what)") }
        i += 1
    }

    /// Flags (bit 7 of a byte) the quotes and backslashes among eight bytes read little-endian;
    /// the lowest flag is exact.
    @inline(__always) static func quoteOrBackslash(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        return (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & 0x8080_8080_8080_8080
    }

    /// Consumes a string at its opening quote: the range of its content and whether it holds escapes.
    @inline(__always) mutating func string() throws -> (content: Range<Int>, escaped: Bool) {
        i += 1
        let start = i
        var escaped = false
        while true {
            while i &+ 8 <= n {
                let flags = Self.quoteOrBackslash(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self).littleEndian)
                if flags != 0 {
                    i &+= flags.trailingZeroBitCount &>> 3
                    break
                }
                i &+= 8
            }
            while i < n, p[i] != 0x22, p[i] != 0x5C { i += 1 }
            guard i < n else { throw malformed("unterminated string") }
            if p[i] == 0x22 {
                i += 1
                return (start..<(i - 1), escaped)
            }
            escaped = true
            i += 2
        }
    }

    /// Consumes a number, `true`, `false` or `null`: its range.
    @inline(__always) mutating func scalar() throws -> Range<Int> {
        let start = i
        while i < n {
            let c = p[i]
            // Digits, sign, point, exponent and the letters of the three literals.
            guard (c &- 48 < 10) || c == 0x2D || c == 0x2B || c == 0x2E || (c | 0x20) &- 97 < 26 else { break }
            i += 1
        }
        guard i > start else { throw malformed("expected a value") }
        return start..<i
    }

    /// Consumes any value.
    mutating func skipValue() throws {
        skipWhitespace()
        switch current {
        case 0x22: _ = try string()
        case 0x7B:
            try enter()
            i += 1
            skipWhitespace()
            if current == 0x7D {
                i += 1
                depth -= 1
                return
            }
            while true {
                skipWhitespace()
                guard current == 0x22 else { throw malformed("expected a key") }
                _ = try string()
                try expect(0x3A, "':'")
                try skipValue()
                skipWhitespace()
                if current == 0x2C {
                    i += 1
                    continue
                }
                try expect(0x7D, "'}'")
                depth -= 1
                return
            }
        case 0x5B:
            try array { try $0.skipValue() }
        default:
            _ = try scalar()
        }
    }

    /// Consumes an array, at its `[`, handing each element to `element` (which must consume it).
    ///
    /// - Parameter element: Consumes one element, from its first byte (whitespace before it allowed).
    /// - Throws: ``Malformed`` for a missing `,` or `]` or nesting too deep; what `element` throws.
    @inline(__always) mutating func array(_ element: (inout JSONBytes) throws -> Void) throws {
        try enter()
        i += 1
        skipWhitespace()
        if current == 0x5D {
            i += 1
            depth -= 1
            return
        }
        while true {
            try element(&self)
            skipWhitespace()
            if current == 0x2C {
                i += 1
                continue
            }
            try expect(0x5D, "']'")
            depth -= 1
            return
        }
    }

    mutating func enter() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw malformed("nesting deeper than \(Self.maximumDepth) levels") }
    }

    /// Whether the raw key bytes `range` equal `key`.
    @inline(__always) func key(_ range: Range<Int>, equals key: [UInt8]) -> Bool {
        guard range.count == key.count else { return false }
        return key.withUnsafeBufferPointer { memcmp(p + range.lowerBound, $0.baseAddress!, key.count) == 0 }
    }
}
