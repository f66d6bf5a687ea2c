public import ConnectorKit

extension SyntheticSource {
    /// The options of `type: "synthetic"`, each declared once (schema, validation, value).
    public enum Options {
        /// `streams`
        public static let streams = Option.list(
            "streams", of: allStreams.map(\.name), default: allStreams.map(\.name), summary: "The streams to read.")
        /// `records`
        public static let records = Option.integer("records", 0...100_000_000, default: 1000, summary: "Records per stream.")
        /// `page_size`
        public static let pageSize = Option.integer("page_size", 1...10_000, default: 100, summary: "Records per page.")
        /// `seed`
        public static let seed = Option.integer("seed", 0...Int(Int32.max), default: 1, summary: "The generator's seed.")
        /// `start`
        public static let start = Option<Timestamp>(
            spec: OptionSpec("start", .timestamp, default: .string("2026-01-01T00:00:00Z"), summary: "The first record's timestamp."),
            default: Timestamp(epochSeconds: 1_767_225_600)
        ) { $0.timestamp("start") }
        /// `fail_after_pages`
        public static let failAfterPages = OptionSpec(
            "fail_after_pages", .integer(0...Int(Int32.max)), summary: "Fail (exit 75) after this many pages of a run, to try resuming.")
        /// `page_delay`
        public static let pageDelay = Option.duration(
            "page_delay", upTo: "1m", default: "0s", summary: "Time to wait before each page, to watch progress.")
    }

    /// The registry entry for `type: "synthetic"`.
    public static let registryEntry = Registry.SourceEntry(
        type: "synthetic",
        summary: "Generated Ada-shaped conversations and messages, for trying the runtime without a vendor.",
        options: [
            Options.streams.spec, Options.records.spec, Options.pageSize.spec, Options.seed.spec, Options.start.spec,
            Options.failAfterPages,
            Options.pageDelay.spec,
        ],
        make: { options, _ in
            // Records are 7 s apart from the start: the last one must still be a time (before 10000).
            let last = options[Options.start].adding(seconds: Int64(options[Options.records]) * 7)
            guard last <= Timestamp.validRange.upperBound else {
                throw ConfigError(issues: [
                    ConfigIssue(
                        path: options.path + ".start",
                        "\(options[Options.records]) records 7 s apart from this start would run past 9999-12-31; use an earlier start")
                ])
            }
            return SyntheticSource(
                streams: options[Options.streams],
                settings: Settings(
                    records: options[Options.records], pageSize: options[Options.pageSize], seed: UInt64(options[Options.seed]),
                    start: options[Options.start], failAfterPages: options.integer("fail_after_pages"),
                    pageDelay: .seconds(options[Options.pageDelay])))
        }
    )
}
