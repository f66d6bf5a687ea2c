public import ConnectorKit

/// The HTTP options every vendor source accepts, declared once so connectors share names,
/// defaults and validation.
public enum HTTPOptions {
    /// `max_attempts`
    public static let maxAttempts = Option.integer(
        "max_attempts", 1...100, default: 8,
        summary: "Attempts per request, the first included, for errors and timeouts (429 throttling never counts).")
    /// `max_retry_delay`
    public static let maxRetryDelay = Option.duration(
        "max_retry_delay", upTo: "1h", default: "60s", summary: "The longest wait between attempts.")
    /// `connect_timeout`
    public static let connectTimeout = Option.duration(
        "connect_timeout", from: "100ms", upTo: "10m", default: "30s", summary: "Time to connect and between received bytes.")
    /// `request_timeout`
    public static let requestTimeout = Option.duration(
        "request_timeout", from: "100ms", upTo: "1h", default: "5m", summary: "Time for a whole request, body included.")
    /// `allow_insecure_http`
    public static let allowInsecureHTTP = Option.boolean(
        "allow_insecure_http", default: false,
        summary: "Allow a plain http:// base_url on a non-loopback host (credentials would travel unencrypted).")

    /// The option specs.
    ///
    /// - Parameter limits: The vendor's documented limits (the defaults of `rate_limits`).
    /// - Returns: Specs for `rate_limits` (and its aliases `requests_per_second`,
    ///   `daily_request_budget`), `max_attempts`, `max_retry_delay`, `connect_timeout`,
    ///   `request_timeout`, `ca_file` and `allow_insecure_http`.
    public static func specs(limits: RateLimits) -> [OptionSpec] {
        [
            OptionSpec(
                "rate_limits",
                .object([
                    OptionSpec(
                        "per_endpoint_per_second", .number(0...1000),
                        summary: "Requests per second to one endpoint; 0 for no limit."),
                    OptionSpec(
                        "per_minute", .integer(0...1_000_000),
                        summary: "Requests per minute to the vendor instance (base URL and credential); 0 for no limit."),
                    OptionSpec(
                        "per_day", .integer(0...100_000_000),
                        summary:
                            "Requests per UTC day to the vendor instance, counted across runs in the job's state; when used up the job stops at its checkpoint with exit 75. 0 for no limit."
                    ),
                ]),
                default: limits.json,
                summary:
                    "The vendor's request limits, shared by every job and stream in the process that calls the same instance; the defaults are the vendor's documented limits."
            ),
            OptionSpec(
                "requests_per_second", .number(0.01...1000), summary: "Alias of rate_limits.per_endpoint_per_second."),
            OptionSpec("daily_request_budget", .integer(1...10_000_000), summary: "Alias of rate_limits.per_day."),
            maxAttempts.spec, maxRetryDelay.spec, connectTimeout.spec, requestTimeout.spec,
            OptionSpec(
                "ca_file", .path,
                summary: "A PEM file of CA certificates to trust instead of the system store (a private CA); relative to the config file."),
            allowInsecureHTTP.spec,
        ]
    }

    /// The limits a source's validated options ask for: `rate_limits` over the vendor's defaults,
    /// or the aliases; an alias and the `rate_limits` member it stands for together are an error.
    ///
    /// - Parameter options: The source's validated options.
    /// - Returns: The limits.
    /// - Throws: ``ConfigError`` naming both paths when an alias and its member are both given.
    public static func rateLimits(from options: ComponentOptions) throws -> RateLimits {
        let nested = options.object("rate_limits")
        var issues: [ConfigIssue] = []
        func pick(_ member: String, alias: String) -> Double? {
            let explicit = nested?.given.contains(member) == true
            if let value = options.number(alias) {
                if explicit {
                    issues.append(
                        ConfigIssue(path: options.path + "." + alias, "is an alias of rate_limits.\(member), which is also given; keep one")
                    )
                }
                return value
            }
            return nested?.number(member)
        }
        let perSecond = pick("per_endpoint_per_second", alias: "requests_per_second")
        let perDay = pick("per_day", alias: "daily_request_budget")
        let perMinute = nested?.integer("per_minute")
        // A rate below one request per 100 s is a typo, not a limit (and its pacing interval
        // would be beyond any sensible wait).
        if let perSecond, perSecond > 0, perSecond < RateLimits.minimumPerSecond {
            let path = options.given.contains("requests_per_second") ? "requests_per_second" : "rate_limits.per_endpoint_per_second"
            issues.append(
                ConfigIssue(
                    path: options.path + "." + path,
                    "expected 0 (no limit) or a rate from \(RateLimits.minimumPerSecond) to 1000 requests per second, got \(perSecond)"))
        }
        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        return RateLimits(
            perEndpointPerSecond: perSecond.flatMap { $0 > 0 ? $0 : nil }, perMinute: perMinute.flatMap { $0 > 0 ? $0 : nil },
            perDay: perDay.flatMap { $0 > 0 ? Int($0) : nil })
    }

    /// Builds a client configuration from validated options, reporting problems by path.
    ///
    /// - Parameters:
    ///   - options: The source's validated options.
    ///   - baseURLKey: The option holding the base URL (named in messages).
    ///   - baseURL: The base URL when it is not an option's value as is (a connector
    ///     definition's template, filled in).
    ///   - credential: The credential.
    ///   - errorMessage: Reads the vendor's error bodies.
    /// - Returns: The configuration.
    /// - Throws: ``ConfigError`` for a plain-http base URL on a non-loopback host without
    ///   `allow_insecure_http`.
    public static func configuration(
        from options: ComponentOptions,
        baseURLKey: String = "base_url",
        baseURL override: String? = nil,
        credential: VendorHTTPClient.Credential?,
        errorMessage: @escaping @Sendable (VendorHTTPResponse) -> String? = VendorHTTPClient.genericErrorMessage
    ) throws -> VendorHTTPClient.Configuration {
        let path = options.path + "." + baseURLKey
        guard let baseURL = override ?? options.string(baseURLKey),
            var configuration = VendorHTTPClient.Configuration(
                baseURL: baseURL,
                credential: credential,
                requestsPerSecond: 1,
                errorMessage: errorMessage
            )
        else { throw ConfigError(issues: [ConfigIssue(path: path, "expected an absolute http(s) URL")]) }
        if configuration.origin.scheme == "http", !configuration.origin.isLoopback, !options[allowInsecureHTTP] {
            throw ConfigError(issues: [
                ConfigIssue(
                    path: path,
                    "plain http:// to a non-loopback host would send credentials unencrypted; use https:// or set \"allow_insecure_http\": true"
                )
            ])
        }
        configuration.rateLimits = try rateLimits(from: options)
        if let caFile = options.path("ca_file") {
            guard FileSystem.exists(caFile) else {
                throw ConfigError(issues: [ConfigIssue(path: options.path + ".ca_file", "no such file: \(caFile)")])
            }
            configuration.caFile = caFile
        }
        configuration.retry = RetryPolicy(maxAttempts: options[maxAttempts], maxDelay: .seconds(options[maxRetryDelay]))
        configuration.connectTimeout = .seconds(options[connectTimeout])
        configuration.requestTimeout = .seconds(options[requestTimeout])
        return configuration
    }
}
