/// `discover`'s command line.
extension DiscoverCommand {
    /// `discover`'s options.
    enum Flags {
        static let limit = CLIOption.option(
            "--limit", "N", .integer(1...Int.max), default: .value("100"), help: "records sampled per stream")
        static let json = CLIOption.flag("--json", help: "print the same as JSON")
    }

    static let command = CLICommand(
        "discover",
        usage: """
            Usage: chat-export discover CONFIG [--limit N] [--json]
                   chat-export discover TYPE [--json]
            """,
        discussion: """
            Prints each stream of the job (or of source TYPE): its table columns (the id, the cursor
            and parent columns and the vendor field each comes from), the declared well-known fields
            with their types and the view columns they become, and, with CONFIG, every field seen in
            a sample of up to --limit real records per stream, the most recent first: its JSON types
            and how often it is present. Writes no sink and no checkpoint.
            """,
        options: [Flags.limit, Flags.json])
}
