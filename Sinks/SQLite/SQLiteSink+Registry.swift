import ConnectorRuntime

extension SQLiteSink {
    /// The registry entry for `type: "sqlite"`.
    public static let registryEntry = Registry.SinkEntry(
        type: "sqlite",
        summary: "A SQLite database: a table and a view per stream, upserts by _id, checkpoints in the same transaction.",
        options: [
            OptionSpec("path", .path, required: true, summary: "The database file; relative to the config file's directory."),
            OptionSpec("table_prefix", .string, default: .string(""), summary: "Prepended to every table and view name."),
            OptionSpec(
                "busy_timeout", .duration, default: .string("5s"), summary: "How long to wait for a lock held by another connection."),
        ],
        make: { options, _ in
            let prefix = options.string("table_prefix") ?? ""
            guard prefix.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw ConfigError(issues: [
                    ConfigIssue(path: options.path + ".table_prefix", "expected letters, digits and underscores only")
                ])
            }
            return SQLiteSink(
                settings: Settings(
                    path: options.path("path") ?? "out.sqlite", tablePrefix: prefix, busyTimeout: options.duration("busy_timeout") ?? 5)
            )
        }
    )
}
