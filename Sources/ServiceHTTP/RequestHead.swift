/// A request head the server accepts: a `GET`/`HEAD`-able request line and its fields, read
/// strictly (RFC 9112) from bytes, without a trap on any input.
struct RequestHead: Equatable {
    /// Why a head is refused: the status to answer and a short reason (never the client's bytes).
    struct Rejection: Error, Equatable {
        var status: Int
        var reason: String
    }

    /// The method (a token; whether it is allowed is the server's decision).
    var method: String
    /// The path of the request target, without its query.
    var path: String
    /// Whether the client keeps the connection open after the answer.
    var keepAlive: Bool

    /// Reads a head: the bytes before the blank line ending it.
    ///
    /// - Parameters:
    ///   - bytes: The request line and the field lines, without the final CRLFCRLF.
    ///   - maxFields: Field lines allowed.
    /// - Returns: The head, or why it is refused.
    static func parse(_ bytes: ArraySlice<UInt8>, maxFields: Int) -> Result<RequestHead, Rejection> {
        guard let lines = splitLines(bytes) else { return .failure(Rejection(status: 400, reason: "a bare CR or LF in the request head")) }
        guard let requestLine = lines.first else { return .failure(Rejection(status: 400, reason: "no request line")) }
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte) else {
            return .failure(Rejection(status: 400, reason: "the request line is not METHOD TARGET HTTP/1.1"))
        }
        let target = parts[1]
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return .failure(Rejection(status: 400, reason: "the request target is not a path"))
        }
        let version = Array(parts[2])
        let http1 = Array("HTTP/1.".utf8)
        guard version.count == 8, Array(version.prefix(5)) == Array("HTTP/".utf8), version[6] == UInt8(ascii: "."),
            version[5].isDigit, version[7].isDigit
        else { return .failure(Rejection(status: 400, reason: "the request line is not METHOD TARGET HTTP/1.1")) }
        guard Array(version.prefix(7)) == http1 else { return .failure(Rejection(status: 505, reason: "only HTTP/1.x is served")) }
        let isHTTP11 = version[7] != UInt8(ascii: "0")

        let fieldLines = lines.dropFirst()
        guard fieldLines.count <= maxFields else {
            return .failure(Rejection(status: 431, reason: "more than \(maxFields) header fields"))
        }
        var hosts = 0
        var contentLengths: [ArraySlice<UInt8>] = []
        var transferEncoding = false
        var connection: [String] = []
        for line in fieldLines {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(Rejection(status: 400, reason: "a header line without a colon"))
            }
            let name = line[line.startIndex..<colon]
            // No whitespace before the colon and no folded lines (RFC 9112 §5.1, §5.2).
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
                return .failure(Rejection(status: 400, reason: "a header name that is not a token"))
            }
            let value = trimmed(line[(colon + 1)...])
            guard value.allSatisfy({ $0 == 0x09 || $0 == 0x20 || (0x21...0x7E).contains($0) || $0 >= 0x80 }) else {
                return .failure(Rejection(status: 400, reason: "a control character in a header value"))
            }
            switch String(decoding: name, as: UTF8.self).lowercased() {
            case "host": hosts += 1
            case "content-length": contentLengths.append(value)
            case "transfer-encoding": transferEncoding = true
            case "connection":
                connection += value.split(separator: UInt8(ascii: ",")).map { String(decoding: trimmed($0), as: UTF8.self).lowercased() }
            default: break
            }
        }
        // RFC 9112 §3.2: exactly one Host in HTTP/1.1, never two.
        guard hosts == 1 || (hosts == 0 && !isHTTP11) else {
            return .failure(Rejection(status: 400, reason: hosts == 0 ? "no Host header" : "more than one Host header"))
        }
        if let rejection = contentRejection(contentLengths, transferEncoding: transferEncoding) { return .failure(rejection) }

        let query = target.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex
        let keepAlive = isHTTP11 ? !connection.contains("close") : connection.contains("keep-alive")
        return .success(
            RequestHead(
                method: String(decoding: parts[0], as: UTF8.self), path: String(decoding: target[..<query], as: UTF8.self),
                keepAlive: keepAlive))
    }

    /// No request content is accepted: only one `Content-Length: 0` (or none) passes.
    private static func contentRejection(_ lengths: [ArraySlice<UInt8>], transferEncoding: Bool) -> Rejection? {
        if transferEncoding {
            return lengths.isEmpty
                ? Rejection(status: 413, reason: "request content is not accepted")
                : Rejection(status: 400, reason: "both Transfer-Encoding and Content-Length")
        }
        guard let length = lengths.first else { return nil }
        guard lengths.count == 1 else { return Rejection(status: 400, reason: "more than one Content-Length") }
        guard !length.isEmpty, length.allSatisfy(\.isDigit) else {
            return Rejection(status: 400, reason: "Content-Length is not a whole number")
        }
        // Digits only, so no sign and no overflow: the value is never computed, only compared with 0.
        guard length.allSatisfy({ $0 == UInt8(ascii: "0") }) else {
            return Rejection(status: 413, reason: "request content is not accepted")
        }
        return nil
    }

    /// The lines between CRLFs, or nil when a CR or LF stands alone.
    private static func splitLines(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>]? {
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            switch bytes[index] {
            case 0x0D:
                guard index + 1 < bytes.endIndex, bytes[index + 1] == 0x0A else { return nil }
                lines.append(bytes[start..<index])
                index += 2
                start = index
            case 0x0A: return nil
            default: index += 1
            }
        }
        lines.append(bytes[start..<bytes.endIndex])
        return lines
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }

    /// A `tchar` of RFC 9110 §5.6.2.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}
