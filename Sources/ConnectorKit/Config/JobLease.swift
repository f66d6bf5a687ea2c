/// A worker's claim on one vendor instance's jobs (`chat-export serve --coordination`): while
/// it holds the lease no other worker runs those jobs. The lease carries a fence number that a
/// checkpoint store opened under it checks in every commit, so a worker that lost its lease
/// (paused, partitioned, past its time to live) stores nothing more.
public protocol JobLease: Sendable, CustomStringConvertible {
    /// What is leased: the vendor instance (see ``JobConfig/vendorInstance``).
    var unit: String { get }
    /// The worker holding it.
    var worker: String { get }
    /// Taken anew by every claim of ``unit``; a higher fence supersedes a lower one.
    var fence: Int64 { get }
    /// How long the lease lives without a renewal.
    var timeToLive: Duration { get }

    /// Throws unless the lease is still this worker's and unexpired, by the coordination
    /// store's own clock (so clocks of different machines do not matter).
    ///
    /// - Throws: ``ChatExportError`` (`checkpointLocked`) when it was lost.
    func verify() throws
}

extension JobLease {
    /// `<unit> (fence F, worker W)`
    public var description: String { "\(unit) (fence \(fence), worker \(worker))" }

    /// The error of a lost lease.
    ///
    /// - Parameter stopping: What was refused.
    /// - Returns: The error.
    public func lostError(stopping: String) -> ChatExportError {
        ChatExportError(
            .checkpointLocked,
            "worker \(worker) no longer holds the lease on \(unit) (fence \(fence)): it expired or another worker took it over; "
                + "this run stops without committing \(stopping)")
    }
}
