/// What the runner makes known to the code a source runs while it reads: the job's checkpoint
/// store, where the HTTP layer keeps the requests spent per vendor instance and UTC day (so a
/// daily budget holds across runs without every connector wiring it), and the progress display.
public enum JobRunContext {
    /// The running job's checkpoint store; nil outside a run (for example in `check`).
    @TaskLocal public static var store: (any CheckpointStore)?
    /// The running job's progress display, where the HTTP layer says it is throttled.
    @TaskLocal public static var progress: ProgressReporter?
}
