import Foundation

/// A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a temporary
/// directory, `pg_ctl start` on a free loopback port, stopped and removed when released (the
/// testing.postgresql approach). As root it runs the server binaries as the `postgres` system
/// user the Debian package creates (`initdb` refuses root).
///
/// Connections over TCP need the superuser's password (``password``): scram-sha-256, as a real
/// server would ask.
public final class PostgresServer: @unchecked Sendable {
    /// The server binaries' directory, or nil with ``unavailableReason`` saying why.
    public static let binaries: String? = findBinaries()

    /// Why no server can be started here, or nil when one can.
    public static var unavailableReason: String? {
        if binaries == nil {
            return
                "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin or $PG_BIN: install the postgresql package"
        }
        if getuid() == 0, getpwnam("postgres") == nil {
            return "running as root and there is no postgres system user to run initdb as (initdb refuses root)"
        }
        return nil
    }

    /// The port on 127.0.0.1.
    public let port: UInt16
    /// The superuser (`postgres`) password.
    public let password: String
    /// The cluster's directory.
    public let directory: String
    private let binaries: String
    private let lock = NSLock()
    private var running = false
    /// Whether commits are flushed to disk (`fsync`): off for tests, on for benchmarks.
    public let durable: Bool

    /// `postgresql://postgres:<password>@127.0.0.1:<port>/<database>`
    ///
    /// - Parameter database: The database.
    /// - Returns: The URL.
    public func url(database: String = "postgres", user: String = "postgres", password: String? = nil) -> String {
        "postgresql://\(user):\(password ?? self.password)@127.0.0.1:\(port)/\(database)"
    }

    /// Creates and starts a cluster.
    ///
    /// - Parameter durable: Flush commits to disk as a production server does (benchmarks);
    ///   tests leave it off: a test cluster need survive a server restart, not a machine crash.
    /// - Throws: ``PostgresServerError`` with the tool's output when a step fails.
    public init(durable: Bool = false) throws {
        self.durable = durable
        guard let binaries = Self.binaries, Self.unavailableReason == nil else {
            throw PostgresServerError(message: Self.unavailableReason ?? "unavailable")
        }
        self.binaries = binaries
        directory = FileManager.default.temporaryDirectory.path + "/chat-export-pg-" + UUID().uuidString
        password = "pw-" + UUID().uuidString.prefix(8).lowercased()
        port = try LoopbackPort.unused()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try password.write(toFile: directory + "/pwfile", atomically: true, encoding: .utf8)
        if getuid() == 0, let user = getpwnam("postgres") {
            chown(directory, user.pointee.pw_uid, user.pointee.pw_gid)
            chown(directory + "/pwfile", user.pointee.pw_uid, user.pointee.pw_gid)
        }
        try run(
            "initdb",
            [
                "-D", directory + "/data", "-U", "postgres", "--pwfile=" + directory + "/pwfile", "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
            ])
        try start()
        try startWatchdog()
    }

    /// A shell that stops the server and removes its directory once this process is gone, so a
    /// test run that crashes or is killed leaves no server behind (it polls once a second).
    private func startWatchdog() throws {
        let stop =
            (getuid() == 0 ? "/usr/sbin/runuser -u postgres -- " : "") + "'\(binaries)/pg_ctl' -D '\(directory)/data' -m immediate -w stop"
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = [
            "-c", "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(stop) >/dev/null 2>&1; rm -rf '\(directory)'",
        ]
        // A directory the `postgres` user can enter, whatever the caller's is.
        watchdog.currentDirectoryURL = URL(fileURLWithPath: "/")
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the server (again) and waits until it accepts connections.
    ///
    /// - Throws: ``PostgresServerError`` when it does not start.
    public func start() throws {
        let options =
            "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c max_connections=40"
            + (durable ? "" : " -c fsync=off -c full_page_writes=off")
        try run("pg_ctl", ["-D", directory + "/data", "-o", options, "-l", directory + "/log", "-w", "-t", "60", "start"])
        lock.withLock { running = true }
    }

    /// Stops the server; `immediate` aborts it as a crash would.
    ///
    /// - Parameter immediate: Whether to stop without a clean shutdown.
    public func stop(immediate: Bool = false) {
        guard lock.withLock({ running }) else { return }
        _ = try? run("pg_ctl", ["-D", directory + "/data", "-m", immediate ? "immediate" : "fast", "-w", "-t", "60", "stop"])
        lock.withLock { running = false }
    }

    /// Runs SQL as the superuser through the local socket with `psql`, returning its output
    /// (unaligned, tuples only).
    ///
    /// - Parameters:
    ///   - sql: The statements.
    ///   - database: The database.
    /// - Returns: What `psql` printed.
    /// - Throws: ``PostgresServerError`` when `psql` fails.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try run("psql", ["-h", directory, "-p", String(port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
    }

    /// Runs a server tool to its end (as the `postgres` user when root) and returns what it
    /// printed on stdout: `posix_spawn` and `waitpid`, not `Process`, whose exit detection was
    /// seen to miss a `runuser` that exited while `pg_ctl`'s server lived on.
    ///
    /// The tool runs in the cluster's directory, which the `postgres` user owns: the caller's
    /// working directory may be one that user cannot enter (a checkout in a mode-700 home), and
    /// the tools warn about it. Its stderr goes to a file of its own, shown only when it fails, so
    /// a warning never mixes with a query's rows.
    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let path = binaries + "/" + tool
        let command = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", path] + arguments : [path] + arguments
        // `sh` enters the directory and becomes the tool (posix_spawn's addchdir is not imported into Swift).
        let argv = ["/bin/sh", "-c", #"cd "$1" && shift && exec "$@""#, "sh", directory] + command
        let output = directory + "/\(tool)-\(UUID().uuidString.prefix(8))"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        posix_spawn_file_actions_addopen(&actions, 2, output + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        let arguments = argv.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, arguments, environ)
        guard spawned == 0 else {
            throw PostgresServerError(message: "cannot start \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = (try? String(contentsOfFile: output + ".out", encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? ""
        unlink(output + ".out")
        unlink(output + ".err")
        // Exited normally with 0 (WIFEXITED and WEXITSTATUS, which Swift does not import).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let log =
                (try? String(contentsOfFile: directory + "/log", encoding: .utf8)).map { "\nserver log:\n" + String($0.suffix(2000)) } ?? ""
            throw PostgresServerError(message: "\(tool) failed (status \(status)): \(text)\(errors)\(log)")
        }
        return text
    }

    private static func findBinaries() -> String? {
        if let custom = ProcessInfo.processInfo.environment["PG_BIN"], FileManager.default.isExecutableFile(atPath: custom + "/initdb") {
            return custom
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions {
            let bin = "\(root)/\(version)/bin"
            if ["initdb", "pg_ctl", "postgres", "psql"].allSatisfy({ FileManager.default.isExecutableFile(atPath: bin + "/" + $0) }) {
                return bin
            }
        }
        return nil
    }
}

/// A step of starting or using a ``PostgresServer`` failed.
public struct PostgresServerError: Error, CustomStringConvertible {
    /// What failed, with the tool's output.
    public var message: String
    /// The message.
    public var description: String { message }
}
