/// Help texts, one per command.
enum Help {
    static let version = "chat-export 0.1.0"

    static let globalOptions = """
        Global options:
          --log-level LEVEL     trace, debug, info, warning or error (default: info)
          --log-format FORMAT   human or json (default: human); logs go to stderr
          -h, --help            show help for the command
        """

    static let main = """
        chat-export: move chatbot conversations and messages from vendor export APIs into sinks.

        Usage: chat-export COMMAND [OPTIONS]

        Commands:
          demo                  run a real job against the built-in vendor sandbox (no account needed)
          run CONFIG            run the job; re-running resumes from the last checkpoint
                                (--since/--until: backfill a range, --dry-run: a sample to stdout)
          check CONFIG          validate the config, then verify credentials with the vendor
          validate CONFIG       validate the config offline
          spec [TYPE]           print the JSON Schema of a source, sink or transform type (or of a job config)
          list                  list the registered sources, sinks and transforms
          discover CONFIG|TYPE  each stream's fields: declared columns, and with CONFIG a real sample
          init TYPE [--sink S]  print a job config for a source type (sink: sqlite, files, postgres, stdout)
          new-connector NAME    write a connector definition for a vendor without Swift, and a job using it
          state show CONFIG     the job's state per stream (--json: the checkpoint as stored)
          state set CONFIG      set where a stream reads from next (--stream NAME --position TIME)
          state reset CONFIG    forget the job's checkpoint (all streams, or --stream NAME)
          forget CONFIG         remove end users' records from every sink and keep them out (--end-user ID)
          serve JOB_OR_DIR...   keep many jobs current on their schedules, alone or as a fleet (--coordination)
          sandbox               run the local fake of the vendors' export APIs in the foreground
          completion bash|zsh   print a shell completion script
          help [COMMAND]        show this help, or a command's
          version               print the version

        Global options may stand anywhere, before or after the command.

        \(globalOptions)
          --version             print the version

        Exit codes: 0 success, 64 bad command line, 78 invalid config, 77 credentials rejected,
        75 temporary failure (re-run to resume), 130/143 interrupted by SIGINT/SIGTERM, 1 other failure.
        """

