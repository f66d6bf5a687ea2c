public import ConnectorKit

/// Runs a job: reads every stream of the source and moves each batch into every sink, then
/// commits the checkpoint.
///
/// For each batch, in this order: write to every sink, make every sink durable
/// (``Sink/commit(_:)``), store the stream's checkpoint, tell the sinks it is stored. A failure at
/// any step stops the job with the checkpoint at the last batch that reached every sink; nothing
/// is stored after a failure. Streams run concurrently; the first failure cancels the others.
///
/// A stored state is applied only to what it describes: before reading, the runner compares each
/// stream's stored ``StreamIdentity`` with the source's, and checks that every sink that keeps
/// data (not stdout) was covered by the stored state; a difference stops the run with
/// ``ChatExportError/Code/invalidConfig`` saying what differs and how to recover. Sinks then
/// claim their places for the job (``Sink/claim(for:)``).
public struct JobRunner: Sendable {
    /// The source.
    public var source: any Source
    /// The sinks, written in order.
    public var sinks: [any Sink]
    /// Where checkpoints go.
    public var checkpoints: any CheckpointStore
    /// Where the daily request budget is counted (``RunContext/budget``): ``checkpoints`` when
    /// nil. A preview (`run --dry-run`, `discover`) stores no checkpoint but counts its requests in
    /// the job's store, as a run does.
    public var budget: (any CheckpointStore)?
    /// The job's logger.
    public var logger: ExportLogger
    /// Progress display, if any.
    public var progress: ProgressReporter?
    /// Only these streams, or all the source's streams when nil.
    public var onlyStreams: Set<String>?
    /// Start the selected streams over from the configured start: forget their stored states
    /// and let each sink set aside what it holds for them (``Sink/setAside(_:)``).
    public var fullRefresh = false
    /// Stop each stream once this many records reached the sinks; nil for no limit. Set, the run
    /// is a preview (`run --dry-run`, `discover`) and the source is told so
    /// (``ReadRequest/preview``): small pages, the most recent records first, nothing read again.
    public var recordLimit: Int?
    /// The clock sources plan with (``ReadRequest/now``), read once per stream: the real time
    /// unless a test or a replay pins it.
    public var now: @Sendable () -> Timestamp = { .now }

    /// Creates a runner.
    ///
    /// - Parameters:
    ///   - source: The source.
    ///   - sinks: The sinks.
    ///   - checkpoints: The checkpoint store (already opened and locked); a
    ///     ``TransactionalCheckpointStore`` commits its sink's rows with each state.
    ///   - logger: The job's logger.
    ///   - progress: Progress display.
    ///   - onlyStreams: A subset of streams to run.
    public init(
        source: any Source,
        sinks: [any Sink],
        checkpoints: any CheckpointStore,
        logger: ExportLogger,
        progress: ProgressReporter? = nil,
        onlyStreams: Set<String>? = nil
    ) {
        self.source = source
        self.sinks = sinks
        self.checkpoints = checkpoints
        self.logger = logger
        self.progress = progress
        self.onlyStreams = onlyStreams
    }

    /// Runs every stream to its end.
    ///
    /// - Returns: What the run did.
    /// - Throws: The first failure (``ChatExportError``, `CancellationError`, …). Sinks are
    ///   finished with `succeeded: false` and no checkpoint moves past durable data.
    @discardableResult
    public func run() async throws -> RunSummary {
        let started = Timestamp.now
        let streams = source.streams.filter { onlyStreams?.contains($0.name) ?? true }
        if let transactional = checkpoints as? any TransactionalCheckpointStore,
            !sinks.contains(where: { ($0 as AnyObject) === (transactional.sink as AnyObject) })
        {
            throw ChatExportError(
                .failure,
                "the checkpoint store \(checkpoints.location) commits with sink \(transactional.sink.identity), which is not one of this job's sinks "
                    + "(pass that same sink object, or use a checkpoint store of its own)")
        }
        var states = try await checkpoints.load().mapValues(JobRunner.canonicalSinkKeys)
        if fullRefresh {
            try await checkpoints.reset(streams: Set(streams.map(\.name)))
            for stream in streams { states[stream.name] = nil }
        } else {
            for stream in streams { try verify(stream, against: states[stream.name]) }
        }
        let job = try await identifyJob()
        // Each sink's key in stored states, worked out once (it may consult the working directory).
        let keys = sinks.map { JobRunner.canonicalSinkKey($0.identity) }
        var summary = RunSummary()
        do {
            for sink in sinks { try await sink.claim(for: job) }
            for stream in streams {
                for (sink, key) in zip(sinks, keys) {
                    if fullRefresh { try await sink.setAside(stream) }
                    try await sink.open(stream, restoring: states[stream.name]?.sinkStates[key])
                }
            }
            let resumed = states
            try await withThrowingTaskGroup(of: (String, RunSummary.StreamSummary)?.self) { group in
                for stream in streams {
                    group.addTask { (stream.name, try await runStream(stream, from: resumed[stream.name], sinkKeys: keys)) }
                }
                if let progress {
                    group.addTask {
                        await progress.run()
                        return nil
                    }
                }
                var remaining = streams.count
                while remaining > 0, let result = try await group.next() {
                    guard let (name, streamSummary) = result else { continue }
                    summary.streams[name] = streamSummary
                    remaining -= 1
                }
                group.cancelAll()
            }
        } catch {
            for sink in sinks {
                do {
                    try await sink.finish(succeeded: false)
                } catch let finishError {
                    logger.warning("sink \(sink.identity) failed to finish: \(finishError)")
                }
            }
            throw error
        }
        // Every sink is finished even when one fails (each publishes or releases its own place);
        // the first failure is then reported.
        var finishFailure: (any Error)?
        for sink in sinks {
            do {
                try await sink.finish(succeeded: true)
            } catch {
                logger.warning("sink \(sink.identity) failed to finish: \(error)")
                finishFailure = finishFailure ?? error
            }
        }
        if let finishFailure { throw finishFailure }
        summary.duration = .microseconds(Timestamp.now.microseconds - started.microseconds)
        summary.counters = source.counters
        return summary
    }

