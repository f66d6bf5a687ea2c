/// What a run hands the code a source runs while it reads or checks: where job-level values
/// live, where the daily request budget is counted, where progress is shown, and how hard to try.
///
/// The runner builds one per run (``JobRunner``, usually through a ``JobSession``) and passes it
/// in every ``ReadRequest``; `check` passes one in its ``CheckRequest``. A source hands it to its
/// HTTP client (``VendorHTTPClient/bound(to:)``), which spends the budget, reports throttling and
/// decides how often to retry from it. Nothing is found in task-locals: a test replaces any part by
/// passing another value.
public struct RunContext: Sendable {
    /// How hard a run tries.
    public enum Mode: Sendable, Hashable {
        /// A run (`run`, `serve`, the protocol executables): requests are retried as configured.
        case run
        /// A preview (`run --dry-run`, `discover`): a few records, retried as a run.
        case preview
        /// A check (`check`): every request is tried once, and a failure says what failed without
        /// suggesting a re-run.
        case check
    }

    /// How hard to try.
    public var mode: Mode
    /// The running job's checkpoint store, whose job-level values (the suppression list) a source
    /// reads and extends; nil outside a run.
    public var checkpoints: (any CheckpointStore)?
    /// Where the requests spent per vendor instance and UTC day are counted
    /// (``RequestBudget``), so a daily budget holds across runs; nil counts in memory only.
    public var budget: (any CheckpointStore)?
    /// The run's progress display, where the HTTP layer says it waits or is throttled.
    public var progress: ProgressReporter?

    /// Creates a context.
    ///
    /// - Parameters:
    ///   - mode: How hard to try.
    ///   - checkpoints: The running job's checkpoint store.
    ///   - budget: Where the daily request budget is counted.
    ///   - progress: The progress display.
    public init(
        mode: Mode = .run, checkpoints: (any CheckpointStore)? = nil, budget: (any CheckpointStore)? = nil,
        progress: ProgressReporter? = nil
    ) {
        self.mode = mode
        self.checkpoints = checkpoints
        self.budget = budget
        self.progress = progress
    }

    /// Whether every request is tried once (``Mode/check``).
    public var singleAttempt: Bool { mode == .check }
}
