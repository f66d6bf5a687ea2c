public import ConnectorKit

/// One run of a job, wired in one place: the checkpoint store opened (and locked), the
/// ``RunContext`` built, the ``JobRunner`` run, and everything closed whatever happens.
///
/// Every way of running a job goes through a session: `chat-export run` (``Checkpoints/job``,
/// or ``Checkpoints/detached`` for a backfill), `serve` (``Checkpoints/job``, or
/// ``Checkpoints/leased(_:)`` in a fleet), `run --dry-run` and `discover`
/// (``Checkpoints/preview``), and the Singer tap and Airbyte source (``Checkpoints/given(_:)``).
/// An embedding tool runs a loaded job the same way:
///
/// ```swift
/// let summary = try await JobSession(job: job, logger: logger).run()
/// ```
public struct JobSession: Sendable {
    /// Where the session keeps stream states and counts the daily request budget.
    public enum Checkpoints: Sendable {
        /// The job's store (``JobConfig/openCheckpointStore(ifCorrupt:under:logger:)``), opened
        /// and locked for the session.
        case job
        /// The job's store checked against a fleet's lease (`serve --coordination`).
        case leased(any JobLease)
        /// A backfill of a chosen range: stream states in memory, the job's checkpoint left as it
        /// is; job-level values (the job's id, the budget) in the job's store, which stays locked.
        case detached
        /// A preview (`run --dry-run`, `discover`): stream states in memory, nothing stored but
        /// the requests spent, counted in the job's store as a run counts them. A job that has no
        /// store yet gets none (its count starts at 0), and one whose store cannot be opened (a run
        /// of the job holds it) is counted in memory, with a warning.
        case preview
        /// A store the caller made (the protocol executables' STATE store); the session closes it.
        case given(any CheckpointStore)
    }

    /// Streams run together over the session's store.
    public struct Pass: Sendable {
        /// The streams, or nil for all the source's streams.
        public var streams: Set<String>?
        /// Whether they start over from the configured start (``JobRunner/fullRefresh``).
        public var fullRefresh: Bool

        /// Creates a pass.
        ///
        /// - Parameters:
        ///   - streams: The streams, or nil for all.
        ///   - fullRefresh: Whether they start over.
        public init(streams: Set<String>? = nil, fullRefresh: Bool = false) {
            self.streams = streams
            self.fullRefresh = fullRefresh
        }
    }

    /// The loaded job.
    public var job: JobConfig
    /// Where stream states go.
    public var checkpoints: Checkpoints
    /// The job's logger.
    public var logger: ExportLogger
    /// The sinks written: the job's, unless a preview writes elsewhere (stdout, a sample).
    public var sinks: [any Sink]
    /// The progress display, if any.
    public var progress: ProgressReporter?
    /// The passes, in order, over one opened store: one pass of every stream by default.
    public var passes = [Pass()]
    /// Stop each stream after this many records (``JobRunner/recordLimit``): set for a preview.
    public var recordLimit: Int?
    /// The clock sources plan with (``JobRunner/now``).
    public var now: @Sendable () -> Timestamp = { .now }

    /// Creates a session.
    ///
    /// - Parameters:
    ///   - job: The loaded job.
    ///   - checkpoints: Where stream states go; the job's store by default.
    ///   - logger: The job's logger.
    public init(job: JobConfig, checkpoints: Checkpoints = .job, logger: ExportLogger) {
        self.job = job
        self.checkpoints = checkpoints
        self.logger = logger
        self.sinks = job.sinks
    }

    /// Opens the store, runs every pass and closes the store: ``open()`` then ``Opened/run()``.
    ///
    /// - Returns: What the passes did (see ``Opened/run()``).
    /// - Throws: What opening the store or the runner throws (the store is closed first).
    @discardableResult
    public func run() async throws -> RunSummary {
        try await open().run()
    }

