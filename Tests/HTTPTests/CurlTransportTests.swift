import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// `openssl` serving a directory over TLS with a certificate made for the test (`s_server -WWW`).
final class TLSFixture {
    static let openssl = ["/usr/bin/openssl", "/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    let directory = TemporaryDirectory()
    let port: UInt16
    private let server: Process

    var certificate: String { directory.path + "/cert.pem" }
    var baseURL: String { "https://localhost:\(port)" }

    init(page: String) throws {
        guard let openssl = TLSFixture.openssl else { throw POSIXError(.ENOENT) }
        let folder = directory.path
        func run(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: openssl)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        try run([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj",
            "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        try directory.write("page.json", page)
        port = try LoopbackPort.unused()
        server = Process()
        server.executableURL = URL(fileURLWithPath: openssl)
        server.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", "cert.pem", "-key", "key.pem", "-WWW", "-quiet"]
        server.currentDirectoryURL = URL(fileURLWithPath: folder)
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        // Ready once it accepts a connection.
        let listening = port
        CLIWait.until { LoopbackPort.connect(port: listening).map { close($0) } != nil }
    }

    func stop() {
        // s_server does not stop on SIGTERM.
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
    }
}

enum CLIWait {
    /// Polls `condition` until it holds, for at most a minute.
    static func until(_ condition: () -> Bool) {
        for _ in 0..<12_000 where !condition() { usleep(5_000) }
    }
}

@Suite("libcurl transport over loopback", .serialized)
struct CurlTransportTests {
    static let page = #"{"data": [], "meta": {"next_page_uri": null}}"#

    @Test(
        "TLS is verified: trusted with ca_file, a clear error without it",
        .enabled(if: TLSFixture.openssl != nil, "no openssl binary to run a TLS server"))
    func tls() async throws {
        let fixture = try TLSFixture(page: Self.page)
        defer { fixture.stop() }
        let trusted = try CurlTransport(
            options: .init(connectTimeout: .seconds(10), requestTimeout: .seconds(20), caFile: fixture.certificate), environment: [:])
        let response = try await trusted.send(VendorHTTPRequest(url: fixture.baseURL + "/page.json"))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self).contains(Self.page))

        let system = try CurlTransport(options: .init(connectTimeout: .seconds(10), requestTimeout: .seconds(20)), environment: [:])
        let error = await #expect(throws: HTTPTransportError.self) {
            try await system.send(VendorHTTPRequest(url: fixture.baseURL + "/page.json"))
        }
        #expect(error?.kind == .tls)
        #expect(error?.detail.contains("TLS certificate of localhost:\(fixture.port) not trusted") == true)
    }

    @Test("a proxy from HTTP_PROXY carries plain requests; NO_PROXY bypasses it")
    func httpProxy() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let proxy = try LoopbackProxy()
        defer { proxy.stop() }
        let client = VendorHTTPClient(
            configuration: VendorHTTPClient.Configuration(
                baseURL: sandbox.baseURL, credential: .bearer(Secret(sandbox.settings.adaToken)), requestsPerSecond: 1000)!,
            transport: try CurlTransport(environment: ["HTTP_PROXY": "http://127.0.0.1:\(proxy.port)"]),
            limiters: RateLimiterRegistry(), logger: .disabled)
        let page = try await client.get(messagesURL(client, sandbox), read: readPage)
        #expect(!page.records.isEmpty)
        #expect(proxy.requestLines.count == 1)
        #expect(proxy.requestLines.first?.hasPrefix("GET http://127.0.0.1:\(sandbox.port)/api/v2/export/messages?") == true)

