import ConnectorTesting
import Foundation

/// A tiny TCP server on 127.0.0.1 for transport tests: each connection is handed to `handle` on
/// its own thread. Stops (closing every connection) on ``stop()``.
final class LoopbackServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let handle: @Sendable (Int32) -> Void
    private let lock = NSLock()
    private var connections: [Int32] = []
    private var stopped = false

    init(handle: @escaping @Sendable (Int32) -> Void) throws {
        self.handle = handle
        (listener, port) = try LoopbackPort.listen()
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { stop() }

    /// Stops accepting and ends open connections; once only (`deinit` calls it again).
    func stop() {
        let open: [Int32]? = lock.withLock {
            guard !stopped else { return nil }
            stopped = true
            // Shut down under the lock: a connection's fd leaves the list before it is closed, so
            // a number the kernel has since given to another socket is never touched.
            for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
            return connections
        }
        guard open != nil else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            let keep = lock.withLock {
                if stopped { return false }
                connections.append(fd)
                return true
            }
            guard keep else {
                close(fd)
                return
            }
            Thread.detachNewThread { [self] in
                handle(fd)
                lock.withLock {
                    connections.removeAll { $0 == fd }
                    close(fd)
                }
            }
        }
    }

    // MARK: - Helpers for handlers

    /// Reads until the end of a request head (`\r\n\r\n`).
    static func readHead(_ fd: Int32) -> String? {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1 {
            head.append(byte)
            if head.count >= 4, head.suffix(4) == [13, 10, 13, 10] { return String(decoding: head, as: UTF8.self) }
        }
        return nil
    }

    @discardableResult
    static func write(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) == $0.count }
    }

    /// Copies bytes both ways between two sockets until either side closes.
    static func relay(_ a: Int32, _ b: Int32) {
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while poll(&fds, 2, 10_000) > 0 {
            for (index, entry) in fds.enumerated() where entry.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                let other = fds[1 - index].fd
                let sent = buffer.withUnsafeBytes { send(other, $0.baseAddress, n, Int32(MSG_NOSIGNAL)) }
                if sent != n { return }
            }
        }
    }
}

/// A forward proxy on loopback: `CONNECT host:port` tunnels (HTTPS), an absolute-form request
/// (`GET http://host:port/path`) is passed on (HTTP). It records every request line it serves.
final class LoopbackProxy: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var server: LoopbackServer?

    var port: UInt16 { server?.port ?? 0 }
    var requestLines: [String] { lock.withLock { lines } }

    init() throws {
        server = try LoopbackServer { [weak self] fd in self?.serve(fd) }
    }

    func stop() { server?.stop() }

    private func serve(_ client: Int32) {
        guard let head = LoopbackServer.readHead(client), let line = head.split(separator: "\r\n").first.map(String.init) else { return }
        lock.withLock { lines.append(line) }
        let parts = line.split(separator: " ")
        guard parts.count == 3 else { return }
        if parts[0] == "CONNECT" {
            guard let port = parts[1].split(separator: ":").last.flatMap({ UInt16($0) }), let upstream = LoopbackPort.connect(port: port)
            else { return }
            defer { close(upstream) }
            LoopbackServer.write(client, "HTTP/1.1 200 Connection established\r\n\r\n")
            LoopbackServer.relay(client, upstream)
            return
        }
        guard let url = URLComponents(string: String(parts[1])), let port = url.port.map(UInt16.init),
            let upstream = LoopbackPort.connect(port: port)
        else { return }
        defer { close(upstream) }
        let target = url.percentEncodedPath + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
        let rest = head.split(separator: "\r\n", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().joined()
        LoopbackServer.write(upstream, "\(parts[0]) \(target) \(parts[2])\r\n" + rest)
        LoopbackServer.relay(client, upstream)
    }
}
