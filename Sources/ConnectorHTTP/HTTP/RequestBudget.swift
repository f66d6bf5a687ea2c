public import ConnectorKit

/// A daily cap on requests to one vendor instance (Ada documents 15,000 Data Export requests a
/// day), counted per UTC day. When the next request would exceed it, the job stops at its last
/// checkpoint with ``ChatExportError/Code/budgetExhausted`` (exit 75) and says when to resume.
///
/// Inside a job run the count persists in the store the run counts its budget in
/// (``RunContext/budget``, the job's checkpoint store; job value `requests:<instance>`), so every
/// run of the day (a dry run and `discover` included) shares one budget. The store is
/// written ahead of the requests in small leases, so a crash can only over-count, by less than
/// one lease, never let a day exceed its cap.
public actor RequestBudget {
    /// Requests allowed per UTC day.
    public let limit: Int
    /// The vendor instance the budget counts (`acme.ada.support`).
    public let instance: String
    private var day: Int64 = -1
    private var used = 0
    /// How many requests of `day` the store already counts.
    private var leased = 0
    private var loaded = false

    /// Creates a budget.
    ///
    /// - Parameters:
    ///   - limit: Requests per UTC day.
    ///   - instance: The vendor instance it counts (the key it is stored under).
    public init(limit: Int, instance: String = "") {
        self.limit = limit
        self.instance = instance
    }

    /// The job value that keeps the count.
    public var key: String { "requests:" + instance }

    /// Requests per lease written ahead: 1 for small budgets, at most 25.
    var leaseSize: Int { max(1, min(25, limit / 200)) }

    /// Takes one request from today's budget.
    ///
    /// - Parameters:
    ///   - now: The current time.
    ///   - store: Where the count persists (``RunContext/budget``); nil counts in memory only.
    /// - Throws: ``ChatExportError/Code/budgetExhausted`` naming the time the budget renews;
    ///   ``ChatExportError/Code/storageFailure`` when the count cannot be stored.
    public func spend(now: Timestamp = .now, store: (any CheckpointStore)? = nil) async throws {
        let today = now.epochSeconds / 86_400
        if today != day {
            day = today
            used = 0
            leased = 0
            loaded = false
        }
        if let store, !loaded {
            loaded = true
            let stored = try await store.loadJobValues()[key]
            if let count = stored?["used"]?.intValue, stored?["day"]?.stringValue == RequestBudget.dayText(today) {
                used = max(used, count)
                leased = used
            }
        }
        guard used < limit else {
            let renewal = Timestamp(epochSeconds: (today + 1) * 86_400)
            throw ChatExportError(
                .budgetExhausted,
                "the daily request budget of \(limit) requests\(instance.isEmpty ? "" : " for \(instance)") is used up "
                    + "(counted across today's runs); stopped at the last checkpoint, resume after \(renewal.iso8601())"
            )
        }
        used += 1
        if let store, used > leased {
            leased = min(limit, used + leaseSize - 1)
            try await store.saveJobValue(.object([("day", .string(RequestBudget.dayText(today))), ("used", .integer(leased))]), for: key)
        }
    }

    /// Requests spent today.
    public var spent: Int { used }

    static func dayText(_ day: Int64) -> String { String(Timestamp(epochSeconds: day * 86_400).iso8601().prefix(10)) }
}
