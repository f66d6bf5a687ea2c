import ConnectorRuntime

extension AdaAPI {
    /// The options an Ada source takes.
    public var options: [OptionSpec] {
        [
            OptionSpec("base_url", .url, required: true, summary: "The bot's base URL, https://<handle>.ada.support."),
            OptionSpec(
                "token", .secret, required: true,
                summary: "The Data Export API token; use \"${ADA_TOKEN}\" to read it from the environment."),
            OptionSpec(
                "streams",
                .list(.oneOf(["conversations", "messages"])),
                default: .array([.string("conversations"), .string("messages")]),
                summary: "The streams to read."
            ),
            OptionSpec(
                "start", .timestamp, summary: "Where a first run starts; default and limit: the oldest data Ada keeps (now − 365 days)."),
            OptionSpec("end", .timestamp, summary: "Where reading ends; default: now − lag."),
            OptionSpec(
                "lag", .duration, default: .string("2h"),
                summary: "How far behind now to stop, as data appears in the API late (up to 48h)."),
            OptionSpec("page_size", .integer(100...10_000), default: .integer(10_000), summary: "Records per page."),
            OptionSpec(
                "conversations_cursor",
                .oneOf(AdaStreams.ConversationsCursor.allCases.map(\.rawValue)),
                default: .string("updated"),
                summary: "Read conversations by date_updated (catches later changes) or date_created."
            ),
            OptionSpec(
                "window_days", .number(0.001...60), default: .integer(59), summary: "The longest query window in days (the API allows 60)."),
            OptionSpec("max_concurrent_windows", .integer(1...64), default: .integer(4), summary: "Windows of a stream fetched at once."),
            OptionSpec(
                "lookback", .duration, default: .string("24h"),
                summary:
                    "How far before its checkpoint a re-run reads conversations again, to pick up ones whose date_updated landed behind it; 0s to turn off."
            ),
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
                let http = try HTTPOptions.configuration(from: options, credential: .bearer(options.secret("token") ?? Secret("")))
                var settings = AdaSettings()
                settings.streams = options.strings("streams") ?? settings.streams
                settings.start = options.timestamp("start")
                settings.end = options.timestamp("end")
                settings.lag = options.duration("lag") ?? settings.lag
                settings.pageSize = options.integer("page_size") ?? settings.pageSize
                settings.conversationsCursor =
                    options.string("conversations_cursor").flatMap(AdaStreams.ConversationsCursor.init) ?? .updated
                settings.windowDays = options.number("window_days") ?? settings.windowDays
                settings.maxConcurrentWindows = options.integer("max_concurrent_windows") ?? settings.maxConcurrentWindows
                settings.lookback = options.duration("lookback") ?? settings.lookback
                if let start = settings.start, let end = settings.end, end <= start {
                    throw ConfigError(issues: [ConfigIssue(path: options.path + ".end", "must be after start (\(start.iso8601()))")])
                }
                return AdaSource(api: api, settings: settings, http: http, logger: context.logger)
            }
        )
    }
}
