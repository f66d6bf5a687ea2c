public import ConnectorKit

extension PostgresSink {
    /// The options of `type: "postgres"`, each declared once (schema, validation, value).
    public enum Options {
        /// `schema`
        public static let schema = Option.string("schema", default: "public", summary: "The schema of the tables (created if missing).")
        /// `table_prefix`
        public static let tablePrefix = Option.string("table_prefix", default: "", summary: "Prepended to every table and view name.")
        /// `connect_timeout`
        public static let connectTimeout = Option.duration(
            "connect_timeout", from: "1s", upTo: "10m", default: "10s", summary: "How long to wait for a connection.")
    }

    /// The registry entry for `type: "postgres"`.
    public static let registryEntry = Registry.SinkEntry(
        type: "postgres",
        summary:
            "A PostgreSQL schema: a table (data json) and a view per stream, COPY + upsert by _id, checkpoints in the same transaction.",
        options: [
            OptionSpec(
                "url", .secret, required: true,
                summary:
                    "postgresql://user@host:5432/database; the password from ${VAR} in the URL, PGPASSWORD or ~/.pgpass; libpq's URL parameters (sslmode, …) pass through."
            ),
            Options.schema.spec, Options.tablePrefix.spec, Options.connectTimeout.spec,
        ],
        make: { options, context in
            let prefix = options[Options.tablePrefix]
            var issues: [ConfigIssue] = []
            if let problem = NameRules.tablePrefixProblem(prefix) {
                issues.append(ConfigIssue(path: options.path + ".table_prefix", problem))
            }
            let schema = options[Options.schema]
            if let problem = NameRules.identifierProblem(schema) {
                issues.append(ConfigIssue(path: options.path + ".schema", problem))
            }
            let url = options.string("url") ?? ""
            do throws(PostgresAddressError) {
                _ = try PostgresAddress(url: url)
            } catch {
                issues.append(ConfigIssue(path: options.path + ".url", error.message))
            }
            if !issues.isEmpty { throw ConfigError(issues: issues) }
            return try PostgresSink(
                settings: Settings(
                    url: url, schema: schema, tablePrefix: prefix,
                    connectTimeout: .seconds(max(1, Int(Int64(saturating: options[Options.connectTimeout]))))),
                logger: context.logger)
        }
    )
}
