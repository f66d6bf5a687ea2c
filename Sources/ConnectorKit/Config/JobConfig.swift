/// A job: one source, one or more sinks and a checkpoint location, built from a JSON config.
public struct JobConfig: Sendable {
    /// The source as the job reads it: the configured source wrapped in a ``TransformedSource``
    /// (forgotten end users held back, then ``transforms`` applied).
    public var source: any Source
    /// The source's options (for `type`, messages and `spec`).
    public var sourceOptions: ComponentOptions
    /// The sinks, in config order.
    public var sinks: [any Sink]
    /// The sinks' options, in config order.
    public var sinkOptions: [ComponentOptions]
    /// The checkpoint file's path (resolved).
    public var checkpointPath: String
    /// Whether the config names the checkpoint explicitly (otherwise a sink that can keep the
    /// checkpoint, like SQLite, keeps it).
    public var checkpointIsExplicit: Bool

    /// The sink that keeps the checkpoint: the first ``CheckpointingSink`` when the config names
    /// no checkpoint file, else nil.
    public var checkpointingSink: (any CheckpointingSink)? {
        checkpointIsExplicit ? nil : sinks.lazy.compactMap { $0 as? any CheckpointingSink }.first
    }

    /// Opens (and locks) the job's checkpoint store: in the checkpointing sink, or the file; or,
    /// for a run under a fleet's lease (``JobLease``), the sink's store checked against the lease.
    ///
    /// - Parameters:
    ///   - corrupt: What to do with a checkpoint file that cannot be read (`state reset` sets it aside).
    ///   - lease: The fleet lease the run holds, if any.
    ///   - logger: Where setting a corrupt file aside is reported.
    /// - Returns: The store.
    /// - Throws: ``ChatExportError`` (locked: exit 75; under a lease, `invalidConfig` when the
    ///   checkpoint is not in a sink a fleet can share, see ``fleetProblem``).
    public func openCheckpointStore(
        ifCorrupt corrupt: FileCheckpointStore.CorruptFile = .fail, under lease: (any JobLease)? = nil, logger: ExportLogger = .disabled
    ) async throws -> any CheckpointStore {
        if let lease {
            guard let sink = checkpointingSink, sink.sharesCheckpoint else {
                throw ChatExportError(.invalidConfig, fleetProblem ?? "the checkpoint cannot be shared by a fleet")
            }
            return try await sink.checkpointStore(under: lease)
        }
        if let sink = checkpointingSink { return try await sink.checkpointStore() }
        return try FileCheckpointStore(path: checkpointPath, ifCorrupt: corrupt, logger: logger)
    }

    /// Why a fleet of workers on several machines cannot share this job (its checkpoint would
    /// not be the same for all of them), or nil.
    public var fleetProblem: String? {
        if let sink = checkpointingSink, sink.sharesCheckpoint { return nil }
        return "its checkpoint is kept in \(checkpointLocation), which workers on other machines cannot see; "
            + "give the job a postgres sink (and no \"checkpoint\" file) to run it in a fleet"
    }

    /// The vendor instance the job reads (`acme.ada.support`, or host/bot where the API names
    /// bots): jobs of one instance share its rate limits, and a fleet's lease covers all of them.
    public var vendorInstance: String {
        guard let stream = source.streams.first else { return sourceOptions.type }
        let identity = source.identity(of: stream)
        return (identity.instance ?? identity.source) + (identity.bot.map { "/" + $0 } ?? "")
    }

    /// Where the checkpoint lives, for messages.
    public var checkpointLocation: String {
        if let sink = checkpointingSink { return sink.identity }
        return checkpointPath
    }
    /// The config file's path, when loaded from a file.
    public var file: String?
    /// The job's transforms, in order (`"transforms": […]`), already applied by ``source``.
    public var transforms: [any RecordTransform] = []
    /// How often `chat-export serve` runs the job (`"schedule": {"every": "15m"}`).
    public var scheduleEvery: Duration = JobConfig.defaultScheduleEvery
    /// When `chat-export serve` runs the job, as a cron expression in UTC
    /// (`"schedule": {"cron": "*/15 * * * *"}`); nil for ``scheduleEvery``.
    public var scheduleCron: CronSchedule?
    /// The job's schedule: ``scheduleCron`` when set, else every ``scheduleEvery``.
    public var schedule: JobSchedule { scheduleCron.map(JobSchedule.cron) ?? .every(scheduleEvery) }
    /// The schedule of a job that names none: hourly.
    public static let defaultScheduleEvery: Duration = .seconds(3600)
}