    /// Opens (and locks) the store, so that a store that cannot be opened (a run of the job holds
    /// it) is reported before the run is announced.
    ///
    /// - Returns: The session with its store open; run it, which closes the store.
    /// - Throws: ``ChatExportError`` (``ChatExportError/Code/checkpointLocked``, a storage failure).
    public func open() async throws -> Opened {
        let (store, budget) = try await openStores()
        return Opened(session: self, store: store, budget: budget)
    }

    /// A session whose store is open.
    public struct Opened: Sendable {
        /// The session.
        public let session: JobSession
        /// Where stream states go.
        public let store: any CheckpointStore
        /// Where a preview counts its requests, when not in ``store``.
        let budget: (any CheckpointStore)?

        /// Runs every pass, then closes the store (also when a pass fails or is cancelled).
        ///
        /// - Returns: What the passes did, together; with ``RunSummary/completeThrough`` when the
        ///   job's own store was used and the source says how far each stream has read
        ///   (``Source/progress(of:for:)``).
        /// - Throws: What the runner throws.
        @discardableResult
        public func run() async throws -> RunSummary {
            do {
                var summary = RunSummary()
                for pass in session.passes {
                    var runner = JobRunner(
                        source: session.job.source, sinks: session.sinks, checkpoints: store, logger: session.logger,
                        progress: session.progress, onlyStreams: pass.streams)
                    runner.budget = budget
                    runner.fullRefresh = pass.fullRefresh
                    runner.recordLimit = session.recordLimit
                    runner.now = session.now
                    summary.add(try await runner.run())
                }
                switch session.checkpoints {
                case .job, .leased: summary.completeThrough = try? await session.completeThrough(store)
                case .detached, .preview, .given: break
                }
                await close()
                return summary
            } catch {
                await close()
                throw error
            }
        }

        /// Closes the stores (for a session opened and then not run).
        public func close() async {
            await store.close()
            await budget?.close()
        }
    }

    /// The store stream states go to, and a separate store the budget is counted in (a preview's).
    private func openStores() async throws -> (store: any CheckpointStore, budget: (any CheckpointStore)?) {
        switch checkpoints {
        case .job:
            return (try await job.openCheckpointStore(logger: logger), nil)
        case .leased(let lease):
            return (try await job.openCheckpointStore(under: lease, logger: logger), nil)
        case .detached:
            return (DetachedCheckpointStore(base: try await job.openCheckpointStore(logger: logger)), nil)
        case .given(let store):
            return (store, nil)
        case .preview:
            // A preview of a job that never ran stores nothing: its count starts at 0 anyway.
            guard await jobStoreExists() else { return (EphemeralCheckpointStore(), nil) }
            do {
                return (
                    EphemeralCheckpointStore(), PreviewBudgetStore(base: try await job.openCheckpointStore(logger: logger), logger: logger)
                )
            } catch let error as ChatExportError {
                logger.warning("the daily request budget is counted in memory for this preview only: \(error.message)")
                return (EphemeralCheckpointStore(), nil)
            }
        }
    }

    /// Whether the job has a stored checkpoint yet (a preview never creates one).
    private func jobStoreExists() async -> Bool {
        if let sink = job.checkpointingSink { return (try? await sink.peekCheckpoint().isEmpty == false) ?? false }
        return FileSystem.exists(job.checkpointPath)
    }

    /// The least time every stream of the job is complete through, or nil when a stream has no
    /// state or its source does not say.
    func completeThrough(_ store: any CheckpointStore) async throws -> Timestamp? {
        let states = try await store.load()
        let throughs = job.source.streams.map { stream in
            states[stream.name].flatMap { job.source.progress(of: $0.checkpoint, for: stream)?.completeThrough }
        }
        guard !throughs.isEmpty, throughs.allSatisfy({ $0 != nil }) else { return nil }
        return throughs.compactMap { $0 }.min()
    }
}

extension RunSummary {
    /// Adds another pass's counts (a stream run twice keeps the later pass's counts).
    mutating func add(_ pass: RunSummary) {
        streams.merge(pass.streams) { _, later in later }
        duration += pass.duration
        counters = pass.counters
    }
}
