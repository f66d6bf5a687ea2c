public import ConnectorKit

/// `chat-export forget`: removes end users' conversations and messages from every sink of a job,
/// and keeps them out of later runs.
///
/// In this order, each step durable before the next:
/// 1. the end users go into the job's ``SuppressionList`` (later runs and full refreshes hold
///    their records back), with a marker that a forget is under way;
/// 2. their conversations are found in every sink, by the streams' end-user fields as the sinks
///    store them (a pseudonymized field is matched by its pseudonym), and added to the list;
/// 3. each sink removes their messages, then their conversations (``ForgettingSink``);
/// 4. an audit entry (when, how many end users, how many records per sink and stream: no
///    personal data) is stored and the marker removed.
///
/// Killed at any instant, a forget run again with the same end users finishes the job: the list
/// is already stored, every sink's removal is atomic per transaction or part and safe to repeat,
/// and a conversation is removed only after its messages, so it is found again until then.
public struct ForgetJob: Sendable {
    /// The job value holding the audit entries (the last ``auditLimit``).
    public static let auditKey = "forget_audit"
    /// The job value marking a forget under way.
    public static let pendingKey = SuppressionList.forgetPendingKey
    /// The most audit entries kept.
    public static let auditLimit = 1000

    /// The job.
    public var job: JobConfig
    /// Its checkpoint store, opened (and locked) by the caller.
    public var checkpoints: any CheckpointStore
    /// The end users: values of the source's end-user fields (`eu-1234`, a chatter id).
    public var endUsers: [String]
    /// Where progress and warnings go.
    public var logger: ExportLogger
    /// Told of each durable step (a list stored, a transaction committed, a part replaced).
    public var stepCompleted: @Sendable (String) -> Void = { _ in }

    /// Creates a forget.
    ///
    /// - Parameters:
    ///   - job: The job.
    ///   - checkpoints: Its checkpoint store, opened.
    ///   - endUsers: The end users.
    ///   - logger: Where progress goes.
    public init(job: JobConfig, checkpoints: any CheckpointStore, endUsers: [String], logger: ExportLogger) {
        self.job = job
        self.checkpoints = checkpoints
        self.endUsers = endUsers
        self.logger = logger
    }

    /// What a forget did, without personal data.
    public struct Audit: Sendable {
        /// When it finished.
        public var at: Timestamp
        /// How many end users were asked for.
        public var endUsers: Int
        /// How many of their conversations were found.
        public var conversations: Int
        /// Records removed, by sink identity and stream.
        public var removed: [(sink: String, streams: [String: Int])]
        /// How many end-user values and conversations the suppression list holds now.
        public var suppressed: (endUsers: Int, conversations: Int)

        /// The stored form.
        public var json: JSONValue {
            .object([
                ("at", .string(at.iso8601())), ("end_users", .integer(endUsers)), ("conversations", .integer(conversations)),
                (
                    "sinks",
                    .object(
                        removed.map { entry in
                            (entry.sink, .object(entry.streams.keys.sorted().map { ($0, .integer(entry.streams[$0] ?? 0)) }))
                        })
                ),
                (
                    "suppressed",
                    .object([("end_users", .integer(suppressed.endUsers)), ("conversations", .integer(suppressed.conversations))])
                ),
            ])
        }
    }

