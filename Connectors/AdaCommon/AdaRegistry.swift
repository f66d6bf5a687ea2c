import ConnectorHTTP
import ConnectorKit

extension AdaAPI {
    /// The options of an Ada source, each declared once (schema, validation, value).
    public enum Options {
        /// `base_url`
        public static let baseURL = OptionSpec(
            "base_url", .url, required: true, summary: "The bot's base URL, https://<handle>.ada.support.")
        /// `token`
        public static let token = Option.secret(
            "token", summary: "The Data Export API token; use \"${ADA_TOKEN}\" to read it from the environment.")
        /// `streams`
        public static let streams = Option.list(
            "streams", of: ["conversations", "messages"], default: ["conversations", "messages"], summary: "The streams to read.")
        /// `start`
        public static let start = Option.timestamp(
            "start", summary: "Where a first run starts; default and limit: the oldest data Ada keeps (now − 365 days).")
        /// `end`
        public static let end = Option.timestamp("end", summary: "Where reading ends; default: now − lag.")
        /// `lag` of Ada Data Export v2: conversations are exported in real time since 2026-02-06 and
        /// messages in near real time since 2026-02-24, so a run reads to 15 minutes ago; what Ada
        /// shows later is read again (`lookback`).
        public static let lagV2 = Option.duration(
            "lag", default: "15m",
            summary: "How far behind now a run reads (v2 is near real time); records shown later are read again (lookback).")
        /// `lag` of Ada Data Export v1.4: not real time (Ada documents "at least two hours").
        public static let lagV14 = Option.duration(
            "lag", default: "2h",
            summary: "How far behind now a run reads (Ada: at least two hours); records shown later are read again (lookback).")
        /// `page_size`
        public static let pageSize = Option.integer("page_size", 100...10_000, default: 10_000, summary: "Records per page.")
        /// `conversations_cursor`
        public static let conversationsCursor = Option.oneOf(
            "conversations_cursor", AdaStreams.ConversationsCursor.allCases.map(\.rawValue), default: "updated",
            summary: "Read conversations by date_updated (catches later changes) or date_created.")
        /// `window_days`
        public static let windowDays = Option.number(
            "window_days", 0.001...60, default: 59, summary: "The longest query window in days (the API allows 60).")
        /// `max_concurrent_windows`
        public static let maxConcurrentWindows = Option.integer(
            "max_concurrent_windows", 1...WindowPlanner.maximumConcurrency, default: 4, summary: "Windows of a stream fetched at once.")
        /// `lookback`
        public static let lookback = Option.duration(
            "lookback", default: "48h",
            summary:
                "The latest after its time a record may appear in Ada and still be exported: each stretch is read again 3h, 12h and 48h later (for 48h); 0s to read once."
        )
    }

    /// The `lag` option of this version (its default follows Ada's freshness).
    public var lag: Option<Double> { type == AdaAPI.v2.type ? Options.lagV2 : Options.lagV14 }

    /// The options an Ada source takes.
    public var options: [OptionSpec] {
        [
            Options.baseURL, Options.token.spec, Options.streams.spec, Options.start.spec, Options.end.spec, lag.spec,
            Options.pageSize.spec, Options.conversationsCursor.spec, Options.windowDays.spec, Options.maxConcurrentWindows.spec,
            Options.lookback.spec,
        ] + HTTPOptions.specs(limits: rateLimits)
    }

    /// The registry entry for this API version.
    public var registryEntry: Registry.SourceEntry {
        let api = self
        return Registry.SourceEntry(
            type: type,
            summary: "\(title): conversations and messages from https://<handle>.ada.support.",
            options: options,
            make: { options, context in
                let http = try HTTPOptions.configuration(from: options, credential: .bearer(options[Options.token]))
                var settings = AdaSettings()
                settings.streams = options[Options.streams]
                settings.start = options[Options.start]
                settings.end = options[Options.end]
                settings.lag = options[api.lag]
                settings.pageSize = options[Options.pageSize]
                settings.conversationsCursor = AdaStreams.ConversationsCursor(rawValue: options[Options.conversationsCursor]) ?? .updated
                settings.windowDays = options[Options.windowDays]
                settings.maxConcurrentWindows = options[Options.maxConcurrentWindows]
                settings.lookback = options[Options.lookback]
                let oldest = Timestamp.now.adding(seconds: -AdaSettings.retentionSeconds)
                let issues = [
                    options.orderIssue(),
                    options.windowCountIssue(
                        start: max(settings.start ?? oldest, oldest), end: settings.end, lag: settings.lag,
                        windowSeconds: settings.windowDays * 86_400, option: options.given.contains("start") ? "start" : "window_days"),
                ].compactMap { $0 }
                if !issues.isEmpty { throw ConfigError(issues: issues) }
                return AdaSource(api: api, settings: settings, http: http, logger: context.logger)
            }
        )
    }
}
