import ConnectorRuntime

extension DeepConverseSource {
    /// The registry entry for `type: "deepconverse"`.
    public static let registryEntry = Registry.SourceEntry(
        type: "deepconverse",
        summary: "DeepConverse (Workato AgentX Support) export API: conversations and messages of one bot.",
        options: [
            OptionSpec("base_url", .url, default: .string("https://api.converseapps.com"), summary: "The API's base URL."),
            OptionSpec(
                "api_key", .secret, required: true, summary: "The export API key, sent as x-api-key; use \"${DEEPCONVERSE_API_KEY}\"."),
            OptionSpec("bot_name", .string, required: true, summary: "The bot whose conversations to export."),
            OptionSpec(
                "streams",
                .list(.oneOf(allStreams.map(\.name))),
                default: .array(allStreams.map { .string($0.name) }),
                summary: "The streams to read."
            ),
            OptionSpec("start", .timestamp, required: true, summary: "Where a first run starts."),
            OptionSpec("end", .timestamp, summary: "Where reading ends; default: now − lag."),
            OptionSpec("lag", .duration, default: .string("2h"), summary: "How far behind now to stop."),
            OptionSpec("per_page", .integer(1...1000), default: .integer(1000), summary: "Records per request."),
            OptionSpec("window_hours", .number(0.01...24 * 366), summary: "The window length in hours (instead of window_days)."),
            OptionSpec("window_days", .number(0.001...366), summary: "The window length in days (default 7)."),
            OptionSpec("max_concurrent_windows", .integer(1...64), default: .integer(4), summary: "Windows of a stream fetched at once."),
            OptionSpec(
                "lookback",
                .duration,
                default: .string("0s"),
                summary: "How far before the checkpoint a re-run reads conversations again, to pick up ones whose lastActionAt moved."
            ),
        ] + HTTPOptions.specs(limits: .deepConverse),
        make: { options, context in
            var issues: [ConfigIssue] = []
            if options["window_hours"] != nil, options["window_days"] != nil {
                issues.append(ConfigIssue(path: options.path + ".window_hours", "use window_hours or window_days, not both"))
            }
            let start = options.timestamp("start") ?? .now
            let end = options.timestamp("end")
            if let end, end <= start { issues.append(ConfigIssue(path: options.path + ".end", "must be after start (\(start.iso8601()))")) }
            guard issues.isEmpty else { throw ConfigError(issues: issues) }
            let http = try HTTPOptions.configuration(
                from: options, credential: .header(name: "x-api-key", value: options.secret("api_key") ?? Secret("")))
            let windowSeconds = options.number("window_hours").map { $0 * 3600 } ?? (options.number("window_days") ?? 7) * 86_400
            return DeepConverseSource(
                settings: Settings(
                    botName: options.string("bot_name") ?? "",
                    streams: options.strings("streams") ?? allStreams.map(\.name),
                    start: start,
                    end: end,
                    lag: options.duration("lag") ?? 7200,
                    perPage: options.integer("per_page") ?? 1000,
                    windowSeconds: Int64(max(1, windowSeconds)),
                    maxConcurrentWindows: options.integer("max_concurrent_windows") ?? 4,
                    lookback: options.duration("lookback") ?? 0
                ),
                http: http,
                logger: context.logger
            )
        }
    )
}
