import ConnectorKit

/// An HTTP request as connectors describe it: a method, an absolute URL and headers.
public struct VendorHTTPRequest: Sendable {
    /// The method (`GET`).
    public var method: String
    /// The absolute URL.
    public var url: String
    /// Header fields, in order. Credentials are added by the client, never here.
    public var headers: [(name: String, value: String)]
    /// The body to send (`PUT`, `POST`), or nil for none.
    public var body: [UInt8]?

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - method: The method.
    ///   - url: The absolute URL.
    ///   - headers: Header fields.
    ///   - body: The body to send, if any.
    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The URL's path (the rate-limit key and the "endpoint" in messages).
    public var path: String { HTTPURL.path(of: url) }
}

/// An HTTP response: status, headers (names lowercased) and the whole body.
public struct VendorHTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Header fields keyed by lowercased name.
    public var headers: [String: String]
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response.
    ///
    /// - Parameters:
    ///   - status: The status code.
    ///   - headers: Header fields (names are lowercased).
    ///   - body: The body.
    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
        self.body = body
    }
}
