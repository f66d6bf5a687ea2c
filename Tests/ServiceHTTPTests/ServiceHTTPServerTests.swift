import Foundation
import ServiceHTTP
import Testing

/// A server with the metrics endpoint's routes (and `/big`, an answer larger than socket buffers).
func metricsServer(_ limits: ServiceHTTPServer.Limits = .init()) throws -> ServiceHTTPServer {
    let big = [UInt8](repeating: UInt8(ascii: "x"), count: 32 << 20)
    return try ServiceHTTPServer(
        port: 0, limits: limits,
        routes: [
            "/metrics": { .init(contentType: "text/plain; version=0.0.4", body: Array("# TYPE up gauge\nup 1\n".utf8)) },
            "/healthz": { .init(body: Array("ok\n".utf8)) },
            "/big": { .init(body: big) },
        ])
}

/// `GET /metrics` on a new connection: the body of a 200, or nil.
func scrape(_ server: ServiceHTTPServer) -> String? {
    guard let client = try? RawClient(port: server.port),
        client.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
        let response = client.readResponse(), response.status == 200
    else { return nil }
    return response.text
}

/// A hostile or malformed request and the error status it must get (then a close).
struct HostileRequest: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var status: Int
    var testDescription: String { name }

    init(_ name: String, _ text: String, _ status: Int) {
        self.name = name
        bytes = Array(text.utf8)
        self.status = status
    }

    static func get(_ fields: String) -> String { "GET /metrics HTTP/1.1\r\nHost: x\r\n\(fields)\r\n" }

    static let all: [HostileRequest] = [
        .init("negative Content-Length", get("Content-Length: -100000\r\n"), 400),
        .init("Content-Length Int64.max", get("Content-Length: 9223372036854775807\r\n"), 413),
        .init("Content-Length beyond Int64", get("Content-Length: 99999999999999999999999999999999\r\n"), 413),
        .init("non-numeric Content-Length", get("Content-Length: abc\r\n"), 400),
        .init("signed Content-Length", get("Content-Length: +5\r\n"), 400),
        .init("empty Content-Length", get("Content-Length: \r\n"), 400),
        .init("list Content-Length", get("Content-Length: 5, 5\r\n"), 400),
        .init("duplicate Content-Length", get("Content-Length: 0\r\nContent-Length: 0\r\n"), 400),
        .init("a small body", get("Content-Length: 5\r\n") + "hello", 413),
        .init("a POST with a body", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 413),
        .init("chunked body", get("Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n", 413),
        .init("Transfer-Encoding and Content-Length", get("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), 400),
        .init("oversized header", get("X-Big: " + String(repeating: "a", count: 9000) + "\r\n"), 431),
        .init("oversized request line", "GET /" + String(repeating: "m", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 431),
        .init("head without end", String(repeating: "garbage ", count: 2000), 431),
        .init("too many header fields", get(String(repeating: "X-A: 1\r\n", count: 100)), 431),
        .init("no Host", "GET /metrics HTTP/1.1\r\n\r\n", 400),
        .init("two Hosts", get("Host: y\r\n"), 400),
        .init("bare LF in the head", "GET /metrics HTTP/1.1\r\nHost: x\nX-Evil: 1\r\n\r\n", 400),
        .init("bare CR in a value", get("X-A: a\rb\r\n"), 400),
        .init("NUL in a value", get("X-A: a\u{0}b\r\n"), 400),
        .init("space before the colon", get("Host : x\r\n"), 400),
        .init("folded line", get("X-A: a\r\n b\r\n"), 400),
        .init("line without colon", get("garbage\r\n"), 400),
        .init("HTTP/2.0", "GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        .init("request line of two parts", "GET /metrics\r\nHost: x\r\n\r\n", 400),
        .init("double space in the request line", "GET  /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        .init("target not a path", "GET metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        .init("absolute target", "GET http://evil/metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        .init("CR LF garbage", "\r\r\n\n\r\n\r\n", 400),
        .init("CR LF garbage after blank lines", "\r\n\r\n\r\n\n\r\r\n\r\n", 400),
        .init("TLS hello", "\u{16}\u{3}\u{1}\u{0}\u{a5}\u{1}\u{0}\u{0}\u{a1}\u{3}\u{3}\r\n\r\n", 400),
    ]
}

@Suite("service HTTP server (the metrics endpoint) over loopback")
struct ServiceHTTPServerTests {
    @Test("GET and HEAD answer the routes in the same format as before; keep-alive and pipelining; 404 elsewhere; 405 for other methods")
    func routes() throws {
        let server = try metricsServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let metrics = try #require(client.readResponse())
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4")
        #expect(metrics.headers["connection"] == "keep-alive")
        #expect(metrics.text == "# TYPE up gauge\nup 1\n")

        client.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try #require(client.readResponse(toHead: true))
        #expect(head.status == 200 && head.headers["content-length"] == "21" && head.body.isEmpty)

        // Two requests in one write, with a query and a blank line before the second.
        client.send("GET /healthz?probe=1 HTTP/1.1\r\nHost: x\r\n\r\n\r\nGET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        let health = try #require(client.readResponse())
        #expect(health.status == 200 && health.text == "ok\n")
        let missing = try #require(client.readResponse())
        #expect(missing.status == 404 && missing.text == "not found\n")

        client.send("DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let method = try #require(client.readResponse())
        #expect(method.status == 405 && method.headers["allow"] == "GET, HEAD")

        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(client.readResponse()?.headers["connection"] == "close")
        #expect(client.readToEnd().closed)

        // HTTP/1.0 needs no Host and closes unless asked to keep the connection.
        let old = try RawClient(port: server.port)
        old.send("GET /healthz HTTP/1.0\r\n\r\n")
        #expect(old.readResponse()?.status == 200)
        #expect(old.readToEnd().closed)
    }

    @Test("a hostile or malformed request gets a clean error answer and a close; /metrics still answers", arguments: HostileRequest.all)
    func hostile(request: HostileRequest) throws {
        let server = try metricsServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send(request.bytes)
        let ending = client.readToEnd()
        #expect(ending.status == request.status, "\(ending.text.prefix(200))")
        #expect(ending.closed, "the connection stays open")
        #expect(scrape(server) == "# TYPE up gauge\nup 1\n")
    }

    @Test("a body streamed forever is refused with 413 and its connection closed, without the server reading it")
    func endlessBody() throws {
        let server = try metricsServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n")
        // The writer stops when the server closes; the old server read on for ever (256 MiB here).
        let sent = SentBytes()
        let writer = Thread {
            let chunk = [UInt8](repeating: UInt8(ascii: "b"), count: 64 * 1024)
            while sent.total < 256 << 20, client.send(chunk) { sent.add(chunk.count) }
            sent.finish(errno: errno)
        }
        writer.start()
        let ending = client.readToEnd()
        #expect(ending.status == 413, "\(ending.text.prefix(200))")
        #expect(ending.closed)
        sent.waitFinished()
        #expect(sent.total < 256 << 20, "the server kept reading the body")
        #expect([EPIPE, ECONNRESET].contains(sent.errno), "the writer stopped for another reason: \(sent.errno)")
        #expect(scrape(server) != nil)
    }

    @Test("a slow (slowloris) head is answered 408 and closed; an idle connection and an idle keep-alive one are closed")
    func timeouts() throws {
        var limits = ServiceHTTPServer.Limits()
        limits.requestTimeout = .milliseconds(300)
        let server = try metricsServer(limits)
        defer { server.stop() }

        // One byte at a time, paced by the server's silence, never finishing the head: the
        // deadline runs from the connection's start, so a drip does not extend it.
        let slow = try RawClient(port: server.port)
        slow.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        var dripped = 0
        while dripped < 200, !slow.waitReadable(milliseconds: 100), slow.send("a") { dripped += 1 }
        #expect(dripped < 200, "the head dripped on without an answer")
        let ending = slow.readToEnd()
        #expect(ending.status == 408, "\(ending.text.prefix(200))")
        #expect(ending.closed)

        let idle = try RawClient(port: server.port)
        let silent = idle.readToEnd()
        #expect(silent.closed && silent.bytes.isEmpty)

        let kept = try RawClient(port: server.port)
        kept.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(kept.readResponse()?.status == 200)
        let after = kept.readToEnd()
        #expect(after.closed && after.bytes.isEmpty)
        #expect(scrape(server) != nil)
    }

    @Test("a client that never reads its answer is disconnected after the response timeout")
    func unreadAnswer() throws {
        var limits = ServiceHTTPServer.Limits()
        limits.responseTimeout = .milliseconds(300)
        let server = try metricsServer(limits)
        defer { server.stop() }
        let client = try RawClient(port: server.port, receiveBuffer: 4096)
        client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(waitUntil { server.openConnections == 1 })
        #expect(waitUntil { server.openConnections == 0 }, "the server kept a client that does not read")
        let ending = client.readToEnd(limit: 64 << 20)
        #expect(ending.closed)
        #expect(ending.bytes.count < 32 << 20)
        #expect(scrape(server) != nil)
    }

    @Test("more connections than the cap: the longest waiting close, the server holds at most the cap, /metrics answers throughout")
    func connectionCap() throws {
        var limits = ServiceHTTPServer.Limits()
        limits.maxConnections = 8
        let server = try metricsServer(limits)
        defer { server.stop() }
        #expect(server.limits.maxConnections == 8)
        var idle: [RawClient] = []
        for round in 0..<5 {
            for _ in 0..<20 { idle.append(try RawClient(port: server.port)) }
            #expect(scrape(server) == "# TYPE up gauge\nup 1\n", "round \(round)")
            #expect(server.openConnections <= 8)
        }
        // The first ones made room: the server closed them without a word.
        let first = idle[0].readToEnd()
        #expect(first.closed && first.bytes.isEmpty)
        #expect(waitUntil { server.openConnections <= 8 })
    }

    @Test("seeded garbage: every connection gets an answer or a close, and the server keeps answering")
    func garbage() throws {
        var limits = ServiceHTTPServer.Limits()
        limits.requestTimeout = .seconds(2)
        let server = try metricsServer(limits)
        defer { server.stop() }
        let pieces = [
            "GET", "HEAD", "POST", " ", "  ", "/metrics", "/healthz", "/", "*", "HTTP/1.1", "HTTP/1.0", "HTTP/9", "\r\n", "\r\n\r\n", "\n",
            "\r", ":", "Host: x", "Content-Length: ", "-1", "0", "18446744073709551616", "Transfer-Encoding: chunked", "Connection: close",
            "\u{0}", "\u{7f}", "\u{ff}", "é", "%00", "?", "\t",
        ]
        var random = SplitMix(seed: 25)
        for round in 0..<300 {
            var text = ""
            for _ in 0..<random.below(24) { text += pieces[random.below(pieces.count)] }
            let client = try RawClient(port: server.port)
            client.send(text + (random.below(2) == 0 ? "\r\n\r\n" : ""))
            client.finishSending()
            let ending = client.readToEnd()
            #expect(ending.closed, "round \(round): \(text.debugDescription)")
            #expect(ending.bytes.isEmpty || ending.status != nil, "round \(round): \(text.debugDescription)")
        }
        #expect(scrape(server) != nil)
    }

    @Test("stop() closes open connections, ends the thread and frees the port")
    func stop() throws {
        let server = try metricsServer()
        let clients = try (0..<3).map { _ in try RawClient(port: server.port) }
        #expect(waitUntil { server.openConnections == 3 })
        server.stop()
        server.stop()
        for client in clients { #expect(client.readToEnd().closed) }
        #expect(server.openConnections == 0)
        #expect(throws: ServiceHTTPError.self) {
            let busy = try ServiceHTTPServer(port: 0, routes: [:])
            defer { busy.stop() }
            _ = try ServiceHTTPServer(port: busy.port, routes: [:])
        }
    }
}

/// Bytes a writer thread sent, and why it stopped.
final class SentBytes: @unchecked Sendable {
    private let lock = NSCondition()
    private var bytes = 0
    private var done = false
    private var code: Int32 = 0

    var total: Int { lock.withLock { bytes } }
    var errno: Int32 { lock.withLock { code } }

    func add(_ count: Int) { lock.withLock { bytes += count } }

    func finish(errno: Int32) {
        lock.withLock {
            code = errno
            done = true
            lock.broadcast()
        }
    }

    /// Waits for the writer to stop (it does: the socket's 30 s send timeout bounds each write).
    func waitFinished() {
        lock.withLock { while !done { lock.wait() } }
    }
}

/// A small seeded generator, so a failing case can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func below(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
