/// What `chat-export forget` asks a sink to remove: per stream, the records of the forgotten end
/// users, recognised by their end-user fields, their id (a forgotten conversation) or their
/// parent (a message of one).
public struct ForgetRequest: Sendable {
    /// One stream's records to remove.
    public struct Stream: Sendable {
        /// The stream.
        public var descriptor: StreamDescriptor
        /// Each end-user field of the stream (``StreamDescriptor/endUserPaths``) and the values a
        /// forgotten end user has there, as the sinks store them (after the job's transforms: a
        /// pseudonymized field holds the pseudonym).
        public var endUsers: [EndUserField]
        /// Records to remove by id (a forgotten end user's conversations).
        public var ids: Set<String>
        /// Records to remove by parent id (the messages of those conversations).
        public var parents: Set<String>
        /// What this sink stored as its position in the stream (``Sink/commit(_:)``), if anything:
        /// a sink that stages records publishes what the checkpoint covers before it rewrites.
        public var sinkState: JSONValue?

        /// Creates a stream's request.
        ///
        /// - Parameters:
        ///   - descriptor: The stream.
        ///   - endUsers: The end-user fields and values.
        ///   - ids: Records to remove by id.
        ///   - parents: Records to remove by parent id.
        ///   - sinkState: The sink's stored position.
        public init(
            descriptor: StreamDescriptor, endUsers: [EndUserField], ids: Set<String> = [], parents: Set<String> = [],
            sinkState: JSONValue? = nil
        ) {
            self.descriptor = descriptor
            self.endUsers = endUsers
            self.ids = ids
            self.parents = parents
            self.sinkState = sinkState
        }

        /// Whether nothing can match.
        public var isEmpty: Bool { ids.isEmpty && parents.isEmpty && endUsers.allSatisfy(\.values.isEmpty) }

        /// Whether the record `json` (the stream's record as stored) is to be removed.
        ///
        /// - Parameter json: The record's JSON.
        /// - Returns: True when its id, parent or an end-user field matches.
        /// - Throws: ``JSONSyntaxError`` when it is not valid JSON.
        public func matches(_ json: ArraySlice<UInt8>) throws -> Bool {
            if !ids.isEmpty, try RecordFields.values(at: descriptor.idPath, in: json).contains(where: ids.contains) { return true }
            if !parents.isEmpty, let parent = descriptor.parentField {
                let path = parent.split(separator: ".").map(String.init)
                if try RecordFields.values(at: path, in: json).contains(where: parents.contains) { return true }
            }
            for field in endUsers where !field.values.isEmpty {
                if try RecordFields.values(at: field.path, in: json).contains(where: field.values.contains) { return true }
            }
            return false
        }
    }

    /// An end-user field and the values to remove.
    public struct EndUserField: Sendable, Hashable {
        /// Keys from the record's root.
        public var path: [String]
        /// The values, as stored.
        public var values: Set<String>

        /// Creates a field.
        ///
        /// - Parameters:
        ///   - path: Keys from the record's root.
        ///   - values: The values.
        public init(path: [String], values: Set<String>) {
            self.path = path
            self.values = values
        }
    }

    /// The job the sink belongs to (a files directory checks its owner).
    public var job: JobIdentity
    /// The streams, children (messages) before their parents (conversations): a forget that
    /// stops half way leaves every conversation it has not removed to be found again.
    public var streams: [Stream]
    /// Called after each durable step (a transaction committed, a part replaced), with what it was.
    public var stepCompleted: @Sendable (String) -> Void

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - job: The job.
    ///   - streams: The streams, children first.
    ///   - stepCompleted: Told of each durable step.
    public init(job: JobIdentity, streams: [Stream], stepCompleted: @escaping @Sendable (String) -> Void = { _ in }) {
        self.job = job
        self.streams = streams
        self.stepCompleted = stepCompleted
    }
}

/// A sink that can remove a forgotten end user's records (`chat-export forget`).
///
/// ## Implementation requirements
/// - Remove exactly the records a ``ForgetRequest/Stream`` matches, in every place the sink keeps
///   copies (a files sink's parts set aside by a full refresh included), and change nothing else.
/// - Be atomic per unit of storage (one transaction per database; a part replaced by a rename or
///   a single upload), remove children before parents, and be safe to repeat: a forget killed at
///   any instant and run again finishes the job.
/// - Hold the same locks a run holds, so no run writes meanwhile.
public protocol ForgettingSink: Sink {
    /// The ids of the records of `stream` whose end-user fields hold one of its values: how a
    /// person's conversations are found.
    ///
    /// - Parameters:
    ///   - stream: The stream and the values.
    ///   - job: The job.
    /// - Returns: The ids.
    /// - Throws: ``ChatExportError`` when the storage cannot be read.
    func ids(matching stream: ForgetRequest.Stream, for job: JobIdentity) async throws -> Set<String>

    /// Removes every record the request matches.
    ///
    /// - Parameter request: What to remove.
    /// - Returns: How many records were removed, by stream (copies set aside counted too).
    /// - Throws: ``ChatExportError``; what was committed before stays removed.
    func forget(_ request: ForgetRequest) async throws -> [String: Int]
}
