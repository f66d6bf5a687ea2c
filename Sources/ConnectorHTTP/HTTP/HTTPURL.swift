import ConnectorKit
import Foundation

/// URL helpers: resolving vendor links, building queries, and redacting secrets for messages.
public enum HTTPURL {
    /// Query parameter names whose values are never logged.
    public static let secretParameters: Set<String> = ["token", "access_token", "api_key", "apikey", "key", "secret", "password", "auth"]

    /// Resolves a link from a response (absolute, `/`-rooted or relative) against the URL it came from.
    ///
    /// - Parameters:
    ///   - link: The link text.
    ///   - base: The URL of the response that held it.
    /// - Returns: The absolute URL, or nil when the link is not a valid URL reference.
    public static func resolve(_ link: String, against base: String) -> String? {
        guard let baseURL = URL(string: base), let resolved = URL(string: link, relativeTo: baseURL) else { return nil }
        return resolved.absoluteString
    }

    /// An absolute URL from a base URL, a path and query items (percent-encoded).
    ///
    /// - Parameters:
    ///   - base: The configured base URL (`https://acme.ada.support`, possibly with a path prefix).
    ///   - path: The endpoint path (`/api/v2/export/messages`).
    ///   - query: Query items, in order.
    /// - Returns: The URL text.
    public static func build(base: String, path: String, query: [(String, String)]) -> String {
        var root = base
        while root.hasSuffix("/") { root.removeLast() }
        var url = root + (path.hasPrefix("/") ? path : "/" + path)
        if !query.isEmpty {
            url += "?" + query.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
        }
        return url
    }

    /// Percent-encodes a query component (everything but unreserved characters).
    ///
    /// - Parameter text: The component.
    /// - Returns: The encoded text.
    public static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The path of a URL (`/api/v2/export/messages`), or the text itself when it does not parse.
    ///
    /// - Parameter url: The URL text.
    /// - Returns: The path.
    public static func path(of url: String) -> String {
        guard let components = URLComponents(string: url) else { return url }
        return components.path.isEmpty ? "/" : components.path
    }

    /// The URL's path and query with secret-looking parameters replaced by `<redacted>`, for logs and errors.
    ///
    /// - Parameter url: The URL text.
    /// - Returns: `path?query` without scheme, host or secrets.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "<unparseable URL>" }
        components.user = nil
        components.password = nil
        if let items = components.queryItems {
            components.queryItems = items.map {
                secretParameters.contains($0.name.lowercased()) ? URLQueryItem(name: $0.name, value: "<redacted>") : $0
            }
        }
        let query = components.percentEncodedQuery.map { "?" + $0 } ?? ""
        return (components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath) + query
    }

    /// The value of query parameter `name` in `url`, decoded.
    ///
    /// - Parameters:
    ///   - name: The parameter name.
    ///   - url: The URL text.
    /// - Returns: The first value, or nil.
    public static func queryValue(_ name: String, in url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == name }?.value
    }

    /// `url` with each of `parameters` it lacks appended (percent-encoded), keeping the link's
    /// own encoding of those it has: a vendor's next link made to carry both time bounds and the
    /// page size.
    ///
    /// - Parameters:
    ///   - parameters: Names and values.
    ///   - url: A URL, usually a vendor's link.
    /// - Returns: The URL with the missing parameters.
    public static func adding(missing parameters: [(String, String)], to url: String) -> String {
        let query = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first ?? ""
        let present = Set(query.split(separator: "&").map { String($0.split(separator: "=", maxSplits: 1).first ?? "") })
        let missing = parameters.filter { !present.contains($0.0) }
        guard !missing.isEmpty else { return url }
        let separator = url.contains("?") ? (url.hasSuffix("?") || url.hasSuffix("&") ? "" : "&") : "?"
        return url + separator + missing.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
    }
}
