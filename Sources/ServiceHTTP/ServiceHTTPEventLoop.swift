import Foundation

/// The thread of a ``ServiceHTTPServer``: one `poll(2)` over a wake pipe, the listening socket
/// and every connection (at most ``ServiceHTTPServer/Limits/maxConnections``), sleeping until one
/// of them is ready or the nearest deadline passes.
final class ServiceHTTPEventLoop: @unchecked Sendable {
    private let listener: Int32
    private let wake: (read: Int32, write: Int32)
    private let address: String
    private let limits: ServiceHTTPServer.Limits
    private let routes: [String: ServiceHTTPServer.Route]
    private let log: @Sendable (String) -> Void
    private let clock = ContinuousClock()

    private let lock = NSLock()
    /// Under ``lock``.
    private var stopRequested = false
    /// Under ``lock``: the number of connections, for ``openConnections``.
    private var published = 0

    // The server thread's own state.
    private var connections: [ServiceHTTPConnection] = []
    private var acceptPausedUntil: ContinuousClock.Instant?
    /// Why accepting fails, while it does (so it is logged once, not every retry).
    private var acceptFailure: String?
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)

    init(
        listener: Int32, wake: (read: Int32, write: Int32), address: String, limits: ServiceHTTPServer.Limits,
        routes: [String: ServiceHTTPServer.Route], log: @escaping @Sendable (String) -> Void
    ) {
        self.listener = listener
        self.wake = wake
        self.address = address
        self.limits = limits
        self.routes = routes
        self.log = log
    }

    /// Connections open now.
    var openConnections: Int { lock.withLock { published } }

    /// Makes ``run()`` return soon: its `poll` wakes up on the pipe.
    func requestStop() {
        lock.withLock { stopRequested = true }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    /// Serves until ``requestStop()``; then closes the listener and every connection (the wake
    /// pipe is the server's to close, after this returns).
    func run() {
        while !lock.withLock({ stopRequested }) {
            var now = clock.now
            expire(now)
            lock.withLock { published = connections.count }
            if let until = acceptPausedUntil, now >= until { acceptPausedUntil = nil }
            let accepting = acceptPausedUntil == nil
            var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            if accepting { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            let first = fds.count
            for connection in connections {
                let events = if case .writing = connection.phase { POLLOUT } else { POLLIN }
                fds.append(pollfd(fd: connection.fd, events: Int16(events), revents: 0))
            }
            let ready = poll(&fds, nfds_t(fds.count), waitMilliseconds(now))
            guard ready >= 0 else {
                // EINTR; or ENOMEM, which passes: wait a moment rather than spin.
                if errno != EINTR { _ = poll(nil, 0, 10) }
                continue
            }
            if fds[0].revents != 0 { drainWakePipe() }
            now = clock.now
            for (offset, polled) in fds[first...].enumerated() where polled.revents != 0 {
                if polled.revents & Int16(POLLNVAL) != 0 {
                    // Cannot happen (only this thread closes these); never close a number twice.
                    connections[offset].phase = .closed
                    continue
                }
                handle(&connections[offset], now: now)
            }
            connections.removeAll { $0.phase == .closed }
            if accepting, fds[1].revents != 0 { acceptPending(now: now) }
        }
        for connection in connections where connection.phase != .closed { close(connection.fd) }
        connections = []
        close(listener)
        lock.withLock { published = 0 }
    }

    // MARK: - Connections

    private func handle(_ connection: inout ServiceHTTPConnection, now: ContinuousClock.Instant) {
        switch connection.phase {
        case .reading:
            // Never more than the head limit buffered: a full buffer without a blank line is a 431.
            let room = limits.maxHeadBytes - connection.input.count
            guard room > 0 else {
                return reject(&connection, headTooLong, now: now)
            }
            guard let count = receive(&connection, upTo: room) else { return }
            connection.input += scratch[0..<count]
            process(&connection, now: now)
        case .writing:
            flush(&connection, now: now)
            if connection.phase == .reading { process(&connection, now: now) }
        case .lingering:
            guard let count = receive(&connection, upTo: scratch.count) else { return }
            connection.discarded += count
            if connection.discarded > limits.lingerBytes { shut(&connection) }
        case .closed: break
        }
    }

    /// Reads into ``scratch``: the byte count, or nil when there is nothing (the connection is
    /// closed when the client closed it or it failed).
    private func receive(_ connection: inout ServiceHTTPConnection, upTo limit: Int) -> Int? {
        let count = scratch.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, min(limit, $0.count), Int32(MSG_DONTWAIT)) }
        if count > 0 { return count }
        if count < 0, [EAGAIN, EWOULDBLOCK, EINTR].contains(errno) { return nil }
        shut(&connection)
        return nil
    }

    /// Answers every complete request head in the input, while answers go out at once.
    private func process(_ connection: inout ServiceHTTPConnection, now: ContinuousClock.Instant) {
        while connection.phase == .reading {
            // RFC 9112 §2.2: empty lines before a request line are ignored.
            var skip = 0
            while skip + 1 < connection.input.count, connection.input[skip] == 0x0D, connection.input[skip + 1] == 0x0A { skip += 2 }
            connection.input.removeFirst(skip)
            guard let end = Self.headEnd(connection.input) else {
                if connection.input.count >= limits.maxHeadBytes {
                    reject(&connection, headTooLong, now: now)
                }
                return
            }
            let parsed = RequestHead.parse(connection.input[..<end], maxFields: limits.maxHeaderFields)
            connection.input.removeFirst(end + 4)
            switch parsed {
            case .failure(let rejection): reject(&connection, rejection, now: now)
            case .success(let head): answer(&connection, head, now: now)
            }
        }
    }

    private var headTooLong: RequestHead.Rejection {
        .init(status: 431, reason: "the request head is longer than \(limits.maxHeadBytes) bytes")
    }

    private func answer(_ connection: inout ServiceHTTPConnection, _ head: RequestHead, now: ContinuousClock.Instant) {
        guard head.method == "GET" || head.method == "HEAD" else {
            let body = Array("method not allowed: only GET and HEAD\n".utf8)
            return respond(&connection, status: 405, body: body, extra: "Allow: GET, HEAD\r\n", close: !head.keepAlive, now: now)
        }
        let response = routes[head.path]?() ?? ServiceHTTPServer.Response(status: 404, body: Array("not found\n".utf8))
        respond(
            &connection, status: response.status, contentType: response.contentType, body: response.body, omitBody: head.method == "HEAD",
            close: !head.keepAlive, now: now)
    }

    /// Answers an error and closes: the rest of the input cannot be trusted to be a request.
    private func reject(_ connection: inout ServiceHTTPConnection, _ rejection: RequestHead.Rejection, now: ContinuousClock.Instant) {
        connection.input = []
        respond(&connection, status: rejection.status, body: Array((rejection.reason + "\n").utf8), close: true, now: now)
    }

    private func respond(
        _ connection: inout ServiceHTTPConnection, status: Int, contentType: String = "text/plain", body: [UInt8], omitBody: Bool = false,
        extra: String = "", close: Bool, now: ContinuousClock.Instant
    ) {
        let head =
            "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\(extra)"
            + "Connection: \(close ? "close" : "keep-alive")\r\n\r\n"
        connection.output = Array(head.utf8) + (omitBody ? [] : body)
        connection.sent = 0
        connection.phase = .writing(closeAfter: close)
        connection.since = now
        connection.deadline = now + limits.responseTimeout
        flush(&connection, now: now)
    }

    /// Sends what the socket takes of the answer; when all is sent, waits for the next request
    /// or lingers before closing.
    private func flush(_ connection: inout ServiceHTTPConnection, now: ContinuousClock.Instant) {
        guard case .writing(let closeAfter) = connection.phase else { return }
        while connection.sent < connection.output.count {
            let count = connection.output.withUnsafeBytes {
                send(connection.fd, $0.baseAddress! + connection.sent, $0.count - connection.sent, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if count > 0 {
                connection.sent += count
            } else if count < 0, errno == EINTR {
                continue
            } else if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                return shut(&connection)
            }
        }
        connection.output = []
        connection.sent = 0
        connection.since = now
        if closeAfter {
            // Half-close and discard what still arrives (bounded), so the client reads the answer
            // instead of a reset caused by unread input.
            shutdown(connection.fd, Int32(SHUT_WR))
            connection.phase = .lingering
            connection.input = []
            connection.deadline = now + limits.lingerTimeout
        } else {
            connection.phase = .reading
            connection.deadline = now + limits.requestTimeout
        }
    }

    private func shut(_ connection: inout ServiceHTTPConnection) {
        guard connection.phase != .closed else { return }
        close(connection.fd)
        connection.phase = .closed
        connection.input = []
        connection.output = []
    }

    /// Ends the waits that passed their deadline: a slow head is answered 408, everything else closed.
    private func expire(_ now: ContinuousClock.Instant) {
        for index in connections.indices where connections[index].deadline <= now {
            if connections[index].phase == .reading, !connections[index].input.isEmpty {
                reject(&connections[index], .init(status: 408, reason: "the request head took too long"), now: now)
            } else {
                shut(&connections[index])
            }
        }
        connections.removeAll { $0.phase == .closed }
    }

    /// Milliseconds until the nearest deadline (or the end of an accept pause); -1 for none.
    private func waitMilliseconds(_ now: ContinuousClock.Instant) -> Int32 {
        let nearest = (connections.map(\.deadline) + [acceptPausedUntil].compactMap { $0 }).min()
        guard let nearest else { return -1 }
        let (seconds, attoseconds) = (nearest - now).components
        if seconds < 0 { return 0 }
        if seconds >= 60 { return 60_000 }
        return Int32(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    // MARK: - Accepting

    /// Accepts what is waiting (a bounded number per wake-up). At the cap, the connection waiting
    /// longest makes room. Resources running out pauses accepting; nothing ends it but a stop.
    private func acceptPending(now: ContinuousClock.Instant) {
        for attempt in 0..<16 {
            if connections.count >= limits.maxConnections {
                // Room for the connection `poll` reported; more wait for the next wake-up.
                guard attempt == 0 else { return }
                evictLongestWaiting()
            }
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else {
                let code = errno
                switch code {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR, ECONNABORTED, EPROTO, EPERM: continue
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays in the backlog until
                    // descriptors are free again; open connections are served meanwhile.
                    acceptPausedUntil = now + limits.acceptRetryDelay
                    let reason = String(cString: strerror(code))
                    if acceptFailure == nil {
                        let delay = limits.acceptRetryDelay.components
                        let milliseconds = delay.seconds * 1000 + delay.attoseconds / 1_000_000_000_000_000
                        log("\(address): cannot accept a connection (\(reason)); trying again every \(milliseconds) ms, serving open ones")
                    }
                    acceptFailure = reason
                    return
                }
            }
            if acceptFailure != nil {
                log("\(address): accepting connections again")
                acceptFailure = nil
            }
            ServiceHTTPServer.makeNonBlocking(fd)
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            connections.append(ServiceHTTPConnection(fd: fd, since: now, deadline: now + limits.requestTimeout))
        }
    }

    private func evictLongestWaiting() {
        guard let index = connections.indices.min(by: { connections[$0].evictionOrder < connections[$1].evictionOrder }) else { return }
        shut(&connections[index])
        connections.remove(at: index)
    }

    private func drainWakePipe() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(wake.read, &bytes, bytes.count) > 0 {}
    }

    // MARK: - Wire format

    /// The index of the CRLFCRLF ending a head, or nil.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A {
            return index
        }
        return nil
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}
