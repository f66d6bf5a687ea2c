import BuiltInComponents
import ConnectorKit
import ConnectorRuntime
import Foundation

/// Runs one loaded job to its end under signal handling: the shared body of `run` and `demo`.
enum JobExecution {
    struct Outcome {
        var status: Int32
        var summary: RunSummary?
    }

    /// Runs `job`; SIGINT/SIGTERM cancel it and return 130/143 with the last durable checkpoint kept.
    static func run(
        _ job: JobConfig, label: String, only: Set<String>?, progress mode: ProgressReporter.Mode, fullRefresh: Bool = false,
        detached: Bool = false,
        logger: ExportLogger
    ) async throws -> Outcome {
        let progress = ProgressReporter(mode: mode, logger: logger)
        // A backfill leaves the job's checkpoint as it is: its stream states stay in memory.
        var session = JobSession(job: job, checkpoints: detached ? .detached : .job, logger: logger)
        session.progress = progress
        session.passes = [JobSession.Pass(streams: only, fullRefresh: fullRefresh)]
        session.now = try RunClock.current()
        let opened = try await session.open()
        logger.info(
            "job started",
            [
                "event": "job_started", "config": .string(label), "checkpoint": .string(job.checkpointLocation),
                "source": .string(job.sourceOptions.type),
            ])

        let event = await SignalWatcher.run(
            { try await opened.run() },
            onSignal: { number in logger.warning("received \(SignalWatcher.name(number)); stopping at the last durable checkpoint") })
        /// What a run that stopped early achieved, so Ctrl-C or a failure never leaves the person guessing.
        func stoppedSummary(_ how: String) {
            let committed = progress.committedSoFar
            for stream in committed {
                logger.info(
                    "\(stream.stream): \(Readable.count(stream.records, "record")) in \(Readable.count(stream.pages, "page")) committed",
                    Self.fields("stream_stopped", stream: stream.stream, records: stream.records, pages: stream.pages))
            }
            let streams = committed.map { "\($0.stream) \(Readable.count($0.records, "record")) in \(Readable.count($0.pages, "page"))" }
            let counters = job.source.counters.map { Self.counterText($0) }
            let parts = (streams.isEmpty ? ["nothing committed"] : streams) + counters
            var fields = Self.counterFields(job.source.counters)
            fields["event"] = "job_stopped"
            fields["outcome"] = .string(how)
            fields["records"] = .int(committed.reduce(0) { $0 + $1.records })
            fields["pages"] = .int(committed.reduce(0) { $0 + $1.pages })
            fields["duration_s"] = .double(progress.elapsed.inSeconds)
            logger.info(
                "run \(how) after \(Readable.seconds(progress.elapsed.inSeconds)): " + parts.joined(separator: ", ")
                    + "; the checkpoint keeps all of it", fields)
        }
        switch event {
        case .signalled(let number):
            stoppedSummary("stopped by \(SignalWatcher.name(number))")
            return Outcome(status: 128 + number, summary: nil)
        case .finished(.success(let summary)):
            // Each stream said its line (`stream_finished`) when it finished.
            let counters = summary.counters.map { Self.counterText($0) }.joined(separator: ", ")
            let seconds = summary.duration.inSeconds
            let rate = seconds > 0 ? Int(Double(summary.totalRecords) / seconds) : 0
            var fields = Self.counterFields(summary.counters)
            fields["event"] = "job_finished"
            fields["records"] = .int(summary.totalRecords)
            fields["pages"] = .int(summary.streams.values.reduce(0) { $0 + $1.pages })
            let bytes = summary.streams.values.reduce(0) { $0 + $1.bytes }
            fields["bytes"] = .int(bytes)
            fields["duration_s"] = .double(seconds)
            fields["records_per_s"] = .int(rate)
            logger.info(
                "job finished: \(Readable.count(summary.totalRecords, "record")) (\(Readable.bytes(bytes))) in \(Readable.seconds(seconds)) "
                    + "(\(rate) records/s)" + (counters.isEmpty ? "" : "; \(counters)"),
                fields
            )
            return Outcome(status: 0, summary: summary)
        case .finished(.failure(let error as ChatExportError)) where error.code == .outputClosed:
            stoppedSummary("stopped: standard output was closed by its reader")
            return Outcome(status: error.code.exitStatus, summary: nil)
        case .finished(.failure(let error)):
            stoppedSummary("failed")
            throw error
        }
    }

    /// The numeric fields of a stream event, for `--log-format json`.
    static func fields(_ event: String, stream: String, records: Int, pages: Int) -> ExportLogger.Metadata {
        ["event": .string(event), "stream": .string(stream), "records": .int(records), "pages": .int(pages)]
    }

    /// `requests 5`, and the HTTP bytes as `1.08 MB received`.
    static func counterText(_ counter: (name: String, value: Int)) -> String {
        counter.name == "bytes" ? "\(Readable.bytes(counter.value)) received" : "\(counter.name) \(counter.value)"
    }

    /// The source's counters (`requests`, `throttled`, `retries`, …) as numeric fields.
    static func counterFields(_ counters: [(name: String, value: Int)]) -> ExportLogger.Metadata {
        var fields: ExportLogger.Metadata = [:]
        for counter in counters { fields[counter.name == "bytes" ? "http_bytes" : counter.name] = .int(counter.value) }
        return fields
    }

}
