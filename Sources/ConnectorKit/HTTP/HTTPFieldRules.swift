/// What may reach the wire in a request line or a header field: names are RFC 9110 tokens, no
/// value or URL holds CR, LF or NUL (which would start a second header line or end the
/// request), and no configured header replaces one the runtime or a proxy controls.
///
/// Config validation applies these rules first (an error naming the JSON path, exit 78); the
/// HTTP client applies them again to every request as the last line of defence.
public enum HTTPFieldRules {
    /// Header names a definition or connector may not set (compared case-insensitively): the
    /// ones that frame the message or the connection (`Host`, `Content-Length`,
    /// `Transfer-Encoding`, hop-by-hop fields), the ones the runtime sets itself (`Accept`,
    /// `Accept-Encoding`, `User-Agent`), cookies, and every `Proxy-*` field. `Authorization` is
    /// allowed as the one credential header of `header` auth.
    public static let reservedHeaderNames: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade", "expect",
        "accept", "accept-encoding", "user-agent", "cookie", "content-type", "content-encoding", "via", "forwarded",
    ]

    /// Whether `name` is an RFC 9110 token (`1*tchar`): letters, digits and ``!#$%&'*+-.^_`|~``.
    ///
    /// - Parameter name: A header name.
    /// - Returns: `true` for a non-empty token.
    public static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }

    /// Why `name` cannot be the header that carries a credential, or nil.
    ///
    /// - Parameter name: The header name.
    /// - Returns: The problem in words.
    public static func credentialHeaderProblem(_ name: String) -> String? {
        guard isToken(name) else {
            return "\(JSONValue.quoted(name)) is not a header name (RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~ only)"
        }
        let lower = name.lowercased()
        if reservedHeaderNames.contains(lower) || lower.hasPrefix("proxy-") {
            return "\(JSONValue.quoted(name)) is a header the runtime, the connection or a proxy controls; the credential cannot go there"
        }
        return nil
    }

    /// Whether `text` holds CR, LF or NUL.
    ///
    /// - Parameter text: A header value or URL.
    /// - Returns: `true` when it does.
    public static func hasLineBreakOrNUL(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }

    /// Whether `text` holds a control character (U+0000–U+001F, U+007F): never part of a
    /// config value that reaches a request, a file name or a log line.
    ///
    /// - Parameter text: The text.
    /// - Returns: `true` when it does.
    public static func hasControlCharacter(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }
}
