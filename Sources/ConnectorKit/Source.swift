/// A vendor connector: it exposes named streams and reads each one as a sequence of batches.
///
/// ## Implementation requirements
/// - ``read(_:emit:)`` starts from ``ReadRequest/checkpoint`` (or the configured start when nil)
///   and calls `emit` once per batch, **in order**, awaiting each call before the next. A batch's
///   checkpoint must be valid once that batch and all batches before it are durable: resuming from
///   it must lose nothing. Re-sending records near the checkpoint is allowed (sinks tolerate it);
///   skipping any is not.
/// - `emit` may throw (a sink failed, the job was cancelled): stop and rethrow.
/// - Honour cancellation: check `Task.isCancelled` between requests.
/// - Errors a person must act on are ``ChatExportError`` values with a code; never put a secret
///   in an error or a log line.
/// - A source may fetch concurrently inside `read`, but must emit serially and only a
///   checkpoint covering a contiguous prefix of finished work.
public protocol Source: Sendable {
    /// The streams this source will read, as selected by its configuration.
    var streams: [StreamDescriptor] { get }

    /// Verifies credentials and reachability with as few requests as possible.
    ///
    /// - Parameter logger: Where to log.
    /// - Returns: One line per thing checked.
    /// - Throws: ``ChatExportError`` (``ChatExportError/Code/credentialsRejected`` for 401/403).
    func check(logger: ExportLogger) async throws -> [CheckResult]

    /// Verifies credentials and reachability under a check's ``RunContext`` (every request tried
    /// once): what `chat-export check` and the Airbyte source's `check` call.
    ///
    /// A source that sends its requests through a ``VendorHTTPClient`` binds it to
    /// ``CheckRequest/context``; by default this is ``check(logger:)``.
    ///
    /// - Parameter request: The logger and the check's context.
    /// - Returns: One line per thing checked.
    /// - Throws: ``ChatExportError`` (``ChatExportError/Code/credentialsRejected`` for 401/403).
    func check(_ request: CheckRequest) async throws -> [CheckResult]

    /// Counters for the run summary (requests, retries, throttles), if the source keeps any.
    var counters: [(name: String, value: Int)] { get }

    /// What a stored state of `stream` describes: the source type, the vendor instance (host of
    /// the base URL), the bot and the cursor mode. The runner stamps it on every stored state and
    /// refuses to resume a stream from a state whose identity differs, so it must change whenever
    /// a stored position would mean something else, and only then.
    ///
    /// - Parameter stream: One of ``streams``.
    /// - Returns: The identity.
    func identity(of stream: StreamDescriptor) -> StreamIdentity

    /// Reads one stream from a checkpoint, handing each batch to `emit`.
    ///
    /// - Parameters:
    ///   - request: The stream, the checkpoint to start from, and a logger.
    ///   - emit: Receives each batch; returns once the batch is written (not necessarily durable).
    /// - Throws: ``ChatExportError``, `CancellationError`, or what `emit` throws.
    func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws

    /// The checkpoint of a stream read up to `position` and nothing after it, for
    /// `chat-export state set` (a manual repair): the next run reads from `position` on.
    ///
    /// - Parameters:
    ///   - position: Every record before this time counts as read.
    ///   - stream: The stream.
    /// - Returns: The checkpoint.
    /// - Throws: ``ChatExportError`` when the source has no time position to set.
    func checkpoint(position: Timestamp, for stream: StreamDescriptor) throws -> Checkpoint

    /// How far a stored checkpoint of `stream` has read, for `state show`, `state set` and the
    /// service's `complete through` metric: the checkpoint's format is the source's own, so only
    /// the source can say.
    ///
    /// - Parameters:
    ///   - checkpoint: A checkpoint this source emitted for `stream`.
    ///   - stream: The stream.
    /// - Returns: The progress, or nil when the source keeps no time position (the default) or
    ///   the checkpoint is not one of its own.
    func progress(of checkpoint: Checkpoint, for stream: StreamDescriptor) -> StreamProgress?
}

extension Source {
    /// By default a source keeps no counters.
    public var counters: [(name: String, value: Int)] { [] }

    /// By default: the source's Swift type name, the stream and its cursor field.
    ///
    /// - Parameter stream: The stream.
    /// - Returns: An identity without instance or bot; override it for a source that has them.
    public func identity(of stream: StreamDescriptor) -> StreamIdentity {
        StreamIdentity(source: String(describing: Self.self), stream: stream.name, cursor: stream.cursorField)
    }

