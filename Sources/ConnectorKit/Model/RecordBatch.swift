/// A group of records of one stream, typically one vendor page, and the checkpoint it earns.
///
/// ``checkpoint`` is valid once this batch **and every batch the source emitted before it** for
/// the stream are durably written by every sink: the runner stores it only then.
public struct RecordBatch: Sendable {
    /// The stream all ``records`` belong to.
    public var stream: String
    /// The records, in the order the vendor sent them. May be empty (a checkpoint-only batch).
    public var records: [Record]
    /// Where to resume once this batch and all before it are durable.
    public var checkpoint: Checkpoint
    /// How far through the stream's planned range the source is, 0...1, when it knows.
    public var progress: Double?
    /// The record time up to which the stream's range is read without a gap, when the source knows:
    /// shown as progress instead of a percentage, which would count time, not records.
    public var through: Timestamp?
    /// The number of vendor pages this batch stands for (for progress and summaries).
    public var pages: Int
    /// The number of bytes of record JSON in the batch.
    public var byteCount: Int

    /// Creates a batch.
    ///
    /// - Parameters:
    ///   - stream: The stream name.
    ///   - records: The records.
    ///   - checkpoint: The checkpoint valid once this batch is durable.
    ///   - progress: The fraction of the stream's range done, if known.
    ///   - pages: How many vendor pages the batch covers.
    public init(stream: String, records: [Record], checkpoint: Checkpoint, progress: Double? = nil, pages: Int = 1) {
        self.stream = stream
        self.records = records
        self.checkpoint = checkpoint
        self.progress = progress
        self.pages = pages
        self.byteCount = records.reduce(0) { $0 + $1.json.count }
    }
}
