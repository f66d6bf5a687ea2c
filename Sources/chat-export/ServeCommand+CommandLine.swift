/// `serve`'s command line.
extension ServeCommand {
    /// `serve`'s options.
    enum Flags {
        static let once = CLIOption.flag(
            "--once",
            help: """
                exit once every job has completed a successful run that finished
                after this process started, whichever worker ran it (0), or 1 if
                one never could
                """)
        static let metrics = CLIOption.option(
            "--metrics", "HOST:PORT",
            help: """
                serve Prometheus metrics on http://HOST:PORT/metrics (and /healthz):
                127.0.0.1:9464 for this machine, 0.0.0.0:9464 (or an interface's
                IPv4 address) for a scraper elsewhere
                """)
        static let maxConcurrent = CLIOption.option(
            "--max-concurrent", "N", .integer(1...Int.max), default: .value("4"), help: "runs (and, in a fleet, leases) at a time")
        static let coordination = CLIOption.option(
            "--coordination", "URL",
            help: """
                share the jobs with a fleet through this PostgreSQL database
                (a password from ${VAR} in the URL, PGPASSWORD or ~/.pgpass)
                """)
        static let workerID = CLIOption.option(
            "--worker-id", "NAME", default: .described("host:pid"), help: "this worker's name in the fleet")
        static let leaseTTL = CLIOption.option(
            "--lease-ttl", "DURATION", default: .value("60s"),
            help: """
                how long a lease lives without renewal: how soon the jobs
                of a dead worker are taken over
                """)
    }

    static let command = CLICommand(
        "serve",
        usage: """
            Usage: chat-export serve JOB_OR_DIR... [--once] [--metrics HOST:PORT] [--max-concurrent N]
                                     [--coordination postgresql://…] [--worker-id NAME] [--lease-ttl 60s]
            """,
        discussion: """
            Runs every job (each file, and every *.json in each directory) on its schedule,
            "schedule": {"every": "15m"} or {"cron": "*/15 * * * *"} (five fields, UTC) in the job file
            (default hourly; every runs at once, cron at its first time): never two runs of one job at
            once, at most --max-concurrent runs at a time; a due job starts as soon as a slot is free. Jobs
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
            """,
        options: [Flags.once, Flags.metrics, Flags.maxConcurrent, Flags.coordination, Flags.workerID, Flags.leaseTTL])
}
