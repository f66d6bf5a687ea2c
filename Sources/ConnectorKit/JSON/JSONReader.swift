package import Foundation

/// A validating pull reader over JSON bytes, the runtime's byte-level scanner.
///
/// The reader never builds a tree: it walks the bytes once, validating the grammar of RFC 8259
/// (including UTF-8 and escapes inside strings), and hands out byte ranges. Connectors use it to
/// split a vendor page into record ranges and to pull out the few top-level fields the runtime
/// needs, so records reach the sinks as the exact bytes the vendor sent.
///
/// A reader is only valid inside the closure of ``JSONReader/withReader(_:_:)``; do not let it
/// escape. Nesting deeper than ``maximumDepth`` is rejected rather than overflowing the stack.
package struct JSONReader {
    /// The deepest nesting of arrays and objects the reader accepts.
    package static let maximumDepth = 512

    /// The kind of the value at the reader's position.
    package enum Kind: Sendable, Hashable {
        /// `{ ... }`
        case object
        /// `[ ... ]`
        case array
        /// `"..."`
        case string
        /// A number literal.
        case number
        /// `true` or `false`.
        case bool
        /// `null`.
        case null
    }

    /// Iteration state for the members of one object; see ``nextMember(_:)``.
    package struct ObjectCursor: Sendable {
        var count = 0
        let depth: Int
    }

    /// Iteration state for the elements of one array; see ``nextElement(_:)``.
    package struct ArrayCursor: Sendable {
        var count = 0
        let depth: Int
    }

    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let end: Int
    /// The byte offset of the next unread byte.
    package private(set) var position: Int
    private var depth = 0

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.end = count
        self.position = 0
    }

    /// Runs `body` with a reader positioned at the start of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: The JSON text.
    ///   - body: Reads from the reader; the reader must not escape it.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, typically ``JSONSyntaxError``.
    package static func withReader<Bytes: ContiguousBytes, T>(
        _ bytes: Bytes,
        _ body: (inout JSONReader) throws -> T
    ) throws -> T {
        try bytes.withUnsafeBytes { raw in
            // An empty buffer may have no base address; read from a one-byte stand-in instead.
            if raw.count == 0 {
                var zero: UInt8 = 0
                return try withUnsafePointer(to: &zero) { pointer in
                    var reader = JSONReader(base: pointer, count: 0)
                    return try body(&reader)
                }
            }
            var reader = JSONReader(base: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: raw.count)
            return try body(&reader)
        }
    }

    // MARK: - Containers

    /// Consumes `{` and returns the cursor to pass to ``nextMember(_:)``.
    ///
    /// - Returns: The iteration state for this object.
    /// - Throws: ``JSONSyntaxError`` when the next value is not an object.
    package mutating func beginObject() throws -> ObjectCursor {
        skipWhitespace()
        guard byte(at: position) == UInt8(ascii: "{") else { throw error(expecting: "'{'") }
        try enter()
        position += 1
        return ObjectCursor(depth: depth)
    }

    /// Advances to the next member of an object and returns its key, leaving the reader at the value.
    ///
    /// The caller must consume the member's value (read it or ``skipValue()``) before asking for
    /// the next member.
    ///
    /// - Parameter cursor: The state returned by ``beginObject()``.
    /// - Returns: The key, or `nil` after the closing `}` has been consumed.
    /// - Throws: ``JSONSyntaxError`` on a malformed object.
    package mutating func nextMember(_ cursor: inout ObjectCursor) throws -> JSONStringSpan? {
        skipWhitespace()
        var c = byte(at: position)
        if c == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return nil
        }
        if cursor.count > 0 {
            guard c == UInt8(ascii: ",") else { throw error(expecting: "',' or '}' after an object member") }
            position += 1
            skipWhitespace()
            c = byte(at: position)
        }
        guard c == UInt8(ascii: "\"") else {
            throw error(expecting: cursor.count == 0 ? "a string key or '}'" : "a string key")
        }
        let key = try scanString()
        skipWhitespace()
        guard byte(at: position) == UInt8(ascii: ":") else { throw error(expecting: "':' after an object key") }
        position += 1
        cursor.count += 1
        return key
    }

    /// Consumes `[` and returns the cursor to pass to ``nextElement(_:)``.
    ///
    /// - Returns: The iteration state for this array.
    /// - Throws: ``JSONSyntaxError`` when the next value is not an array.
    package mutating func beginArray() throws -> ArrayCursor {
        skipWhitespace()
        guard byte(at: position) == UInt8(ascii: "[") else { throw error(expecting: "'['") }
        try enter()
        position += 1
        return ArrayCursor(depth: depth)
    }

    /// Advances to the next element of an array.
    ///
    /// - Parameter cursor: The state returned by ``beginArray()``.
    /// - Returns: `true` with the reader at the element, or `false` after the closing `]`.
    /// - Throws: ``JSONSyntaxError`` on a malformed array.
    package mutating func nextElement(_ cursor: inout ArrayCursor) throws -> Bool {
        skipWhitespace()
        let c = byte(at: position)
        if c == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return false
        }
        if cursor.count > 0 {
            guard c == UInt8(ascii: ",") else { throw error(expecting: "',' or ']' after an array element") }
            position += 1
            skipWhitespace()
        }
        cursor.count += 1
        return true
    }

    // MARK: - Values

    /// The kind of the next value, after skipping whitespace.
    ///
    /// - Returns: The kind.
    /// - Throws: ``JSONSyntaxError`` when no value starts here.
    package mutating func peekKind() throws -> Kind {
        skipWhitespace()
        switch byte(at: position) {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw error(expecting: "a value")
        }
    }

    /// Validates and consumes the next value of any kind.
    ///
    /// - Returns: The byte range of the value, without surrounding whitespace.
    /// - Throws: ``JSONSyntaxError`` when the value is malformed.
    @discardableResult
    package mutating func skipValue() throws -> Range<Int> {
        skipWhitespace()
        let start = position
        switch byte(at: position) {
        case UInt8(ascii: "{"):
            var cursor = try beginObject()
            while try nextMember(&cursor) != nil { try skipValue() }
        case UInt8(ascii: "["):
            var cursor = try beginArray()
            while try nextElement(&cursor) { try skipValue() }
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "t"):
            try scanLiteral("true")
        case UInt8(ascii: "f"):
            try scanLiteral("false")
        case UInt8(ascii: "n"):
            try scanLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber()
        default:
            throw error(expecting: "a value")
        }
        return start..<position
    }

    /// Consumes a string value.
    ///
    /// - Returns: The span of the string's content, between the quotes.
    /// - Throws: ``JSONSyntaxError`` when the next value is not a valid string.
    package mutating func readString() throws -> JSONStringSpan {
        skipWhitespace()
        guard byte(at: position) == UInt8(ascii: "\"") else { throw error(expecting: "a string") }
        return try scanString()
    }

    /// Consumes a string value if there is one, or a `null`.
    ///
    /// - Returns: The span, or `nil` for `null`.
    /// - Throws: ``JSONSyntaxError`` when the next value is neither.
    package mutating func readStringOrNull() throws -> JSONStringSpan? {
        if try peekKind() == .null {
            try scanLiteral("null")
            return nil
        }
        return try readString()
    }

    /// Consumes a number value.
    ///
    /// - Returns: The byte range of the number literal.
    /// - Throws: ``JSONSyntaxError`` when the next value is not a number.
    package mutating func readNumber() throws -> Range<Int> {
        skipWhitespace()
        let start = position
        guard try peekKind() == .number else { throw error(expecting: "a number") }
        try scanNumber()
        return start..<position
    }

    /// Consumes `true` or `false`.
    ///
    /// - Returns: The boolean.
    /// - Throws: ``JSONSyntaxError`` when the next value is not a boolean.
    package mutating func readBool() throws -> Bool {
        skipWhitespace()
        if byte(at: position) == UInt8(ascii: "t") {
            try scanLiteral("true")
            return true
        }
        guard byte(at: position) == UInt8(ascii: "f") else { throw error(expecting: "true or false") }
        try scanLiteral("false")
        return false
    }

    /// Consumes `null`.
    ///
    /// - Throws: ``JSONSyntaxError`` when the next value is not `null`.
    package mutating func readNull() throws {
        skipWhitespace()
        guard byte(at: position) == UInt8(ascii: "n") else { throw error(expecting: "null") }
        try scanLiteral("null")
    }

    /// Requires that only whitespace remains.
    ///
    /// - Throws: ``JSONSyntaxError`` when anything else follows.
    package mutating func finish() throws {
        skipWhitespace()
        guard position >= end else { throw error("unexpected data after the end of the document") }
    }

    // MARK: - Bytes and strings

    /// The bytes of `range`, which must lie within the buffer.
    ///
    /// - Parameter range: A range the reader returned.
    /// - Returns: A buffer over those bytes, valid as long as the reader is.
    package func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// Decodes a string span to a Swift `String`, resolving escapes.
    ///
    /// A lone UTF-16 surrogate (which JSON's grammar allows) decodes to U+FFFD.
    ///
    /// - Parameter span: A span the reader returned.
    /// - Returns: The decoded string.
    package func string(_ span: JSONStringSpan) -> String {
        let raw = bytes(span.range)
        guard span.hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        return JSONReader.unescape(raw)
    }

    /// Whether a string span equals the UTF-8 text `utf8` (compared after resolving escapes).
    ///
    /// This is the allocation-free way to match keys: an escape-free span (nearly every key) is
    /// compared byte for byte without building a `String`.
    ///
    /// - Parameters:
    ///   - span: A span the reader returned.
    ///   - utf8: The text to compare with, as UTF-8 bytes.
    /// - Returns: `true` when they are equal.
    package func string(_ span: JSONStringSpan, equalsUTF8 utf8: [UInt8]) -> Bool {
        guard !span.hasEscapes else { return Array(string(span).utf8) == utf8 }
        return utf8.withUnsafeBufferPointer { rawBytes(of: span, equal: $0) }
    }

    /// Whether a string span equals `literal` (compared after resolving escapes).
    ///
    /// - Parameters:
    ///   - span: A span the reader returned.
    ///   - literal: The text to compare with.
    /// - Returns: `true` when they are equal.
    package func string(_ span: JSONStringSpan, equals literal: StaticString) -> Bool {
        guard !span.hasEscapes else { return string(span) == literal.description }
        return rawBytes(of: span, equal: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Whether the span's raw bytes are exactly `text` (an empty `text` may have no base address).
    private func rawBytes(of span: JSONStringSpan, equal text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard span.range.count == text.count else { return false }
        guard let start = text.baseAddress, text.count > 0 else { return true }
        return memcmp(base + span.range.lowerBound, start, text.count) == 0
    }

    // MARK: - Scanning

    @inline(__always)
    private func byte(at index: Int) -> UInt8 {
        index < end ? base[index] : 0
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < end {
            switch base[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= JSONReader.maximumDepth else {
            throw error("nesting deeper than \(JSONReader.maximumDepth) levels")
        }
    }

    private mutating func scanLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard end - position >= count, memcmp(base + position, literal.utf8Start, count) == 0 else {
            throw error(expecting: "'\(literal)'")
        }
        position += count
    }

    /// Scans a string starting at its opening quote, validating escapes, control characters and UTF-8.
    private mutating func scanString() throws -> JSONStringSpan {
        position += 1
        let start = position
        var hasEscapes = false
        var i = position
        while true {
            // Fast path: eight bytes at a time up to the first quote, backslash, control character
            // or non-ASCII byte (the lowest flagged byte of a word is exact).
            while i &+ 8 <= end {
                let flags = JSONReader.attentionFlags(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self).littleEndian)
                if flags != 0 {
                    i &+= flags.trailingZeroBitCount &>> 3
                    break
                }
                i &+= 8
            }
            // The last few bytes of the buffer, one at a time.
            while i < end {
                let c = base[i]
                if c == 0x22 || c == 0x5C || c < 0x20 || c >= 0x80 { break }
                i += 1
            }
            guard i < end else {
                position = i
                throw error("unterminated string")
            }
            let c = base[i]
            if c == 0x22 {
                position = i + 1
                return JSONStringSpan(range: start..<i, hasEscapes: hasEscapes)
            } else if c == 0x5C {
                hasEscapes = true
                guard i + 1 < end else {
                    position = i
                    throw error("unterminated escape sequence")
                }
                switch base[i + 1] {
                case 0x22, 0x5C, 0x2F, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                    UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= end, (2..<6).allSatisfy({ JSONReader.hexValue(base[i + $0]) != nil }) else {
                        position = i
                        throw error("invalid \\u escape: expected four hex digits")
                    }
                    i += 6
                default:
                    position = i
                    throw error("invalid escape sequence")
                }
            } else if c < 0x20 {
                position = i
                throw error("unescaped control character 0x\(String(c, radix: 16)) in string")
            } else {
                guard let length = JSONReader.validUTF8Sequence(base, i, end) else {
                    position = i
                    throw error("invalid UTF-8 in string")
                }
                i += length
            }
        }
    }

    /// Flags (bit 7 of a byte) the bytes of eight string bytes, read little-endian, that are a
    /// quote, a backslash, a control character or non-ASCII; zero when none is.
    ///
    /// Word-at-a-time tests: `(x - 0x01…) & ~x & 0x80…` flags zero bytes, and
    /// `(x - n·0x01…) & ~x & 0x80…` bytes below `n` (n ≤ 0x80). A borrow can flag a byte above a
    /// flagged one, never below, so the lowest flag is always exact.
    @inline(__always)
    static func attentionFlags(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & high
    }

    /// The length of the valid UTF-8 multi-byte sequence at `i`, or nil.
    @inline(__always)
    private static func validUTF8Sequence(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int? {
        let b0 = p[i]
        @inline(__always) func cont(_ k: Int) -> Bool { i + k < end && p[i + k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            return cont(1) ? 2 : nil
        case 0xE0:
            return cont(1) && p[i + 1] >= 0xA0 && cont(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(1) && cont(2) ? 3 : nil
        case 0xED:
            return cont(1) && p[i + 1] < 0xA0 && cont(2) ? 3 : nil
        case 0xF0:
            return cont(1) && p[i + 1] >= 0x90 && cont(2) && cont(3) ? 4 : nil
        case 0xF1...0xF3:
            return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4:
            return cont(1) && p[i + 1] < 0x90 && cont(2) && cont(3) ? 4 : nil
        default:
            return nil
        }
    }

    private mutating func scanNumber() throws {
        var i = position
        @inline(__always) func digit(_ k: Int) -> Bool { k < end && base[k] &- 0x30 < 10 }
        if byte(at: i) == UInt8(ascii: "-") { i += 1 }
        if byte(at: i) == UInt8(ascii: "0") {
            i += 1
        } else if digit(i) {
            while digit(i) { i += 1 }
        } else {
            position = i
            throw error(expecting: "a digit")
        }
        if byte(at: i) == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else {
                position = i
                throw error(expecting: "a digit after the decimal point")
            }
            while digit(i) { i += 1 }
        }
        if byte(at: i) | 0x20 == UInt8(ascii: "e") {
            i += 1
            if byte(at: i) == UInt8(ascii: "+") || byte(at: i) == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else {
                position = i
                throw error(expecting: "a digit in the exponent")
            }
            while digit(i) { i += 1 }
        }
        position = i
    }

    // MARK: - Errors

    private func error(expecting what: String) -> JSONSyntaxError {
        if position >= end { return error("unexpected end of input, expected \(what)") }
        let c = base[position]
        let found = c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
        return error("expected \(what), found \(found)")
    }

    /// An error at the current position, with line and column counted from the buffer's start.
    package func error(_ reason: String) -> JSONSyntaxError {
        JSONReader.syntaxError(reason, at: position, in: UnsafeBufferPointer(start: base, count: end))
    }

    static func syntaxError(_ reason: String, at offset: Int, in buffer: UnsafeBufferPointer<UInt8>) -> JSONSyntaxError {
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, buffer.count) where buffer[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return JSONSyntaxError(offset: offset, line: line, column: offset - lineStart + 1, reason: reason)
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}

/// The content of a JSON string value: the bytes between its quotes.
package struct JSONStringSpan: Sendable, Hashable {
    /// The byte range between the quotes.
    package var range: Range<Int>
    /// Whether the content holds backslash escapes (and so must be decoded before use as text).
    package var hasEscapes: Bool
}
