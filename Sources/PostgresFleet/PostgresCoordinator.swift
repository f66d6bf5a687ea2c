public import ChatExportService
public import ConnectorKit
import Foundation
import PostgresSink
import SQLStore

/// A fleet's shared job list and leases in PostgreSQL (`chat-export serve --coordination`):
/// tables `chat_export_fleet_leases` (one row per vendor instance: holder, fence, expiry) and
/// `chat_export_fleet_jobs` (one row per job: schedule, next due time, last success), in the
/// URL's database, schema `public`.
///
/// A claim takes a free or expired lease with `SELECT … FOR UPDATE SKIP LOCKED` and raises its
/// fence; renewals and checks only succeed while holder, fence and expiry still match. Every
/// time compared is the server's `clock_timestamp()`, so workers' clocks need not agree.
public final class PostgresCoordinator: JobCoordinator, @unchecked Sendable {
    static let leaseTable = PostgresLease.leaseTable
    static let jobTable = "public.chat_export_fleet_jobs"

    let address: PostgresAddress
    private let connectTimeout: Int
    private let logger: ExportLogger
    private let lock = NSLock()
    private var connection: PostgresConnection?

    /// Reads the URL; it connects on first use.
    ///
    /// - Parameters:
    ///   - url: `postgresql://user@host:5432/database` (a password as for the sink).
    ///   - connectTimeout: The longest wait for a connection (whole seconds, rounded up).
    ///   - logger: Where the server's notices go (debug level; warnings at warning level).
    /// - Throws: ``ChatExportError`` (`invalidConfig`) when the URL cannot be read.
    public init(url: String, connectTimeout: Duration = .seconds(10), logger: ExportLogger = .disabled) throws {
        do {
            address = try PostgresAddress(url: url)
        } catch {
            throw ChatExportError(.invalidConfig, "--coordination: \(error.message)")
        }
        self.connectTimeout = PostgresConnection.wholeSeconds(connectTimeout)
        self.logger = logger
    }

    /// `postgresql://user@host:port/database` (no password).
    public var location: String { address.description }

