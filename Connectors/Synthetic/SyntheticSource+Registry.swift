import ConnectorRuntime

extension SyntheticSource {
    /// The registry entry for `type: "synthetic"`.
    public static let registryEntry = Registry.SourceEntry(
        type: "synthetic",
        summary: "Generated Ada-shaped conversations and messages, for trying the runtime without a vendor.",
        options: [
            OptionSpec(
                "streams", .list(.oneOf(allStreams.map(\.name))), default: .array(allStreams.map { .string($0.name) }),
                summary: "The streams to read."),
            OptionSpec("records", .integer(0...100_000_000), default: .integer(1000), summary: "Records per stream."),
            OptionSpec("page_size", .integer(1...10_000), default: .integer(100), summary: "Records per page."),
            OptionSpec("seed", .integer(0...Int(Int32.max)), default: .integer(1), summary: "The generator's seed."),
            OptionSpec("start", .timestamp, default: .string("2026-01-01T00:00:00Z"), summary: "The first record's timestamp."),
            OptionSpec(
                "fail_after_pages", .integer(0...Int(Int32.max)), summary: "Fail (exit 75) after this many pages of a run, to try resuming."
            ),
            OptionSpec("page_delay", .duration, default: .integer(0), summary: "Time to wait before each page, to watch progress."),
        ],
        make: { options, _ in
            SyntheticSource(
                streams: options.strings("streams"),
                settings: Settings(
                    records: options.integer("records") ?? 1000,
                    pageSize: options.integer("page_size") ?? 100,
                    seed: UInt64(options.integer("seed") ?? 1),
                    start: options.timestamp("start") ?? Settings().start,
                    failAfterPages: options.integer("fail_after_pages"),
                    pageDelay: options.duration("page_delay") ?? 0
                )
            )
        }
    )
}
