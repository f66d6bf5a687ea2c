public import ConnectorKit

extension SQLiteSink {
    /// The options of `type: "sqlite"`, each declared once (schema, validation, value).
    public enum Options {
        /// `path`
        public static let path = OptionSpec(
            "path", .path, required: true, summary: "The database file; relative to the config file's directory.")
        /// `table_prefix`
        public static let tablePrefix = Option.string("table_prefix", default: "", summary: "Prepended to every table and view name.")
        /// `busy_timeout`
        public static let busyTimeout = Option.duration(
            "busy_timeout", upTo: "10m", default: "5s", summary: "How long to wait for a lock held by another connection.")
    }

    /// The registry entry for `type: "sqlite"`.
    public static let registryEntry = Registry.SinkEntry(
        type: "sqlite",
        summary: "A SQLite database: a table and a view per stream, upserts by _id, checkpoints in the same transaction.",
        options: [Options.path, Options.tablePrefix.spec, Options.busyTimeout.spec],
        make: { options, _ in
            let prefix = options[Options.tablePrefix]
            if let problem = NameRules.tablePrefixProblem(prefix) {
                throw ConfigError(issues: [ConfigIssue(path: options.path + ".table_prefix", problem)])
            }
            return SQLiteSink(
                settings: Settings(
                    path: options.path("path") ?? "out.sqlite", tablePrefix: prefix, busyTimeout: .seconds(options[Options.busyTimeout])))
        }
    )
}