    /// Runs `body` on the connection (opened, and the tables created, on first use; opened
    /// again after it was lost).
    private func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try lock.withLock {
            if let connection, connection.isOpen { return try body(connection) }
            connection?.close()
            connection = nil
            let opened = try PostgresConnection(
                address, connectTimeout: connectTimeout, notices: PostgresConnection.logging(to: logger, address: address))
            try opened.execute(
                """
                BEGIN;
                SELECT pg_advisory_xact_lock(hashtext('chat-export fleet tables'));
                CREATE TABLE IF NOT EXISTS \(Self.leaseTable) (
                    unit text PRIMARY KEY, holder text, fence bigint NOT NULL DEFAULT 0,
                    expires_at timestamptz, claimed_at timestamptz, renewed_at timestamptz);
                CREATE TABLE IF NOT EXISTS \(Self.jobTable) (
                    job text PRIMARY KEY, unit text NOT NULL, every_s double precision NOT NULL,
                    next_due timestamptz NOT NULL, failing boolean NOT NULL DEFAULT false,
                    last_success timestamptz, gave_up_at timestamptz, last_worker text);
                COMMIT;
                """, doing: "create the fleet's tables")
            connection = opened
            return try body(opened)
        }
    }

    /// Adds the jobs (due at once) and their instances; updates the instance and schedule of
    /// known jobs, keeping when they are due.
    public func register(_ jobs: [FleetJob]) async throws -> Double {
        try withConnection { db in
            for job in jobs {
                try db.query(
                    "INSERT INTO \(Self.leaseTable) (unit) VALUES ($1) ON CONFLICT (unit) DO NOTHING", [job.unit],
                    doing: "register the instance \(job.unit)")
                try db.query(
                    "INSERT INTO \(Self.jobTable) (job, unit, every_s, next_due) VALUES ($1, $2, $3, clock_timestamp()) "
                        + "ON CONFLICT (job) DO UPDATE SET unit = excluded.unit, every_s = excluded.every_s",
                    [job.name, job.unit, String(job.every.inSeconds)], doing: "register the job \(job.name)")
            }
            return try now(db)
        }
    }

    private func now(_ db: PostgresConnection) throws -> Double {
        let rows = try db.query("SELECT extract(epoch FROM clock_timestamp())", doing: "read the server's clock").rows
        guard let text = rows.first?.first ?? nil, let seconds = Double(text) else {
            throw ChatExportError(.storageFailure, "PostgreSQL \(address): unreadable clock")
        }
        return seconds
    }

    /// Due jobs, and (with `since`) those done since then.
    public func status(of jobs: [String], since: Double?) async throws -> FleetStatus {
        try withConnection { db in
            let rows = try db.query(
                "SELECT job, next_due <= clock_timestamp(), failing, coalesce(last_success >= to_timestamp($2::float8), false), "
                    + "coalesce(gave_up_at >= to_timestamp($2::float8), false), extract(epoch FROM last_success) FROM \(Self.jobTable) WHERE job = ANY($1::text[])",
                [PostgresConnection.textArray(jobs), String(since ?? 0)], doing: "read the fleet's jobs"
            ).rows
            var status = FleetStatus(due: [])
            for row in rows {
                guard let job = row[0] else { continue }
                if let text = row[5], let seconds = Double(text) { status.lastSuccess[job] = seconds }
                let passed = row[1] == "t"
                let failing = row[2] == "t"
                if since != nil {
                    if row[3] == "t" { status.succeeded.insert(job) }
                    if row[4] == "t" { status.gaveUp.insert(job) }
                    if row[3] != "t", row[4] != "t", !failing || passed { status.due.insert(job) }
                } else if passed {
                    status.due.insert(job)
                }
            }
            return status
        }
    }

    /// Takes the unit's lease when it is free or expired, raising its fence.
    public func claim(_ unit: String, worker: String, timeToLive: Duration) async throws -> (any JobLease)? {
        let fence = try withConnection { db in
            try db.query(
                "UPDATE \(Self.leaseTable) SET holder = $2, fence = fence + 1, "
                    + "expires_at = clock_timestamp() + make_interval(secs => $3::float8), claimed_at = clock_timestamp(), renewed_at = clock_timestamp() "
                    + "WHERE unit IN (SELECT unit FROM \(Self.leaseTable) WHERE unit = $1 AND (holder IS NULL OR expires_at <= clock_timestamp()) "
                    + "FOR UPDATE SKIP LOCKED) RETURNING fence",
                [unit, worker, String(timeToLive.inSeconds)], doing: "claim the lease on \(unit)"
            ).rows.first?.first.flatMap { $0 }.flatMap { Int64($0) }
        }
        return fence.map {
            PostgresLease(
                unit: unit, worker: worker, fence: $0, timeToLive: timeToLive, address: address, isHeld: { [self] in try isHeld($0) })
        }
    }

    /// Extends the lease while it is still held.
    public func renew(_ lease: any JobLease) async throws -> Bool {
        try withConnection { db in
            try db.query(
                "UPDATE \(Self.leaseTable) SET expires_at = clock_timestamp() + make_interval(secs => $4::float8), renewed_at = clock_timestamp() "
                    + "WHERE unit = $1 AND holder = $2 AND fence = $3 AND expires_at > clock_timestamp()",
                [lease.unit, lease.worker, String(lease.fence), String(lease.timeToLive.inSeconds)],
                doing: "renew the lease on \(lease.unit)"
            ).affected == 1
        }
    }

    /// Frees the lease if it is still this one.
    public func release(_ lease: any JobLease) async {
        _ = try? withConnection { db in
            try db.query(
                "UPDATE \(Self.leaseTable) SET holder = NULL, expires_at = NULL WHERE unit = $1 AND holder = $2 AND fence = $3",
                [lease.unit, lease.worker, String(lease.fence)], doing: "release the lease on \(lease.unit)")
        }
    }

    /// Records the run's end, only while `lease` is still held.
    public func finished(_ job: String, under lease: any JobLease, outcome: FleetOutcome, duration: Duration) async throws {
        let (kind, retry): (String, Duration) =
            switch outcome {
            case .succeeded: ("ok", .zero)
            case .failed(let retryIn): ("failed", retryIn)
            case .gaveUp(let retryIn): ("gave_up", retryIn)
            }
        _ = try withConnection { db in
            try db.query(
                "UPDATE \(Self.jobTable) SET "
                    + "last_success = CASE WHEN $2 = 'ok' THEN clock_timestamp() ELSE last_success END, "
                    + "gave_up_at = CASE WHEN $2 = 'gave_up' THEN clock_timestamp() ELSE gave_up_at END, "
                    + "failing = ($2 <> 'ok'), last_worker = $5, "
                    + "next_due = CASE WHEN $2 = 'ok' THEN clock_timestamp() + make_interval(secs => greatest(0, every_s - $4::float8)) "
                    + "ELSE clock_timestamp() + make_interval(secs => $3::float8) END "
                    + "WHERE job = $1 AND EXISTS (SELECT 1 FROM \(Self.leaseTable) WHERE unit = $6 AND holder = $5 AND fence = $7 AND expires_at > clock_timestamp())",
                [job, kind, String(retry.inSeconds), String(duration.inSeconds), lease.worker, lease.unit, String(lease.fence)],
                doing: "record the run of \(job)")
        }
    }

    /// Whether `lease` is still held and unexpired.
    func isHeld(_ lease: PostgresLease) throws -> Bool {
        try withConnection { db in
            !(try db.query(PostgresLease.heldSQL, lease.parameters, doing: "check the lease on \(lease.unit)").rows.isEmpty)
        }
    }

    /// Closes the connection.
    public func close() async {
        lock.withLock {
            connection?.close()
            connection = nil
        }
    }
}
