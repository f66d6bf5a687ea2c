import Foundation

/// A small, bounded HTTP/1.1 server for a service's own read-only endpoints (`/metrics`,
/// `/healthz`), on 127.0.0.1 unless another IPv4 address (`0.0.0.0`: every interface) is given.
///
/// One thread waits in `poll(2)` for every connection (waiting costs no CPU), and everything a
/// client can make it hold is bounded by ``Limits``: the request head's size and number of fields,
/// the time to send a request and to take the answer, the number of connections (and so the file
/// descriptors it holds). It answers `GET` and `HEAD` on its routes, `404` on other paths and
/// `405` for other methods; it accepts no request content: a request announcing any (a positive,
/// negative, non-numeric, duplicated or huge `Content-Length`, or a `Transfer-Encoding`) is
/// answered `400` or `413` and its connection closed. Running out of file descriptors
/// (`EMFILE`/`ENFILE`) pauses accepting briefly; it never ends the server.
///
/// This is not the vendor sandbox's test server: it serves a port of the product.
public final class ServiceHTTPServer: @unchecked Sendable {
    /// An answer of a route.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// The `Content-Type` header's value.
        public var contentType: String
        /// The body (not sent for `HEAD`).
        public var body: [UInt8]

        /// Creates a response.
        ///
        /// - Parameters:
        ///   - status: The status code.
        ///   - contentType: The `Content-Type` header's value.
        ///   - body: The body.
        public init(status: Int = 200, contentType: String = "text/plain", body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    /// Answers a `GET` or `HEAD` of one path; called on the server's thread, so it must return
    /// promptly (it must not call ``stop()``).
    public typealias Route = @Sendable () -> Response

    /// What a client can make the server hold, and for how long.
    public struct Limits: Sendable, Hashable {
        /// Connections open at once. When a connection arrives at the cap, the connection that has
        /// waited longest (closing ones first, then idle or slow ones) is closed to make room, so a
        /// flood of idle connections never locks a scraper out. Never more than a quarter of the
        /// process's open-file limit (`RLIMIT_NOFILE`), so the exports keep their descriptors.
        public var maxConnections = 64
        /// Bytes of a request head (request line and header fields); beyond it, `431`.
        public var maxHeadBytes = 8 * 1024
        /// Header fields of a request; beyond it, `431`.
        public var maxHeaderFields = 64
        /// Time a connection has to send a complete request head, from when it opened or from its
        /// previous answer: a slow head is answered `408` and closed, an idle connection closed.
        public var requestTimeout: Duration = .seconds(10)
        /// Time a client has to take an answer; then its connection is closed.
        public var responseTimeout: Duration = .seconds(10)
        /// After an error answer, the time and bytes of further input discarded before the
        /// connection is closed (so the client reads the answer rather than a reset).
        public var lingerTimeout: Duration = .seconds(2)
        /// See ``lingerTimeout``.
        public var lingerBytes = 64 * 1024
        /// How long accepting pauses after `accept(2)` fails for want of resources (`EMFILE`,
        /// `ENFILE`, `ENOBUFS`, `ENOMEM`); established connections are served meanwhile.
        public var acceptRetryDelay: Duration = .milliseconds(100)

        /// The defaults, documented in the README ("Limits of the metrics endpoint").
        public init() {}
    }

    /// The port the server listens on (the one given, or the one the system chose for 0).
    public let port: UInt16
    /// The IPv4 address it listens on, as given (`127.0.0.1`, `0.0.0.0`).
    public let host: String
    /// `host:port`.
    public var address: String { "\(host):\(port)" }
    /// The limits in force: the ones given, with ``Limits/maxConnections`` lowered to a quarter
    /// of the open-file limit when that is smaller.
    public let limits: Limits
    private let loop: ServiceHTTPEventLoop
    private let wake: (read: Int32, write: Int32)
    private let finished = DispatchSemaphore(value: 0)
    private let state = NSLock()
    private var stopped = false

    /// Binds `host`:`port` and starts serving `routes` on a thread of its own.
    ///
    /// - Parameters:
    ///   - host: An IPv4 address in dotted form: 127.0.0.1 (the default) for this machine only,
    ///     `0.0.0.0` for every interface.
    ///   - port: The port, or 0 for a free one.
    ///   - limits: The limits (the documented defaults unless a test shortens them).
    ///   - routes: The answer for each path (`/metrics`); a query string is ignored.
    ///   - log: Receives one line when accepting fails and one when it works again (never a line
    ///     per request: a client cannot flood the log).
    /// - Throws: ``ServiceHTTPError`` with ``ServiceHTTPError/Code/cannotListen`` when the address
    ///   is not an IPv4 address or the port cannot be bound.
    public init(
        host: String = "127.0.0.1", port: UInt16, limits: Limits = Limits(), routes: [String: Route],
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        var limits = limits
        limits.maxConnections = max(1, min(limits.maxConnections, Self.openFileLimit() / 4))
        limits.maxHeadBytes = min(max(limits.maxHeadBytes, 64), 1 << 20)
        limits.maxHeaderFields = max(limits.maxHeaderFields, 1)
        // Deadlines are `now + timeout`: kept within a day, so that sum can never overflow.
        for timeout in [\Limits.requestTimeout, \.responseTimeout, \.lingerTimeout, \.acceptRetryDelay] {
            limits[keyPath: timeout] = min(max(limits[keyPath: timeout], .zero), .seconds(86_400))
        }
        let listener = try Self.listen(host: host, port: port)
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            let reason = String(cString: strerror(errno))
            close(listener.fd)
            throw ServiceHTTPError(.cannotListen, "cannot listen on \(host):\(port): cannot create a pipe: \(reason)")
        }
        for end in pipeEnds { Self.makeNonBlocking(end) }
        self.port = listener.port
        self.host = host
        self.limits = limits
        wake = (pipeEnds[0], pipeEnds[1])
        loop = ServiceHTTPEventLoop(
            listener: listener.fd, wake: wake, address: "\(host):\(listener.port)", limits: limits,
            routes: routes, log: log)
        let thread = Thread { [loop, finished] in
            loop.run()
            finished.signal()
        }
        thread.name = "metrics endpoint"
        thread.stackSize = 512 * 1024
        thread.start()
    }

    deinit { stop() }

    /// Connections open now (for monitoring and tests).
    public var openConnections: Int { loop.openConnections }

    /// Stops accepting, closes every connection and the listening socket, and returns once the
    /// server's thread has ended. Calling it again does nothing.
    public func stop() {
        let first = state.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        loop.requestStop()
        finished.wait()
        close(wake.read)
        close(wake.write)
    }

    /// Makes `fd` non-blocking and closed on `exec`.
    static func makeNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    /// The soft open-file limit, or `Int.max` when there is none.
    static func openFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return Int.max }
        return Int(clamping: limit.rlim_cur)
    }

    /// A non-blocking listening socket on `host`:`port`.
    private static func listen(host: String, port: UInt16) throws -> (fd: Int32, port: UInt16) {
        var ipv4 = in_addr()
        guard inet_pton(AF_INET, host, &ipv4) == 1 else {
            throw ServiceHTTPError(.cannotListen, "cannot listen on \(host):\(port): not an IPv4 address (such as 127.0.0.1 or 0.0.0.0)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw ServiceHTTPError(.cannotListen, "cannot listen on \(host):\(port): \(String(cString: strerror(errno)))")
        }
        makeNonBlocking(fd)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr = ipv4
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && Glibc.listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ServiceHTTPError(.cannotListen, "cannot listen on \(host):\(port): \(reason)")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}
