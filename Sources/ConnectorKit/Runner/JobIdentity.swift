/// Which job is running, as sinks see it: a sink that owns a place records ``id`` there and
/// names ``checkpoint`` and ``source`` when it refuses another job.
public struct JobIdentity: Sendable, Hashable {
    /// A random id made on the job's first run and kept in its checkpoint store; a job whose
    /// checkpoint was deleted gets a new one.
    public var id: String
    /// Where the job's checkpoint lives (a file path or `sqlite:<path>`).
    public var checkpoint: String
    /// What the job reads, for messages (`ada-v2 acme.ada.support`).
    public var source: String
    /// The vendor instance it reads, whatever the API version (`acme.ada.support`,
    /// `api.converseapps.com bot acme`), when the source names one: two jobs of one instance
    /// export the same records, which SQL sinks' model views count once.
    public var instance: String?
    /// Whether this run starts its streams over (`run --full-refresh`): a sink may then take
    /// over a place whose owner was this job's deleted checkpoint.
    public var fullRefresh: Bool

    /// Creates an identity.
    ///
    /// - Parameters:
    ///   - id: The job's id.
    ///   - checkpoint: Where its checkpoint lives.
    ///   - source: What it reads.
    ///   - fullRefresh: Whether the run starts its streams over.
    ///   - instance: The vendor instance it reads.
    public init(id: String, checkpoint: String, source: String, fullRefresh: Bool = false, instance: String? = nil) {
        self.id = id
        self.checkpoint = checkpoint
        self.source = source
        self.fullRefresh = fullRefresh
        self.instance = instance
    }
}
