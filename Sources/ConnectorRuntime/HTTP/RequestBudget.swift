/// A daily cap on requests (Ada documents 15,000 Data Export requests a day), counted per UTC day
/// in this process. When the next request would exceed it, the job stops at its last checkpoint
/// with ``ChatExportError/Code/budgetExhausted`` (exit 75) and says when to resume.
public actor RequestBudget {
    /// Requests allowed per UTC day.
    public let limit: Int
    private var day: Int64 = -1
    private var used = 0

    /// Creates a budget.
    ///
    /// - Parameter limit: Requests per UTC day.
    public init(limit: Int) { self.limit = limit }

    /// Takes one request from today's budget.
    ///
    /// - Parameter now: The current time.
    /// - Throws: ``ChatExportError/Code/budgetExhausted`` naming the time the budget renews.
    public func spend(now: Timestamp = .now) throws {
        let today = now.epochSeconds / 86_400
        if today != day {
            day = today
            used = 0
        }
        guard used < limit else {
            let renewal = Timestamp(epochSeconds: (today + 1) * 86_400)
            throw ChatExportError(
                .budgetExhausted,
                "the daily request budget of \(limit) requests is used up; stopped at the last checkpoint, resume after \(renewal.iso8601())"
            )
        }
        used += 1
    }

    /// Requests spent today.
    public var spent: Int { used }
}