    /// By default a source has no position that can be set by hand.
    ///
    /// - Parameters:
    ///   - position: Unused.
    ///   - stream: The stream.
    /// - Returns: Never.
    /// - Throws: ``ChatExportError`` saying so.
    public func checkpoint(position: Timestamp, for stream: StreamDescriptor) throws -> Checkpoint {
        throw ChatExportError(.failure, "\(stream.name): this source has no time position to set")
    }

    /// By default a source has nothing to check.
    ///
    /// - Parameter logger: Unused.
    /// - Returns: An empty list.
    public func check(logger: ExportLogger) async throws -> [CheckResult] { [] }

    /// By default the check of ``check(logger:)``, without the context.
    ///
    /// - Parameter request: The logger and the check's context.
    /// - Returns: What ``check(logger:)`` returns.
    /// - Throws: What ``check(logger:)`` throws.
    public func check(_ request: CheckRequest) async throws -> [CheckResult] { try await check(logger: request.logger) }

    /// By default a source does not say how far a checkpoint has read.
    ///
    /// - Parameters:
    ///   - checkpoint: Unused.
    ///   - stream: Unused.
    /// - Returns: nil.
    public func progress(of checkpoint: Checkpoint, for stream: StreamDescriptor) -> StreamProgress? { nil }
}

/// What the runner asks a source to read.
public struct ReadRequest: Sendable {
    /// The stream.
    public var stream: StreamDescriptor
    /// Where the last run stopped, or nil for a first run.
    public var checkpoint: Checkpoint?
    /// A logger carrying the stream's name.
    public var logger: ExportLogger
    /// The time the run plans with: what is `lag` behind it, how old a stretch is. The real
    /// clock, unless the runner was given another (``JobRunner/now``).
    public var now: Timestamp
    /// Whether a record read again unchanged must be held back: true unless every sink replaces
    /// a record by its id (``SinkReplay/upsertByID``), which absorbs repeats on its own.
    public var suppressRepeats: Bool
    /// Set for a preview (`run --dry-run`, `discover`): only a few records are wanted, soon. nil
    /// for a real run.
    public var preview: Preview?
    /// What the run provides while the stream is read: the job's store, the daily budget, the
    /// progress display and the mode. Hand it to the HTTP client (``VendorHTTPClient/bound(to:)``).
    public var context: RunContext

    /// What a preview wants of a stream.
    ///
    /// A source honours it by asking no more than it will show: pages no larger than
    /// ``records`` (or the vendor's smallest page), the most recent stretch first, and no
    /// late-data re-reads (``WindowedReading`` does the last two). The runner stops the stream once
    /// ``records`` reached the sinks. A preview's batches carry the checkpoint it started from
    /// (or one that covers nothing): a preview never moves a stored position.
    public struct Preview: Sendable, Hashable {
        /// The records wanted.
        public var records: Int

        /// Creates a preview request.
        ///
        /// - Parameter records: The records wanted (at least 1).
        public init(records: Int) { self.records = max(1, records) }

        /// The page size to ask for: `records`, within the vendor's `smallest` and the configured size.
        ///
        /// - Parameters:
        ///   - configured: The configured page size.
        ///   - smallest: The smallest page the vendor serves.
        /// - Returns: The page size.
        public func pageSize(configured: Int, smallest: Int = 1) -> Int { min(configured, max(smallest, records)) }
    }

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - checkpoint: The checkpoint to resume from.
    ///   - logger: A logger.
    ///   - now: The time to plan with.
    ///   - suppressRepeats: Whether records read again unchanged are held back.
    ///   - preview: Set for a preview.
    ///   - context: What the run provides (nothing stored, by default).
    public init(
        stream: StreamDescriptor, checkpoint: Checkpoint?, logger: ExportLogger, now: Timestamp = .now, suppressRepeats: Bool = true,
        preview: Preview? = nil, context: RunContext = RunContext()
    ) {
        self.context = context
        self.stream = stream
        self.checkpoint = checkpoint
        self.logger = logger
        self.now = now
        self.suppressRepeats = suppressRepeats
        self.preview = preview
    }
}

/// The outcome of one check made by ``Source/check(logger:)``.
public struct CheckResult: Sendable, Hashable {
    /// What was checked (for example `messages endpoint`).
    public var subject: String
    /// What was found (for example `token accepted`).
    public var detail: String

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - subject: What was checked.
    ///   - detail: What was found.
    public init(subject: String, detail: String) {
        self.subject = subject
        self.detail = detail
    }
}
