import Foundation

/// A raw TCP client on 127.0.0.1 that sends any bytes and reads what comes back. Every wait is
/// bounded (30 s on the socket), so a server that stalls fails the test instead of hanging it.
/// Sending on one thread while reading on another is safe: the reader alone touches the buffer.
final class RawClient: @unchecked Sendable {
    /// One answer read off the wire.
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// How reading to the end finished.
    struct Ending {
        /// Everything received.
        var bytes: [UInt8]
        /// Whether the server closed the connection (end of stream or reset), not a timeout.
        var closed: Bool
        var text: String { String(decoding: bytes, as: UTF8.self) }
        /// The status of the first answer in the bytes, if any.
        var status: Int? {
            guard text.hasPrefix("HTTP/1.1 "), text.count >= 12 else { return nil }
            return Int(text.dropFirst(9).prefix(3))
        }
    }

    let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`.
    ///
    /// - Parameter receiveBuffer: A small `SO_RCVBUF`, to make a client that does not read fill up soon.
    init(port: UInt16, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            let code = errno
            Glibc.close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .ECONNREFUSED)
        }
    }

    deinit { Glibc.close(fd) }

    /// Sends all of `bytes`; false when the connection failed (reset, closed, timed out).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }

    /// Sends text as UTF-8.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Closes the sending side: the server reads the end of the stream.
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads one answer (head, then `Content-Length` bytes unless `toHead`); nil when the
    /// connection ended first.
    func readResponse(toHead: Bool = false) -> Response? {
        var end: Int?
        while true {
            end = Self.headEnd(buffer)
            if end != nil { break }
            guard fill() else { return nil }
        }
        guard let end else { return nil }
        let lines = String(decoding: buffer[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard lines[0].hasPrefix("HTTP/1.1 "), let status = Int(lines[0].dropFirst(9).prefix(3)) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = toHead ? 0 : Int(headers["content-length"] ?? "") ?? 0
        while buffer.count < end + 4 + length {
            guard fill() else { return nil }
        }
        let body = Array(buffer[(end + 4)..<(end + 4 + length)])
        buffer.removeFirst(end + 4 + length)
        return Response(status: status, headers: headers, body: body)
    }

    /// Reads until the server closes the connection (or `limit` bytes, or the 30 s timeout).
    func readToEnd(limit: Int = 1 << 20) -> Ending {
        var bytes = buffer
        buffer = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                bytes += chunk[0..<count]
            } else if count == 0 || errno == ECONNRESET {
                return Ending(bytes: bytes, closed: true)
            } else if errno != EINTR {
                return Ending(bytes: bytes, closed: false)
            }
        }
        return Ending(bytes: bytes, closed: false)
    }

    /// Waits up to `milliseconds` for something to read (or the end); false when nothing came.
    func waitReadable(milliseconds: Int32) -> Bool {
        var polled = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&polled, 1, milliseconds) > 0
    }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer += chunk[0..<count]
                return true
            }
            if count < 0, errno == EINTR { continue }
            return false
        }
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }
    }
}

/// Waits (polling, for at most `limit` seconds) until `condition` holds: synchronising on what the
/// server did, never on a guess of how long it takes.
///
/// - Returns: Whether it held.
@discardableResult
func waitUntil(limit: Double = 60, _ condition: () -> Bool) -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(limit)
    while !condition() {
        if clock.now > deadline { return false }
        usleep(2_000)
    }
    return true
}
