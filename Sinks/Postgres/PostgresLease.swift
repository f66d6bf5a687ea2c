public import ConnectorKit
import SQLStore

/// A lease taken in a fleet's PostgreSQL coordination database (`PostgresCoordinator`, in the
/// `PostgresFleet` target, hands them out). A ``PostgresSink`` in the same
/// database checks it inside each commit transaction (`SELECT … FOR SHARE`, so no worker can
/// take it over until that commit ends); a sink elsewhere asks the coordinator while it holds
/// the job's fence row, which orders its commit before any takeover's first one.
public struct PostgresLease: JobLease {
    /// The vendor instance.
    public let unit: String
    /// The worker holding it.
    public let worker: String
    /// The fence this claim took.
    public let fence: Int64
    /// How long the lease lives without a renewal.
    public let timeToLive: Duration
    /// Where the lease table lives.
    let address: PostgresAddress
    /// Asks the coordination database, on the coordinator's own connection.
    private let isHeld: @Sendable (PostgresLease) throws -> Bool

    /// The fleet's lease table: one row per vendor instance (holder, fence, expiry).
    package static let leaseTable = "public.chat_export_fleet_leases"

    /// The statement that finds the lease still held (with ``parameters``).
    package static let heldSQL =
        "SELECT 1 FROM \(leaseTable) WHERE unit = $1 AND holder = $2 AND fence = $3 AND expires_at > clock_timestamp()"

    /// `unit`, `worker`, `fence`.
    package var parameters: [String?] { [unit, worker, String(fence)] }

    /// A lease the coordinator just took.
    ///
    /// - Parameters:
    ///   - unit: The vendor instance.
    ///   - worker: The worker holding it.
    ///   - fence: The fence the claim took.
    ///   - timeToLive: How long it lives without a renewal.
    ///   - address: The coordination database.
    ///   - isHeld: Asks the coordination database whether the lease is still held.
    package init(
        unit: String, worker: String, fence: Int64, timeToLive: Duration, address: PostgresAddress,
        isHeld: @escaping @Sendable (PostgresLease) throws -> Bool
    ) {
        self.unit = unit
        self.worker = worker
        self.fence = fence
        self.timeToLive = timeToLive
        self.address = address
        self.isHeld = isHeld
    }

    /// Asks the coordination database whether the lease is still held.
    public func verify() throws {
        guard try isHeld(self) else { throw lostError(stopping: "its checkpoint") }
    }

    /// Checks the lease on `connection`, inside its open transaction, when that connection is
    /// to the coordination database; else asks the coordinator.
    func verify(in connection: PostgresConnection, stopping what: String) throws {
        guard connection.address.server == address.server, connection.address.database == address.database else {
            guard try isHeld(self) else { throw lostError(stopping: what) }
            return
        }
        let rows = try connection.query(Self.heldSQL + " FOR SHARE", parameters, doing: "check the lease on \(unit)").rows
        guard !rows.isEmpty else { throw lostError(stopping: what) }
    }
}