        let bypass = try CurlTransport(environment: ["http_proxy": "http://127.0.0.1:\(proxy.port)", "NO_PROXY": "127.0.0.1"])
        #expect(try await bypass.send(VendorHTTPRequest(url: sandbox.baseURL + "/nothing")).status == 404)
        #expect(proxy.requestLines.count == 1)
    }

    @Test("HTTPS_PROXY tunnels TLS with CONNECT", .enabled(if: TLSFixture.openssl != nil, "no openssl binary to run a TLS server"))
    func httpsProxy() async throws {
        let fixture = try TLSFixture(page: Self.page)
        defer { fixture.stop() }
        let proxy = try LoopbackProxy()
        defer { proxy.stop() }
        let transport = try CurlTransport(
            options: .init(connectTimeout: .seconds(10), requestTimeout: .seconds(20), caFile: fixture.certificate),
            environment: ["HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)"])
        #expect(try await transport.send(VendorHTTPRequest(url: fixture.baseURL + "/page.json")).status == 200)
        #expect(proxy.requestLines == ["CONNECT localhost:\(fixture.port) HTTP/1.1"])
    }

    @Test("request_timeout holds against a body that trickles; a body that stops is cut off as stalled")
    func slowBodies() async throws {
        let trickle = try LoopbackServer { fd in
            _ = LoopbackServer.readHead(fd)
            LoopbackServer.write(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in 0..<1000 {
                guard LoopbackServer.write(fd, " ") else { return }
                usleep(200_000)
            }
        }
        defer { trickle.stop() }
        let timed = try CurlTransport(options: .init(connectTimeout: .seconds(5), requestTimeout: .milliseconds(1500)), environment: [:])
        let timeout = await #expect(throws: HTTPTransportError.self) {
            try await timed.send(VendorHTTPRequest(url: "http://127.0.0.1:\(trickle.port)/page"))
        }
        #expect(timeout?.kind == .timeout)
        // Bytes kept coming (never a stall), so request_timeout is what cut it, and the message says so.
        #expect(
            timeout?.detail.hasPrefix("request_timeout (1.5 s) exceeded: 127.0.0.1:\(trickle.port) was still sending the response (")
                == true,
            "\(timeout?.detail ?? "")")

        let silent = try LoopbackServer { fd in
            _ = LoopbackServer.readHead(fd)
            LoopbackServer.write(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{")
            var byte: UInt8 = 0
            _ = recv(fd, &byte, 1, 0)
        }
        defer { silent.stop() }
        let stalling = try CurlTransport(options: .init(connectTimeout: .seconds(1), requestTimeout: .seconds(60)), environment: [:])
        let stalled = await #expect(throws: HTTPTransportError.self) {
            try await stalling.send(VendorHTTPRequest(url: "http://127.0.0.1:\(silent.port)/page"))
        }
        #expect(stalled?.kind == .stalled)
        #expect(stalled?.detail == "response stalled: 127.0.0.1:\(silent.port) sent nothing for 1 s")
    }

    @Test("a body that trickles under 1 byte per second is cut off as too slow, not reported as silent")
    func tooSlow() async throws {
        let trickle = try LoopbackServer { fd in
            _ = LoopbackServer.readHead(fd)
            LoopbackServer.write(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in 0..<1000 {
                guard LoopbackServer.write(fd, " ") else { return }
                usleep(1_500_000)
            }
        }
        defer { trickle.stop() }
        // A byte every 1.5 s is under the 1 byte per second the stall time (6 s) asks for; the last
        // byte is never more than 1.5 s old, so the server is not silent, only too slow.
        let transport = try CurlTransport(options: .init(connectTimeout: .seconds(6), requestTimeout: .seconds(60)), environment: [:])
        let error = await #expect(throws: HTTPTransportError.self) {
            try await transport.send(VendorHTTPRequest(url: "http://127.0.0.1:\(trickle.port)/page"))
        }
        #expect(error?.kind == .stalled)
        #expect(
            error?.detail.hasPrefix("response too slow: 127.0.0.1:\(trickle.port) sent less than 1 byte per second for 6 s (") == true,
            "\(error?.detail ?? "")")
    }

    @Test("a port with no listener: connection refused, named, retried 3 times quickly, then a temporary failure")
    func noListener() async throws {
        let port = try LoopbackPort.unused()
        let transport = try CurlTransport(environment: [:])
        let error = await #expect(throws: HTTPTransportError.self) {
            try await transport.send(VendorHTTPRequest(url: "http://127.0.0.1:\(port)/x"))
        }
        #expect(error?.kind == .connectionRefused)
        #expect(error?.detail == "connection refused by 127.0.0.1:\(port)")

        let clock = ManualClock()
        var configuration = VendorHTTPClient.Configuration(baseURL: "http://127.0.0.1:\(port)", credential: nil, requestsPerSecond: 1000)!
        configuration.retry = RetryPolicy(maxAttempts: 8, baseDelay: .seconds(30), maxDelay: .seconds(60))
        let client = VendorHTTPClient(
            configuration: configuration, limiters: RateLimiterRegistry(), clock: SchedulingClock(clock), logger: .disabled)
        let request = Task { try await client.get(client.url("/x", query: [])) { $0.status } }
        for _ in 0..<2 {
            await clock.waitForSleepers(1)
            clock.advance(by: .milliseconds(500))
        }
        let failure = await #expect(throws: ChatExportError.self) { try await request.value }
        #expect(failure?.code == .temporaryFailure)
        #expect(failure?.message.contains("failed after 3 attempts; last: connection refused by 127.0.0.1:\(port)") == true)
    }

    @Test("keep-alive: sequential requests reuse one connection")
    func keepAlive() async throws {
        final class Count: @unchecked Sendable {
            let lock = NSLock()
            var connections = 0
        }
        let count = Count()
        let server = try LoopbackServer { fd in
            count.lock.withLock { count.connections += 1 }
            while LoopbackServer.readHead(fd) != nil {
                guard LoopbackServer.write(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}") else { return }
            }
        }
        defer { server.stop() }
        let transport = try CurlTransport(environment: [:])
        for _ in 0..<5 {
            #expect(try await transport.send(VendorHTTPRequest(url: "http://127.0.0.1:\(server.port)/x")).body == Array("{}".utf8))
        }
        #expect(count.lock.withLock { count.connections } == 1)
    }
}
