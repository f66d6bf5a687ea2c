import BuiltInComponents
import ConnectorKit

/// The command lines of the commands ``Commands`` runs: `run`, `check`, `validate`, `spec`,
/// `list` and `state`.
extension Commands {
    /// `run`'s options.
    enum RunFlags {
        static let stream = CLIOption.option("--stream", "NAME", repeatable: true, help: "run only this stream")
        static let progress = CLIOption.option(
            "--progress", "MODE", .oneOf(ProgressReporter.Mode.allCases.map(\.rawValue)),
            default: .value(ProgressReporter.Mode.auto.rawValue),
            help: "auto (live line on a terminal, log lines otherwise), live, log\nor off")
        static let dryRun = CLIOption.flag(
            "--dry-run",
            help: """
                a preview: fetch at most --limit records per stream, the most recent
                window first, in small pages, and print them as
                {"stream": …, "record": …} lines; no sink is written, no
                checkpoint read or stored
                """)
        static let limit = CLIOption.option(
            "--limit", "N", .integer(1...Int.max), default: .value("10"), help: "records per stream for --dry-run")
        static let since = CLIOption.option(
            "--since", "TIME",
            help: """
                backfill: read exactly TIME up to --until into the sinks and leave
                the checkpoint as it is; a files sink writes the range to
                DIR/<stream>/backfill-<UTC time>/ (SQLite upserts it)
                """)
        static let until = CLIOption.option(
            "--until", "TIME", default: .described("now − lag"), help: "the end of a backfill, exclusive")
        static let fullRefresh = CLIOption.flag(
            "--full-refresh",
            help: """
                start the streams over from the configured start: forget their
                checkpoints; a files sink moves its earlier parts to
                DIR/.replaced-<UTC time>/ (SQLite upserts the re-export)
                """)
    }

    /// `state`'s options.
    enum StateFlags {
        static let stream = CLIOption.option(
            "--stream", "NAME", repeatable: true, help: "set or reset: this stream; reset without it: every stream")
        static let position = CLIOption.option("--position", "TIME", help: "set: where the streams read from next")
        static let json = CLIOption.flag("--json", help: "show: the checkpoint as stored")
    }

    static let runCommand = CLICommand(
        "run",
        usage: """
            Usage: chat-export run CONFIG [--stream NAME]... [--progress MODE] [--full-refresh]
                   chat-export run CONFIG --since TIME [--until TIME] [--stream NAME]...
                   chat-export run CONFIG --dry-run [--limit N] [--stream NAME]...
            """,
        discussion: """
            Runs the job in CONFIG. Each batch is written to every sink and made durable before the
            checkpoint moves, so an interrupted run (Ctrl-C, kill, crash) resumes where it stopped.

            TIME: 2026-10-01 or 2026-10-01T12:00:00Z (UTC), a duration back from now (7d, 12h, 90m),
            or today, yesterday (00:00 UTC), now.
            """,
        options: [
            RunFlags.stream, RunFlags.progress, RunFlags.dryRun, RunFlags.limit, RunFlags.since, RunFlags.until, RunFlags.fullRefresh,
        ])

    static let checkCommand = CLICommand(
        "check", usage: "Usage: chat-export check CONFIG",
        discussion: """
            Validates CONFIG, asks the source to verify its credentials and reachability with as few
            requests as possible (each tried once), and checks that every sink can write where it is
            configured, by looking: it creates no file, directory or database (a directory that does
            not exist yet is said; `run` creates it). Exit 77 when the vendor rejects the credentials,
            78 when a place the job writes cannot be written.
            """)

    static let validateCommand = CLICommand(
        "validate", usage: "Usage: chat-export validate CONFIG",
        discussion: """
            Validates CONFIG without contacting any vendor and reports every problem at once,
            each with its JSON path, including output and checkpoint paths that cannot be written
            (it creates nothing; a directory `run` will create is said). Exit 78 when the config is
            invalid.
            """)

    static let specCommand = CLICommand(
        "spec", usage: "Usage: chat-export spec [TYPE]",
        discussion: """
            Prints the JSON Schema of a source or sink TYPE, or of a whole job config when TYPE
            is omitted; `spec rest-definition` prints the schema of a connector definition (the
            JSON file a "rest" source reads).
            """)

    static let listCommand = CLICommand(
        "list", usage: "Usage: chat-export list",
        discussion: "Lists the registered source and sink types with a one-line description each.")

    static let stateCommand = CLICommand(
        "state",
        usage: """
            Usage: chat-export state show CONFIG [--json]
                   chat-export state set CONFIG --stream NAME... --position TIME
                   chat-export state reset CONFIG [--stream NAME]...
            """,
        discussion: """
            show prints, per stream, the records delivered and batches so far (a record read again
            counts again), the rows each SQL sink stores (each record once), when it last committed,
            how far behind now it is complete, and the source it describes; --json prints the
            checkpoint as stored. It needs no lock: it reads a running job's state too.
            set is a manual repair: the streams count as read up to TIME and the next run reads from
            TIME on (earlier to read again, later to skip); the sinks' positions are kept.
            reset forgets the checkpoint of every stream, or of the named streams, so the next run
            starts from the configured start, keeping a backup of what it replaces (it also recovers
            a corrupt checkpoint). It takes the job's lock: it fails while a run is active.
            """,
        options: [StateFlags.stream, StateFlags.position, StateFlags.json])
}