    /// Runs the forget.
    ///
    /// - Returns: The audit entry, also stored in the job's state.
    /// - Throws: ``ChatExportError``: `invalidConfig` when the job cannot find end users (no
    ///   end-user field, or transforms that hide every one) or has a sink that cannot forget,
    ///   before anything changes; a storage failure part way (run it again to finish).
    public func run() async throws -> Audit {
        let streams = job.source.streams
        let plan = try fields(of: streams)
        let forgetting = try job.sinks.map { sink -> (any ForgettingSink)? in
            if let sink = sink as? any ForgettingSink { return sink }
            // A sink that keeps nothing (standard output) has nothing to forget.
            guard sink.replay == .atLeastOnce else {
                throw ChatExportError(
                    .invalidConfig,
                    "sink \(sink.identity) cannot remove records: forget would leave the end users' records there; "
                        + "remove their records from it yourself, or take the sink out of the job")
            }
            return nil
        }
        let identity = try await JobRunner.identify(source: job.source, checkpoints: checkpoints, fullRefresh: false)

        // 1. The end users, before any sink changes.
        var list = try await SuppressionList.load(from: checkpoints) ?? SuppressionList()
        for user in endUsers { list.insert(endUser: user) }
        guard list.endUserCount <= SuppressionList.limit else {
            throw ChatExportError(
                .invalidConfig,
                "the job's suppression list would hold \(list.endUserCount) end users, more than \(SuppressionList.limit): "
                    + "give the job a new checkpoint and sinks rather than forget almost everyone")
        }
        try await checkpoints.saveJobValue(
            .object([("started_at", .string(Timestamp.now.iso8601())), ("end_users", .integer(endUsers.count))]), for: Self.pendingKey)
        try await checkpoints.saveJobValue(list.json, for: SuppressionList.jobValueKey)
        stepCompleted("suppression list stored")

        // 2. Their conversations, wherever a sink still holds one (staged parts included).
        let states = try await checkpoints.load().mapValues(JobRunner.canonicalSinkKeys)
        var conversations = Set<String>()
        for stream in streams where stream.parentField == nil {
            for case let sink? in forgetting {
                let request = ForgetRequest.Stream(
                    descriptor: stream, endUsers: plan[stream.name] ?? [],
                    sinkState: states[stream.name]?.sinkStates[JobRunner.canonicalSinkKey(sink.identity)])
                guard !request.isEmpty else { continue }
                conversations.formUnion(try await sink.ids(matching: request, for: identity))
            }
        }
        for id in conversations where list.recordCount < SuppressionList.limit { list.insert(record: id) }
        try await checkpoints.saveJobValue(list.json, for: SuppressionList.jobValueKey)
        stepCompleted("conversations found")
        logger.info("forget: \(endUsers.count) end users, \(conversations.count) conversations found in the sinks")

        // 3. Every sink: messages first, then conversations.
        let ordered = streams.filter { $0.parentField != nil } + streams.filter { $0.parentField == nil }
        var removed: [(sink: String, streams: [String: Int])] = []
        for (sink, forgettingSink) in zip(job.sinks, forgetting) {
            guard let forgettingSink else {
                removed.append((sink.identity, [:]))
                continue
            }
            let key = JobRunner.canonicalSinkKey(sink.identity)
            let request = ForgetRequest(
                job: identity,
                streams: ordered.map { stream in
                    ForgetRequest.Stream(
                        descriptor: stream, endUsers: plan[stream.name] ?? [], ids: stream.parentField == nil ? conversations : [],
                        parents: stream.parentField == nil ? [] : conversations, sinkState: states[stream.name]?.sinkStates[key])
                }.filter { !$0.isEmpty }, stepCompleted: stepCompleted)
            let counts = try await forgettingSink.forget(request)
            removed.append((sink.identity, counts))
            let total = counts.values.reduce(0, +)
            logger.info("forget: \(sink.identity): \(total) records removed")
        }

        // 4. The audit entry; the forget is done.
        let audit = Audit(
            at: .now, endUsers: endUsers.count, conversations: conversations.count, removed: removed,
            suppressed: (list.endUserCount, list.recordCount))
        var entries = try await checkpoints.loadJobValues()[Self.auditKey]?.arrayValue ?? []
        entries.append(audit.json)
        try await checkpoints.saveJobValue(.array(Array(entries.suffix(Self.auditLimit))), for: Self.auditKey)
        try await checkpoints.saveJobValue(nil, for: Self.pendingKey)
        stepCompleted("audit stored")
        return audit
    }

    /// Each stream's end-user fields with the end users' values as the sinks store them: the
    /// value itself, or its pseudonym where the job pseudonymizes the field. A field the
    /// transforms redact or drop cannot be matched (its records are found through their
    /// conversation); a job that can match no field at all is refused.
    func fields(of streams: [StreamDescriptor]) throws -> [String: [ForgetRequest.EndUserField]] {
        guard streams.contains(where: { !$0.endUserPaths.isEmpty }) else {
            throw ChatExportError(
                .invalidConfig,
                "source \(job.sourceOptions.type) declares no field that identifies an end user in its streams "
                    + "(\(streams.map(\.name).joined(separator: ", "))): forget cannot find a person's records")
        }
        var plan: [String: [ForgetRequest.EndUserField]] = [:]
        for stream in streams {
            let applying = job.transforms.filter { $0.applies(to: stream.name) }
            var fields: [ForgetRequest.EndUserField] = []
            for path in stream.endUserPaths {
                var values = Set<String>()
                var hidden = false
                for user in endUsers {
                    let stored = try Self.stored(user, at: path, of: stream, through: applying)
                    // Only a pseudonym identifies like the value does; a redaction marker or nothing does not.
                    let pseudonymized = try Self.stored(user, at: path, of: stream, through: applying.filter { $0.type == "pseudonymize" })
                    if stored == pseudonymized, !stored.isEmpty { values.formUnion(stored) } else { hidden = true }
                }
                if hidden {
                    logger.warning(
                        "forget: \(stream.name).\(path.joined(separator: ".")) is redacted or dropped by the job's transforms: "
                            + "records are not found by it (a message still is, through its conversation)")
                }
                fields.append(ForgetRequest.EndUserField(path: path, values: values))
            }
            plan[stream.name] = fields
        }
        let roots = streams.filter { $0.parentField == nil && !$0.endUserPaths.isEmpty }
        if !roots.isEmpty, roots.allSatisfy({ (plan[$0.name] ?? []).allSatisfy(\.values.isEmpty) }), !endUsers.isEmpty {
            throw ChatExportError(
                .invalidConfig,
                "the job's transforms redact or drop every field that identifies an end user in "
                    + roots.map { "\($0.name) (\($0.endUserPaths.map { $0.joined(separator: ".") }.joined(separator: ", ")))" }
                    .joined(separator: ", ") + ": forget cannot find a person's records; pseudonymize those fields instead")
        }
        return plan
    }

    /// The value(s) a record holding `value` at `path` stores there after `transforms`.
    static func stored(_ value: String, at path: [String], of stream: StreamDescriptor, through transforms: [any RecordTransform]) throws
        -> Set<String>
    {
        guard !transforms.isEmpty else { return [value] }
        var node = JSONValue.string(value)
        for key in path.reversed() { node = .object([(key, node)]) }
        var records = [Record(stream: stream.name, id: "", cursor: nil, json: Array(node.serialized(pretty: false).utf8)[...])]
        for transform in transforms { try transform.apply(to: &records, of: stream) }
        return Set(try RecordFields.values(at: path, in: records[0].json))
    }
}
