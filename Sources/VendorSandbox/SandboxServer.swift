import Foundation

/// A small HTTP/1.1 server on loopback over POSIX sockets: keep-alive, one thread per connection,
/// clean shutdown. Written for the vendor sandbox; no packages.
public final class SandboxServer: @unchecked Sendable {
    /// One parsed request.
    public struct Request: Sendable {
        /// The method.
        public var method: String
        /// The request target as sent (`/path?query`).
        public var target: String
        /// The path, percent-decoded.
        public var path: String
        /// Query items, decoded, in order.
        public var query: [(name: String, value: String)]
        /// Header fields keyed by lowercased name.
        public var headers: [String: String]

        /// The first value of a query parameter.
        public func parameter(_ name: String) -> String? { query.first { $0.name == name }?.value }
    }

    /// A response to send.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// Extra header fields.
        public var headers: [(String, String)]
        /// The body.
        public var body: [UInt8]
        /// Send only this many body bytes (with the full `Content-Length`), then close: a cut-off body.
        public var truncateAfter: Int?
        /// Seconds to wait before answering.
        public var delay: Double

        /// Creates a response.
        public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], truncateAfter: Int? = nil, delay: Double = 0) {
            self.status = status
            self.headers = headers
            self.body = body
            self.truncateAfter = truncateAfter
            self.delay = delay
        }

        /// A JSON response.
        public static func json(_ status: Int, _ body: [UInt8], headers: [(String, String)] = []) -> Response {
            Response(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
        }
    }

    private let listener: Int32
    /// The port the server listens on.
    public let port: UInt16
    private let handler: @Sendable (Request) -> Response
    private let lock = NSLock()
    /// Signalled by ``stop()`` so slow answers end at once.
    private let stopping = NSCondition()
    private var stopRequested = false
    private var connections: Set<Int32> = []
    private var stopped = false
    private let threads = DispatchGroup()

    /// Binds a listening socket on 127.0.0.1.
    ///
    /// - Parameters:
    ///   - port: The port, or 0 for a free one.
    ///   - handler: Answers each request (called on connection threads).
    /// - Throws: An error naming the port when it cannot listen.
    public init(port: UInt16 = 0, handler: @escaping @Sendable (Request) -> Response) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SandboxError("cannot create a socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw SandboxError("cannot listen on 127.0.0.1:\(port): \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.listener = fd
        self.port = UInt16(bigEndian: actual.sin_port)
        self.handler = handler
        threads.enter()
        let thread = Thread { [self] in
            acceptLoop()
            threads.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops accepting, closes every connection and waits for the connection threads to end.
    public func stop() {
        lock.lock()
        let alreadyStopped = stopped
        stopped = true
        // Under the lock: a connection's fd leaves the set before it is closed, so a number the
        // kernel has since given to another socket is never shut down.
        if !alreadyStopped { for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) } }
        lock.unlock()
        guard !alreadyStopped else { return }
        stopping.lock()
        stopRequested = true
        stopping.broadcast()
        stopping.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        threads.wait()
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            lock.lock()
            if stopped {
                lock.unlock()
                close(fd)
                return
            }
            connections.insert(fd)
            lock.unlock()
            threads.enter()
            let thread = Thread { [self] in
                serve(fd)
                lock.withLock {
                    _ = connections.remove(fd)
                    close(fd)
                }
                threads.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            // Read until the end of the header block.
            var headerEnd: Int?
            while headerEnd == nil {
                headerEnd = SandboxServer.find([13, 10, 13, 10], in: buffer)
                if headerEnd != nil { break }
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                buffer += chunk[0..<n]
                if buffer.count > 1 << 20 { return }
            }
            guard let end = headerEnd, let request = SandboxServer.parse(Array(buffer[0..<end])) else {
                _ = send(fd, Response.json(400, Array("{\"message\":\"bad request\"}".utf8)), keepAlive: false)
                return
            }
            var consumed = end + 4
            let bodyLength = request.headers["content-length"].flatMap(Int.init) ?? 0
            while buffer.count < consumed + bodyLength {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                buffer += chunk[0..<n]
            }
            consumed += bodyLength
            buffer.removeFirst(consumed)
            let response = handler(request)
            if response.delay > 0, !waitUnlessStopped(response.delay) { return }
            let keepAlive = request.headers["connection"]?.lowercased() != "close" && response.truncateAfter == nil
            guard send(fd, response, keepAlive: keepAlive), keepAlive else { return }
        }
    }

    /// Waits `seconds` (a slow vendor), or less when the server stops meanwhile.
    ///
    /// - Returns: false when the server stopped.
    private func waitUnlessStopped(_ seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        stopping.lock()
        defer { stopping.unlock() }
        while !stopRequested {
            if !stopping.wait(until: deadline) { return true }
        }
        return false
    }

    private func send(_ fd: Int32, _ response: Response, keepAlive: Bool) -> Bool {
        var head = "HTTP/1.1 \(response.status) \(SandboxServer.reason(response.status))\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(response.body.count)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        // Head and body go out separately: a page is never copied just to put a head before it.
        return sendAll(fd, Array(head.utf8)[...]) && sendAll(fd, response.body.prefix(response.truncateAfter ?? response.body.count))
    }

    private func sendAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 {
                if n < 0, errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<index + needle.count]) == needle { return index }
        }
        return nil
    }

    static func parse(_ head: [UInt8]) -> Request? {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let target = String(parts[1])
        guard let components = URLComponents(string: target) else { return nil }
        let query = (components.queryItems ?? []).map { (name: $0.name, value: $0.value ?? "") }
        return Request(method: String(parts[0]), target: target, path: components.path, query: query, headers: headers)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}

/// A sandbox failure (cannot listen, bad option).
public struct SandboxError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
