public import ConnectorKit

extension HTTPFieldRules {
    /// Why a request cannot be sent as it is (a URL with a space or control character, a
    /// header name that is not a token, a header value with CR, LF or NUL), or nil.
    ///
    /// - Parameter request: The request, credentials included.
    /// - Returns: The problem in words, without secrets.
    public static func problem(in request: VendorHTTPRequest) -> String? {
        if request.url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return "its URL holds a space or a control character (CR, LF, NUL, …)"
        }
        if !isToken(request.method) { return "its method is not a token" }
        for header in request.headers {
            if !isToken(header.name) { return "header name \(JSONValue.quoted(header.name)) is not a token" }
            if hasLineBreakOrNUL(header.value) { return "the value of header \(header.name) holds CR, LF or NUL" }
        }
        return nil
    }
}
