public import ConnectorHTTP
import ConnectorKit
import Foundation

/// A transport that answers from a script instead of the network, for connector tests: the
/// HTTP client's auth, pacing, retries and error handling still run around it.
public final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private let answer: @Sendable (VendorHTTPRequest) async throws -> VendorHTTPResponse
    private let lock = NSLock()
    private var _requests: [VendorHTTPRequest] = []

    /// Creates a transport.
    ///
    /// - Parameter answer: The response to a request (throw ``HTTPTransportError`` for a failure).
    public init(_ answer: @escaping @Sendable (VendorHTTPRequest) async throws -> VendorHTTPResponse) {
        self.answer = answer
    }

    /// Every request sent, in order (credentials included: assert on them, never print them).
    public var requests: [VendorHTTPRequest] { lock.withLock { _requests } }

    /// Records the request and answers it.
    public func send(_ request: VendorHTTPRequest) async throws -> VendorHTTPResponse {
        lock.withLock { _requests.append(request) }
        return try await answer(request)
    }

    /// A JSON response.
    ///
    /// - Parameters:
    ///   - status: The status code.
    ///   - json: The body.
    /// - Returns: The response.
    public static func json(_ status: Int = 200, _ json: String) -> VendorHTTPResponse {
        VendorHTTPResponse(status: status, headers: ["content-type": "application/json"], body: Array(json.utf8))
    }
}