    static let commands: [String: String] = [
        "sandbox": SandboxCommand.help,
        "forget": ForgetCommand.help,
        "demo": """
        Usage: chat-export demo [--dir DIR] [--progress MODE]

        Starts the vendor sandbox in-process on a free port and runs a real job for every
        built-in source against it, writing into DIR (default: chat-export-demo in the current
        directory). Prints a summary and something to try. Needs no account and no server.

        \(globalOptions)
        """,
        "run": """
        Usage: chat-export run CONFIG [--stream NAME]... [--progress MODE] [--full-refresh]
               chat-export run CONFIG --since TIME [--until TIME] [--stream NAME]...
               chat-export run CONFIG --dry-run [--limit N] [--stream NAME]...

        Runs the job in CONFIG. Each batch is written to every sink and made durable before the
        checkpoint moves, so an interrupted run (Ctrl-C, kill, crash) resumes where it stopped.

        Options:
          --stream NAME         run only this stream (repeatable)
          --progress MODE       auto (live line on a terminal, log lines otherwise), live, log or off
          --dry-run             a preview: fetch at most --limit records per stream (default 10),
                                the most recent window first, in small pages, and print them as
                                {"stream": …, "record": …} lines; no sink is written, no
                                checkpoint read or stored
          --limit N             records per stream for --dry-run
          --since TIME          backfill: read exactly TIME up to --until (default: now − lag) into
                                the sinks and leave the checkpoint as it is; a files sink writes the
                                range to DIR/<stream>/backfill-<UTC time>/ (SQLite upserts it)
          --until TIME          the end of a backfill (exclusive)
                                TIME: 2026-10-01 or 2026-10-01T12:00:00Z (UTC), a duration back
                                from now (7d, 12h, 90m), or today, yesterday (00:00 UTC), now
          --full-refresh        start the streams over from the configured start: forget their
                                checkpoints; a files sink moves its earlier parts to
                                DIR/.replaced-<UTC time>/ (SQLite upserts the re-export)

        \(globalOptions)
        """,
        "check": """
        Usage: chat-export check CONFIG

        Validates CONFIG, asks the source to verify its credentials and reachability with as few
        requests as possible (each tried once), and checks that every sink can write where it is
        configured, by looking: it creates no file, directory or database (a directory that does
        not exist yet is said; `run` creates it). Exit 77 when the vendor rejects the credentials,
        78 when a place the job writes cannot be written.

        \(globalOptions)
        """,
        "validate": """
        Usage: chat-export validate CONFIG

        Validates CONFIG without contacting any vendor and reports every problem at once,
        each with its JSON path, including output and checkpoint paths that cannot be written
        (it creates nothing; a directory `run` will create is said). Exit 78 when the config is
        invalid.

        \(globalOptions)
        """,
        "spec": """
        Usage: chat-export spec [TYPE]

        Prints the JSON Schema of a source or sink TYPE, or of a whole job config when TYPE
        is omitted; `spec rest-definition` prints the schema of a connector definition (the
        JSON file a "rest" source reads).

        \(globalOptions)
        """,
        "init": """
        Usage: chat-export init TYPE [--sink sqlite|files|postgres|stdout]

        Prints a job config for source TYPE with every required option present and credentials
        as environment references (${ADA_TOKEN}, ${DEEPCONVERSE_API_KEY}): save it, set the
        variable, edit the placeholders, and `chat-export validate` it. TYPE rest:NAME (a built-in
        connector definition: ada-v2, ada-v1.4, deepconverse) or rest:FILE.json prints a job for a
        "rest" source reading that definition.

        \(globalOptions)
        """,
        "discover": """
        Usage: chat-export discover CONFIG [--limit N] [--json]
               chat-export discover TYPE [--json]

        Prints each stream of the job (or of source TYPE): its table columns (the id, the cursor
        and parent columns and the vendor field each comes from), the declared well-known fields
        with their types and the view columns they become, and, with CONFIG, every field seen in
        a sample of up to N real records, the most recent first (default 100 per stream): its
        JSON types and how often it is present. Writes no sink and no checkpoint.

        Options:
          --limit N             records sampled per stream (default 100)
          --json                print the same as JSON

        \(globalOptions)
        """,
        "serve": """
        Usage: chat-export serve JOB_OR_DIR... [--once] [--metrics HOST:PORT] [--max-concurrent N]
                                 [--coordination postgresql://…] [--worker-id NAME] [--lease-ttl 60s]

        Runs every job (each file, and every *.json in each directory) on its schedule,
        "schedule": {"every": "15m"} or {"cron": "*/15 * * * *"} (five fields, UTC) in the job file
        (default hourly; every runs at once, cron at its first time): never two runs of one job at
        once, at most N runs at a time (default 4); a due job starts as soon as a slot is free. Jobs
        that call the same vendor instance share its rate limits and daily budget. A failed run is
        tried again after 1, 2, 4… minutes (never later than its schedule). Each run reloads its
        file. SIGINT or SIGTERM stops every run at its last durable checkpoint and exits 0.

        With --coordination, this process is one worker of a fleet: any number of workers, on any
        machines, given the same job files, share them through that PostgreSQL database. A worker
        claims the lease of a vendor instance (all its jobs) with a due job, renews it every third
        of --lease-ttl, and gives it up when nothing is left to do; the lease of a worker that died
        or stalls expires and another worker takes the jobs over from their checkpoints. Every
        checkpoint commit checks the lease, so a worker that lost it commits nothing. Each job must
        keep its checkpoint in a postgres sink.

        Options:
          --once                exit once every job has completed a successful run that finished
                                after this process started, whichever worker ran it (0), or 1 if
                                one never could
          --metrics HOST:PORT   serve Prometheus metrics on http://HOST:PORT/metrics (and /healthz):
                                127.0.0.1:9464 for this machine, 0.0.0.0:9464 (or an interface's
                                IPv4 address) for a scraper elsewhere
          --max-concurrent N    runs (and, in a fleet, leases) at a time (default 4)
          --coordination URL    share the jobs with a fleet through this PostgreSQL database
                                (a password from ${VAR} in the URL, PGPASSWORD or ~/.pgpass)
          --worker-id NAME      this worker's name in the fleet (default host:pid)
          --lease-ttl DURATION  how long a lease lives without renewal (default 60s): how soon
                                the jobs of a dead worker are taken over

        \(globalOptions)
        """,
        "new-connector": """
        Usage: chat-export new-connector NAME [--dir DIR]

        Writes DIR/NAME.json, a connector definition for a vendor that has no built-in connector
        (a worked example to edit: bearer token, epoch and ISO time bounds, offset and cursor
        paging, fields and the conversation model), and DIR/NAME-job.json, a job that reads it as
        {"type": "rest", "definition": "NAME.json"}. Existing files are never overwritten. The
        format's JSON Schema: chat-export spec rest-definition; validate checks a definition with
        JSON paths like any config.

        Options:
          --dir DIR             where to write (default: the current directory)

        \(globalOptions)
        """,
        "completion": """
        Usage: chat-export completion bash|zsh

        Prints a completion script for commands, options, their fixed values, source and sink
        types, and file names. Install it once:
          bash: chat-export completion bash > ~/.local/share/bash-completion/completions/chat-export
          zsh:  chat-export completion zsh > "${fpath[1]}/_chat-export"   (or: source <(chat-export completion zsh))

        \(globalOptions)
        """,
        "list": """
        Usage: chat-export list

        Lists the registered source and sink types with a one-line description each.

        \(globalOptions)
        """,
        "state": """
        Usage: chat-export state show CONFIG [--json]
               chat-export state set CONFIG --stream NAME... --position TIME
               chat-export state reset CONFIG [--stream NAME]...

        show prints, per stream, the records delivered and batches so far (a record read again
        counts again), the rows each SQL sink stores (each record once), when it last committed,
        how far behind now it is complete, and the source it describes; --json prints the
        checkpoint as stored. It needs no lock: it reads a running job's state too.
        set is a manual repair: the streams count as read up to TIME and the next run reads from
        TIME on (earlier to read again, later to skip); the sinks' positions are kept.
        reset forgets the checkpoint of every stream, or of the named streams, so the next run
        starts from the configured start, keeping a backup of what it replaces (it also recovers
        a corrupt checkpoint). It takes the job's lock: it fails while a run is active.

        \(globalOptions)
        """,
    ]
}
