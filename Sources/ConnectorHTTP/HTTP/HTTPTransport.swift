import ConnectorKit

/// Does the HTTP I/O for one request. Auth, pinning, rate limits and retries wrap it (see
/// ``VendorHTTPClient``), so a transport only moves bytes.
public protocol HTTPTransport: Sendable {
    /// Sends a request and reads the whole response.
    ///
    /// - Parameter request: The request, credentials included.
    /// - Returns: The response.
    /// - Throws: ``HTTPTransportError`` for connection failures, timeouts and cut-off bodies.
    func send(_ request: VendorHTTPRequest) async throws -> VendorHTTPResponse
}

/// A failure below HTTP: no connection, a timeout, a body cut off. Always worth a retry.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure: a closed set that callers compare (`error.kind == .timeout`) and
    /// nobody outside the runtime can extend, so adding a kind never breaks a caller.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Backing: String, Sendable, Hashable {
            case connection = "connection failed"
            case connectionRefused = "connection refused"
            case hostNotFound = "host not found"
            case tls = "TLS failed"
            case stalled = "response stalled"
            case timeout = "timed out"
            case tooLarge = "response too large"
            case truncated = "body cut off"
            case redirect = "redirect refused"
            case other = "transport error"
        }

        private let backing: Backing

        private init(_ backing: Backing) { self.backing = backing }

        /// Could not connect (refused otherwise than by an absent listener, or timed out connecting).
        public static let connection = Kind(.connection)
        /// Nothing listens at the host and port (retried a few times quickly).
        public static let connectionRefused = Kind(.connectionRefused)
        /// The host name does not resolve (retried a few times quickly).
        public static let hostNotFound = Kind(.hostNotFound)
        /// The TLS handshake failed or the certificate is not trusted (not retried).
        public static let tls = Kind(.tls)
        /// The response stopped arriving.
        public static let stalled = Kind(.stalled)
        /// The whole request took longer than `request_timeout` (tried twice at most).
        public static let timeout = Kind(.timeout)
        /// The response body is larger than the transport accepts (not retried).
        public static let tooLarge = Kind(.tooLarge)
        /// The connection closed before the whole body arrived.
        public static let truncated = Kind(.truncated)
        /// The server answered with a redirect, which the client never follows.
        public static let redirect = Kind(.redirect)
        /// Anything else at the transport level.
        public static let other = Kind(.other)

        /// A stable name, in words (`timed out`).
        public var name: String { backing.rawValue }

        /// The name.
        public var description: String { name }
    }

    /// What kind of failure.
    public var kind: Kind
    /// Details from the underlying system, without secrets.
    public var detail: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - kind: The kind.
    ///   - detail: Details.
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// The detail, which already says what failed in words (the kind is for code to branch on).
    public var description: String { detail }
}

/// A transport that could not be made: every request fails with the reason.
struct UnavailableTransport: HTTPTransport {
    let error: any Error

    func send(_ request: VendorHTTPRequest) async throws -> VendorHTTPResponse { throw error }
}
