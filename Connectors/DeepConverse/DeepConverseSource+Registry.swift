import ConnectorHTTP
import ConnectorKit

extension DeepConverseSource {
    /// The options of `type: "deepconverse"`, each declared once (schema, validation, value).
    public enum Options {
        /// `base_url`
        public static let baseURL = OptionSpec(
            "base_url", .url, default: .string("https://api.converseapps.com"), summary: "The API's base URL.")
        /// `api_key`
        public static let apiKey = Option.secret(
            "api_key", summary: "The export API key, sent as x-api-key; use \"${DEEPCONVERSE_API_KEY}\".")
        /// `bot_name`
        public static let botName = Option.required("bot_name", summary: "The bot whose conversations to export.")
        /// `streams`
        public static let streams = Option.list(
            "streams", of: allStreams.map(\.name), default: allStreams.map(\.name), summary: "The streams to read.")
        /// `start`
        public static let start = Option.timestamp("start", required: true, summary: "Where a first run starts.")
        /// `end`
        public static let end = Option.timestamp("end", summary: "Where reading ends; default: now − lag.")
        /// `lag`
        public static let lag = Option.duration("lag", default: "2h", summary: "How far behind now to stop.")
        /// `per_page`
        public static let perPage = Option.integer("per_page", 1...1000, default: 1000, summary: "Records per request.")
        /// `window_hours`
        public static let windowHours = OptionSpec(
            "window_hours", .number(0.01...24 * 366), summary: "The window length in hours (instead of window_days).")
        /// `window_days`
        public static let windowDays = Option.number("window_days", 0.001...366, default: 7, summary: "The window length in days.")
        /// `max_concurrent_windows`
        public static let maxConcurrentWindows = Option.integer(
            "max_concurrent_windows", 1...WindowPlanner.maximumConcurrency, default: 4, summary: "Windows of a stream fetched at once.")
        /// `lookback`
        public static let lookback = Option.duration(
            "lookback", default: "48h",
            summary:
                "The latest after its time a record may appear and still be exported (DeepConverse does not document its delay): each stretch is read again 3h, 12h and 48h later (for 48h); 0s to read once."
        )
    }

    /// The registry entry for `type: "deepconverse"`.
    public static let registryEntry = Registry.SourceEntry(
        type: "deepconverse",
        summary: "DeepConverse (Workato AgentX Support) export API: conversations and messages of one bot.",
        options: [
            Options.baseURL, Options.apiKey.spec, Options.botName.spec, Options.streams.spec, Options.start.spec, Options.end.spec,
            Options.lag.spec, Options.perPage.spec, Options.windowHours, Options.windowDays.spec, Options.maxConcurrentWindows.spec,
            Options.lookback.spec,
        ] + HTTPOptions.specs(limits: .deepConverse),
        make: { options, context in
            let issues = [options.exclusiveIssue("window_hours", "window_days"), options.orderIssue()].compactMap { $0 }
            guard issues.isEmpty else { throw ConfigError(issues: issues) }
            let start = options[Options.start] ?? .now
            let end = options[Options.end]
            let http = try HTTPOptions.configuration(from: options, credential: .header(name: "x-api-key", value: options[Options.apiKey]))
            let windowSeconds = options.number("window_hours").map { $0 * 3600 } ?? options[Options.windowDays] * 86_400
            if let issue = options.windowCountIssue(
                start: start, end: end, lag: options[Options.lag], windowSeconds: windowSeconds, option: "start")
            {
                throw ConfigError(issues: [issue])
            }
            return DeepConverseSource(
                settings: Settings(
                    botName: options[Options.botName], streams: options[Options.streams], start: start, end: end, lag: options[Options.lag],
                    perPage: options[Options.perPage], windowSeconds: max(1, Int64(saturating: windowSeconds)),
                    maxConcurrentWindows: options[Options.maxConcurrentWindows], lookback: options[Options.lookback]),
                http: http,
                logger: context.logger
            )
        }
    )
}
