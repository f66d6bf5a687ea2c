public import ConnectorKit

/// What a run did, per stream.
public struct RunSummary: Sendable {
    /// Counters for one stream.
    public struct StreamSummary: Sendable, Hashable {
        /// Records written in this run.
        public var records = 0
        /// Batches committed in this run.
        public var batches = 0
        /// Vendor pages read in this run.
        public var pages = 0
        /// Bytes of record JSON written in this run.
        public var bytes = 0
        /// Whether the stream read to its end.
        public var completed = false

        /// Creates counters.
        public init(records: Int = 0, batches: Int = 0, pages: Int = 0, bytes: Int = 0, completed: Bool = false) {
            self.records = records
            self.batches = batches
            self.pages = pages
            self.bytes = bytes
            self.completed = completed
        }
    }

    /// Per-stream counters.
    public var streams: [String: StreamSummary] = [:]
    /// How long the run took, by the wall clock.
    public var duration: Duration = .zero
    /// The source's counters (HTTP requests, retries, throttles, …).
    public var counters: [(name: String, value: Int)] = []
    /// The record time every stream of the run is complete through, when its source says
    /// (``Source/progress(of:for:)``; set by a ``JobSession`` on the job's own store).
    public var completeThrough: Timestamp?

    /// Creates an empty summary.
    public init() {}

    /// Records over all streams.
    public var totalRecords: Int { streams.values.reduce(0) { $0 + $1.records } }
}
