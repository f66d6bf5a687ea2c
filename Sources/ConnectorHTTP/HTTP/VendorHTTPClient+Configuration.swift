public import ConnectorKit
import Foundation

extension VendorHTTPClient {
    /// How a source authenticates.
    public enum Credential: Sendable, Hashable {
        /// `Authorization: Bearer <token>` (Ada).
        case bearer(Secret)
        /// A header carrying a key, e.g. `x-api-key` (DeepConverse).
        case header(name: String, value: Secret)
        /// `Authorization: Basic <base64(user:password)>`.
        case basic(user: String, password: Secret)
        /// A query parameter carrying a key, added to each request as it is sent (never to a
        /// URL that is stored or shown).
        case queryParameter(name: String, value: Secret)
    }

    /// The client's settings: a value, built from a source's options.
    public struct Configuration: Sendable {
        /// The configured base URL.
        public var baseURL: String
        /// The only origin credentials are sent to.
        public var origin: HTTPOrigin
        /// The credential, if any.
        public var credential: Credential?
        /// The vendor's limits: per endpoint per second, per instance per minute and per day.
        public var rateLimits: RateLimits
        /// Requests per second per endpoint (``RateLimits/perEndpointPerSecond``).
        public var requestsPerSecond: Double {
            get { rateLimits.perEndpointPerSecond ?? .infinity }
            set { rateLimits.perEndpointPerSecond = newValue }
        }
        /// Requests allowed per UTC day, if capped (``RateLimits/perDay``).
        public var dailyRequestBudget: Int? {
            get { rateLimits.perDay }
            set { rateLimits.perDay = newValue }
        }
        /// Retry behaviour.
        public var retry: RetryPolicy
        /// The longest wait to connect, and between bytes.
        public var connectTimeout: Duration
        /// The longest a whole request may take.
        public var requestTimeout: Duration
        /// A PEM file of CA certificates to trust instead of the system store.
        public var caFile: String?
        /// Pulls the vendor's message out of an error response; a generic reader by default.
        public var errorMessage: @Sendable (VendorHTTPResponse) -> String?

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - baseURL: The base URL (its origin receives the credentials).
        ///   - credential: The credential.
        ///   - requestsPerSecond: Requests per second per endpoint.
        ///   - dailyRequestBudget: Requests per UTC day.
        ///   - retry: Retry behaviour.
        ///   - connectTimeout: The longest wait to connect, and between bytes.
        ///   - requestTimeout: The longest a whole request may take.
        ///   - errorMessage: Reads a vendor error body.
        /// - Returns: nil when `baseURL` is not an absolute http(s) URL.
        public init?(
            baseURL: String,
            credential: Credential?,
            requestsPerSecond: Double,
            dailyRequestBudget: Int? = nil,
            retry: RetryPolicy = RetryPolicy(),
            connectTimeout: Duration = .seconds(30),
            requestTimeout: Duration = .seconds(300),
            errorMessage: @escaping @Sendable (VendorHTTPResponse) -> String? = VendorHTTPClient.genericErrorMessage
        ) {
            guard let origin = HTTPOrigin(baseURL) else { return nil }
            self.baseURL = baseURL
            self.origin = origin
            self.credential = credential
            self.rateLimits = RateLimits(perEndpointPerSecond: requestsPerSecond, perDay: dailyRequestBudget)
            self.retry = retry
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.errorMessage = errorMessage
        }

        /// The headers every request carries: auth, `Accept` and `User-Agent`.
        var headers: [(name: String, value: String)] {
            var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("User-Agent", "chat-export/0.1")]
            switch credential {
            case .bearer(let token): headers.append(("Authorization", "Bearer " + token.reveal()))
            case .header(let name, let value): headers.append((name, value.reveal()))
            case .basic(let user, let password): headers.append(("Authorization", "Basic " + Self.basic(user, password)))
            case .queryParameter, nil: break
            }
            return headers
        }

        /// What identifies the vendor instance for shared limits: the origin and the credential.
        /// Kept in memory only, never shown or stored.
        var instanceKey: String { origin.description + "\u{0}" + secretValues.joined(separator: "\u{0}") }

        /// The credential texts, to scrub from anything shown.
        var secretValues: [String] {
            switch credential {
            case .bearer(let token): [token.reveal()]
            case .header(_, let value): [value.reveal()]
            case .basic(let user, let password): [password.reveal(), Self.basic(user, password)]
            case .queryParameter(_, let value): [value.reveal(), HTTPURL.encode(value.reveal())]
            case nil: []
            }
        }

        static func basic(_ user: String, _ password: Secret) -> String {
            Data((user + ":" + password.reveal()).utf8).base64EncodedString()
        }

        /// `url` with the credential's query parameter added, when the credential is one.
        func authorizing(_ url: String) -> String {
            guard case .queryParameter(let name, let value) = credential else { return url }
            return url + (url.contains("?") ? "&" : "?") + HTTPURL.encode(name) + "=" + HTTPURL.encode(value.reveal())
        }

        /// `url` without the credential's query parameter (a vendor's next link that echoes it
        /// must not be stored in a checkpoint).
        ///
        /// - Parameter url: A URL.
        /// - Returns: The URL without that parameter.
        public func withoutCredential(_ url: String) -> String {
            guard case .queryParameter(let name, _) = credential, let question = url.firstIndex(of: "?") else { return url }
            let kept = url[url.index(after: question)...].split(separator: "&").filter {
                let key = $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                return (key.removingPercentEncoding ?? key) != name
            }
            return String(url[..<question]) + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        }
    }

    /// Reads the common error body shapes: `{"errors":[{"message":…}]}`, `{"message":…}`,
    /// `{"error":…}`, `{"detail":…}`; otherwise the start of a short text body.
    ///
    /// - Parameter response: The error response.
    /// - Returns: The message, or nil.
    public static func genericErrorMessage(_ response: VendorHTTPResponse) -> String? {
        if let value = try? JSONValue.parse(response.body) {
            if let errors = value["errors"]?.arrayValue {
                let messages = errors.compactMap { error -> String? in
                    guard let message = error["message"]?.stringValue else { return error.stringValue }
                    return error["type"]?.stringValue.map { "\($0): \(message)" } ?? message
                }
                if !messages.isEmpty { return messages.joined(separator: "; ") }
            }
            for key in ["message", "error", "detail", "error_description"] {
                if let text = value[key]?.stringValue { return text }
                if let nested = value[key]?["message"]?.stringValue { return nested }
            }
            return nil
        }
        let text = String(decoding: response.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
