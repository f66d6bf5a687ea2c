import ConnectorKit
import ConnectorRuntime

extension ServiceMetrics {
    /// Counts a run's success and logs its `run_finished` JSON line (records, duration).
    ///
    /// - Parameters:
    ///   - job: The job.
    ///   - summary: What the run did.
    ///   - seconds: How long it took.
    ///   - logger: Where the line goes.
    ///   - worker: The fleet worker that ran it, if any.
    func succeeded(_ job: String, _ summary: RunSummary, seconds: Double, logger: ExportLogger, worker: String? = nil) {
        finished(
            job, summary: summary, duration: .seconds(seconds),
            completeThrough: summary.completeThrough.map { Double($0.microseconds) / 1e6 })
        var metadata: [String: ExportLogger.MetadataValue] = [
            "job": .string(job), "event": "run_finished", "records": .int(summary.totalRecords), "duration_s": .double(seconds),
        ]
        if let worker { metadata["worker"] = .string(worker) }
        logger.info("\(job): run finished: \(Readable.count(summary.totalRecords, "record")) in \(Readable.seconds(seconds))", metadata)
    }

    /// Logs a run's `run_failed` JSON line (the failure itself is counted by ``finished(_:summary:duration:finishedAt:completeThrough:)``).
    ///
    /// - Parameters:
    ///   - job: The job.
    ///   - message: What went wrong, and what happens next.
    ///   - logger: Where the line goes.
    ///   - worker: The fleet worker that ran it, if any.
    func failed(_ job: String, _ message: String, logger: ExportLogger, worker: String? = nil) {
        var metadata: [String: ExportLogger.MetadataValue] = ["job": .string(job), "event": "run_failed"]
        if let worker { metadata["worker"] = .string(worker) }
        logger.error("\(job): run failed: \(message)", metadata)
    }
}
