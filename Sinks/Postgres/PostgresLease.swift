import ConnectorKit

/// A lease taken in a ``PostgresCoordinator``'s database. A ``PostgresSink`` in the same
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
    /// Seconds the lease lives without a renewal.
    public let timeToLive: Double
    let coordinator: PostgresCoordinator

    /// Where the lease table lives.
    var address: PostgresAddress { coordinator.address }

    /// The statement that finds the lease still held (with ``parameters``).
    static let heldSQL =
        "SELECT 1 FROM \(PostgresCoordinator.leaseTable) WHERE unit = $1 AND holder = $2 AND fence = $3 AND expires_at > clock_timestamp()"

    /// `unit`, `worker`, `fence`.
    var parameters: [String?] { [unit, worker, String(fence)] }

    /// Asks the coordination database whether the lease is still held.
    public func verify() throws {
        guard try coordinator.isHeld(self) else { throw lostError(stopping: "its checkpoint") }
    }

    /// Checks the lease on `connection`, inside its open transaction, when that connection is
    /// to the coordination database; else asks the coordinator.
    func verify(in connection: PostgresConnection, stopping what: String) throws {
        guard connection.address.server == address.server, connection.address.database == address.database else {
            guard try coordinator.isHeld(self) else { throw lostError(stopping: what) }
            return
        }
        let rows = try connection.query(Self.heldSQL + " FOR SHARE", parameters, doing: "check the lease on \(unit)").rows
        guard !rows.isEmpty else { throw lostError(stopping: what) }
    }
}
