internal import CCurl
import ConnectorKit
public import Foundation

/// The production transport, on libcurl's multi interface: one I/O thread for the whole process
/// waits in `curl_multi_poll` (woken by `curl_multi_wakeup` for new requests and cancellations),
/// so waiting on a slow vendor costs no CPU.
///
/// - Redirects are never followed (a 3xx is returned to the client, which reports it); only
///   `http` and `https` are spoken.
/// - TLS is verified against the system CA store, or against ``Options/caFile``.
/// - `HTTPS_PROXY`, `HTTP_PROXY` (either case) and `NO_PROXY` are honoured, read once when the
///   transport is made.
/// - Timeouts hold: ``Options/connectTimeout`` to connect, ``Options/requestTimeout`` for the
///   whole request, and a body that stalls (no byte for ``Options/stallTimeout``) is cut off.
/// - Connections are kept alive and reused; responses may be compressed (`Accept-Encoding`) and
///   are decoded by libcurl; a body streams into one buffer sized from its `Content-Length`.
/// - Cancelling the task removes its request from the loop at once.
public final class CurlTransport: HTTPTransport, Sendable {
    /// The transport's settings.
    public struct Options: Sendable, Hashable {
        /// The longest wait to connect.
        public var connectTimeout: Duration
        /// The longest a whole request, headers and body, may take.
        public var requestTimeout: Duration
        /// How long without a received byte a response counts as stalled.
        public var stallTimeout: Duration
        /// A PEM file of CA certificates to trust instead of the system store.
        public var caFile: String?

        /// Creates options.
        ///
        /// - Parameters:
        ///   - connectTimeout: The longest wait to connect.
        ///   - requestTimeout: The longest a whole request may take.
        ///   - stallTimeout: How long without a byte a response counts as stalled (the connect
        ///     timeout when nil).
        ///   - caFile: CA certificates to trust instead of the system store.
        public init(
            connectTimeout: Duration = .seconds(30), requestTimeout: Duration = .seconds(300), stallTimeout: Duration? = nil,
            caFile: String? = nil
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.stallTimeout = stallTimeout ?? connectTimeout
            self.caFile = caFile
        }
    }

    /// The settings.
    public let options: Options
    private let proxies: ProxySettings
    private let loop: CurlLoop

    /// Creates a transport on the process's I/O thread.
    ///
    /// - Parameters:
    ///   - options: Timeouts and trust.
    ///   - environment: Where proxy variables are read from.
    /// - Throws: ``HTTPTransportError`` when libcurl cannot be initialised.
    public init(options: Options = Options(), environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.options = options
        self.proxies = ProxySettings(environment: environment)
        self.loop = try CurlLoop.shared()
    }

    /// Sends the request.
    ///
    /// - Parameter request: The request.
    /// - Returns: The response, whatever its status.
    /// - Throws: ``HTTPTransportError`` in words naming `host:port`, or `CancellationError`.
    public func send(_ request: VendorHTTPRequest) async throws -> VendorHTTPResponse {
        guard let origin = HTTPOrigin(request.url) else {
            throw HTTPTransportError(.other, "invalid URL \(HTTPURL.redacted(request.url))")
        }
        if let problem = HTTPFieldRules.problem(in: request) {
            throw HTTPTransportError(.other, "refusing to send \(request.method) \(HTTPURL.redacted(request.url)): \(problem)")
        }
        let exchange = try CurlExchange(request: request, origin: origin, options: options, proxy: proxies.proxy(for: origin))
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                exchange.continuation = continuation
                loop.add(exchange)
            }
        } onCancel: {
            loop.cancel(exchange)
        }
    }
}

/// Which proxy a request goes through, from the conventional environment variables.
struct ProxySettings: Sendable, Hashable {
    var http: String?
    var https: String?
    var exclusions: String?

    init(environment: [String: String]) {
        func value(_ name: String) -> String? {
            (environment[name] ?? environment[name.uppercased()]).flatMap { $0.isEmpty ? nil : $0 }
        }
        http = value("http_proxy")
        https = value("https_proxy")
        exclusions = value("no_proxy")
    }

    /// The proxy URL and its exclusions for a request to `origin`; an empty proxy means none.
    func proxy(for origin: HTTPOrigin) -> (url: String, exclusions: String?) {
        ((origin.scheme == "https" ? https : http) ?? "", exclusions)
    }
}
