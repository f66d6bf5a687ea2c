/// Thrown by an ``VendorHTTPClient`` `read` closure when a 2xx answer cannot be used: a page without
/// its paging object, a cursor or link that does not advance. The client retries the request
/// (a vendor may answer correctly next time) and, when every attempt gets such an answer, stops
/// with ``ChatExportError/Code/invalidResponse`` naming the request (without secrets) and
/// ``reason``.
public struct InvalidResponse: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the answer, in words.
    public var reason: String

    /// Creates the error.
    ///
    /// - Parameter reason: What is wrong with the answer.
    public init(_ reason: String) { self.reason = reason }

    /// The reason.
    public var description: String { reason }
}