    /// What every stream's source read is given: this run's stores, progress display and mode.
    public var context: RunContext {
        RunContext(mode: recordLimit == nil ? .run : .preview, checkpoints: checkpoints, budget: budget ?? checkpoints, progress: progress)
    }

    private func runStream(_ stream: StreamDescriptor, from state: StreamState?, sinkKeys: [String]) async throws
        -> RunSummary.StreamSummary
    {
        let logger = self.logger.with("stream", stream.name)
        let tracker = StreamTracker(state: state)
        let identity = source.identity(of: stream)
        if let recordLimit {
            logger.debug("previewing at most \(recordLimit) records, the most recent first")
        } else if checkpoints is DetachedCheckpointStore {
            logger.info("backfilling the range given; the job's checkpoint is left as it is")
        } else if let state {
            logger.info("resuming from checkpoint (batch \(state.sequence))")
        } else {
            logger.info("no checkpoint yet: starting from the configured start")
        }
        let request = ReadRequest(
            stream: stream, checkpoint: state?.checkpoint, logger: logger, now: now(),
            suppressRepeats: !sinks.allSatisfy { $0.replay == .upsertByID }, preview: recordLimit.map(ReadRequest.Preview.init),
            context: context)
        do {
            try await read(request, identity: identity, sinkKeys: sinkKeys, tracker: tracker)
        } catch is RecordLimitReached {
            logger.debug("stream stopped at its record limit (\(recordLimit ?? 0))")
        }
        progress?.finished(stream: stream.name)
        var summary = await tracker.summary
        summary.completed = true
        // The stream's one line: what it wrote (JSON: the counts as numbers).
        logger.info(
            "\(stream.name): finished, \(Readable.count(summary.records, "record")) in \(Readable.count(summary.pages, "page")) "
                + "(\(Readable.bytes(summary.bytes)))",
            [
                "event": "stream_finished", "records": .int(summary.records), "pages": .int(summary.pages), "bytes": .int(summary.bytes),
                "completed": .bool(summary.completed),
            ])
        return summary
    }

    private func read(_ request: ReadRequest, identity: StreamIdentity, sinkKeys: [String], tracker: StreamTracker) async throws {
        let stream = request.stream
        // The store that commits a sink's rows with each state, and that sink: worked out once.
        let transactional = checkpoints as? any TransactionalCheckpointStore
        let holder = transactional?.sink.identity
        try await source.read(request) { batch in
            try Task.checkCancellation()
            var batch = batch
            if let recordLimit {
                // The stream ends right after the batch that reaches the limit; this one is cut to it.
                let room = recordLimit - (await tracker.summary.records)
                if batch.records.count > room { batch.records = Array(batch.records.prefix(room)) }
            }
            guard batch.stream == stream.name else {
                throw ChatExportError(.failure, "source emitted a batch for stream \(batch.stream) while reading \(stream.name)")
            }
            if !batch.records.isEmpty {
                for sink in sinks { try await sink.write(batch) }
            }
            let previous = await tracker.current
            let commit = SinkCommit(stream: stream.name, sequence: previous.sequence + 1, checkpoint: batch.checkpoint)
            var sinkStates = previous.sinkStates
            for (sink, key) in zip(sinks, sinkKeys) where sink.identity != holder {
                // `.null` records that the sink was covered, for sinks that keep no position.
                sinkStates[key] = try await sink.commit(commit) ?? .null
            }
            let next = StreamState(
                checkpoint: batch.checkpoint,
                sinkStates: sinkStates,
                sequence: commit.sequence,
                records: previous.records + batch.records.count,
                identity: identity
            )
            if let transactional {
                try await transactional.commit(commit, storing: next)
            } else {
                try await checkpoints.save(next, for: stream.name)
            }
            await tracker.committed(next, batch: batch)
            for sink in sinks { try await sink.checkpointSaved(commit) }
            progress?.committed(
                stream: stream.name, records: batch.records.count, pages: batch.pages, fraction: batch.progress, through: batch.through)
            // Enough for a dry run: end the stream without fetching another page.
            if let recordLimit, await tracker.summary.records >= recordLimit { throw RecordLimitReached() }
        }
    }
}

/// Thrown from `emit` to end a stream that reached ``JobRunner/recordLimit``.
struct RecordLimitReached: Error {}

/// One stream's committed state and counters during a run.
actor StreamTracker {
    var current: StreamState
    var summary = RunSummary.StreamSummary()

    init(state: StreamState?) {
        current = state ?? StreamState(checkpoint: Checkpoint(.null))
    }

    func committed(_ state: StreamState, batch: RecordBatch) {
        current = state
        summary.records += batch.records.count
        summary.batches += 1
        summary.pages += batch.pages
        summary.bytes += batch.byteCount
    }
}
