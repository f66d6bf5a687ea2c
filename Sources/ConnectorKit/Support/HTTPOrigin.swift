import Foundation

/// The scheme, host and port of an HTTP URL: the unit credentials are pinned to.
public struct HTTPOrigin: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`, lowercased.
    public var scheme: String
    /// The host, lowercased.
    public var host: String
    /// The port, explicit or the scheme's default.
    public var port: Int

    /// Parses the origin of an absolute `http(s)` URL.
    ///
    /// - Parameter url: The URL text.
    /// - Returns: The origin, or nil when the text is not an absolute http(s) URL with a host.
    public init?(_ url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
    }

    /// Whether the host is a loopback address (`localhost`, `127.0.0.0/8`, `::1`).
    public var isLoopback: Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }

    /// Whose data it is: the host, with the port only when it is not the scheme's default, so
    /// `http`/`https` and a trailing slash name the same vendor instance (`acme.ada.support`,
    /// `127.0.0.1:8080`).
    public var instance: String {
        port == (scheme == "https" ? 443 : 80) ? host : "\(host):\(port)"
    }

    /// `scheme://host:port`
    public var description: String { "\(scheme)://\(host):\(port)" }
}
