/// The HTTP options every vendor source accepts, declared once so connectors share names,
/// defaults and validation.
public enum HTTPOptions {
    /// The option specs.
    ///
    /// - Parameters:
    ///   - defaultRate: The vendor's documented (or conservative) requests per second per endpoint.
    ///   - defaultBudget: The default daily request budget, if the vendor documents one.
    /// - Returns: Specs for `requests_per_second`, `daily_request_budget`, `max_attempts`,
    ///   `max_retry_delay`, `connect_timeout`, `request_timeout` and `allow_insecure_http`.
    public static func specs(defaultRate: Double, defaultBudget: Int? = nil) -> [OptionSpec] {
        [
            OptionSpec(
                "requests_per_second",
                .number(0.01...1000),
                default: .double(defaultRate),
                summary: "Requests per second per endpoint, shared by everything in the process that calls it."
            ),
            OptionSpec(
                "daily_request_budget",
                .integer(1...10_000_000),
                default: defaultBudget.map(JSONValue.integer),
                summary: "Requests allowed per UTC day; when used up the job stops at its checkpoint with exit 75."
            ),
            OptionSpec("max_attempts", .integer(1...100), default: .integer(8), summary: "Attempts per request, the first included."),
            OptionSpec("max_retry_delay", .duration, default: .string("60s"), summary: "The longest wait between attempts."),
            OptionSpec("connect_timeout", .duration, default: .string("30s"), summary: "Time to connect and between received bytes."),
            OptionSpec("request_timeout", .duration, default: .string("5m"), summary: "Time for a whole request, body included."),
            OptionSpec(
                "allow_insecure_http",
                .boolean,
                default: .bool(false),
                summary: "Allow a plain http:// base_url on a non-loopback host (credentials would travel unencrypted)."
            ),
        ]
    }

    /// Builds a client configuration from validated options, reporting problems by path.
    ///
    /// - Parameters:
    ///   - options: The source's validated options.
    ///   - baseURLKey: The option holding the base URL.
    ///   - credential: The credential.
    ///   - errorMessage: Reads the vendor's error bodies.
    /// - Returns: The configuration.
    /// - Throws: ``ConfigError`` for a plain-http base URL on a non-loopback host without
    ///   `allow_insecure_http`.
    public static func configuration(
        from options: ComponentOptions,
        baseURLKey: String = "base_url",
        credential: HTTPClient.Credential?,
        errorMessage: @escaping @Sendable (HTTPResponse) -> String? = HTTPClient.genericErrorMessage
    ) throws -> HTTPClient.Configuration {
        let path = options.path + "." + baseURLKey
        guard let baseURL = options.string(baseURLKey),
            var configuration = HTTPClient.Configuration(
                baseURL: baseURL,
                credential: credential,
                requestsPerSecond: options.number("requests_per_second") ?? 1,
                errorMessage: errorMessage
            )
        else { throw ConfigError(issues: [ConfigIssue(path: path, "expected an absolute http(s) URL")]) }
        if configuration.origin.scheme == "http", !configuration.origin.isLoopback, options.bool("allow_insecure_http") != true {
            throw ConfigError(issues: [
                ConfigIssue(
                    path: path,
                    "plain http:// to a non-loopback host would send credentials unencrypted; use https:// or set \"allow_insecure_http\": true"
                )
            ])
        }
        configuration.dailyRequestBudget = options.integer("daily_request_budget")
        configuration.retry = RetryPolicy(
            maxAttempts: options.integer("max_attempts") ?? 8, maxDelay: options.duration("max_retry_delay") ?? 60)
        configuration.connectTimeout = options.duration("connect_timeout") ?? 30
        configuration.requestTimeout = options.duration("request_timeout") ?? 300
        return configuration
    }
}
