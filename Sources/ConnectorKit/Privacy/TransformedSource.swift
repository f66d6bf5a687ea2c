import Foundation

/// The source as a job sees it: the configured source, with the records of forgotten end users
/// held back (``SuppressionList``) and then the job's transforms applied, in order, to every batch
/// before any sink, the Singer tap or the Airbyte source gets it.
///
/// The job config loader wraps every source in one, so whatever runs a job (`run`, `serve`, a
/// dry run, the protocol executables) goes through it. Its identity of a stream carries the
/// transforms that change it (``StreamIdentity/transforms``), so a checkpoint made under other
/// transforms is refused like one made for another source. Records are filtered before they are
/// transformed, on the values the vendor sent; a source that remembers what it delivered
/// (``DeliveredRecords``) digests the vendor's bytes, before either.
public struct TransformedSource: Source {
    /// The configured source.
    public let base: any Source
    /// The job's transforms, in order.
    public let transforms: [any RecordTransform]
    private let suppression = SuppressionCache()

    /// Wraps a source.
    ///
    /// - Parameters:
    ///   - base: The configured source.
    ///   - transforms: The job's transforms, in order.
    public init(base: any Source, transforms: [any RecordTransform]) {
        self.base = base
        self.transforms = transforms
    }

    /// The configured source's streams.
    public var streams: [StreamDescriptor] { base.streams }

    /// The configured source's counters.
    public var counters: [(name: String, value: Int)] { base.counters }

    /// The configured source's check.
    ///
    /// - Parameter logger: Where to log.
    /// - Returns: What was checked.
    /// - Throws: What the source throws.
    public func check(logger: ExportLogger) async throws -> [CheckResult] { try await base.check(logger: logger) }

    /// The configured source's check, under the check's context.
    ///
    /// - Parameter request: The logger and the check's context.
    /// - Returns: What was checked.
    /// - Throws: What the source throws.
    public func check(_ request: CheckRequest) async throws -> [CheckResult] { try await base.check(request) }

    /// The configured source's identity, with the transforms that change the stream.
    ///
    /// - Parameter stream: One of ``streams``.
    /// - Returns: The identity.
    public func identity(of stream: StreamDescriptor) -> StreamIdentity {
        var identity = base.identity(of: stream)
        identity.transforms = RecordTransforms.stamp(transforms, for: stream.name)
        return identity
    }

    /// The configured source's checkpoint at `position`.
    ///
    /// - Parameters:
    ///   - position: Every record before it counts as read.
    ///   - stream: The stream.
    /// - Returns: The checkpoint.
    /// - Throws: What the source throws.
    public func checkpoint(position: Timestamp, for stream: StreamDescriptor) throws -> Checkpoint {
        try base.checkpoint(position: position, for: stream)
    }

    /// How far the configured source says a checkpoint has read.
    ///
    /// - Parameters:
    ///   - checkpoint: A checkpoint of `stream`.
    ///   - stream: The stream.
    /// - Returns: What the configured source returns.
    public func progress(of checkpoint: Checkpoint, for stream: StreamDescriptor) -> StreamProgress? {
        base.progress(of: checkpoint, for: stream)
    }

    /// Reads the stream from the configured source, holding back forgotten end users' records and
    /// transforming the rest.
    ///
    /// - Parameters:
    ///   - request: What to read.
    ///   - emit: Receives each batch.
    /// - Throws: What the source, a transform or the job's store throws.
    public func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        let stream = request.stream
        let applying = transforms.filter { $0.applies(to: stream.name) }
        let store = request.context.checkpoints
        let values = try await store?.loadJobValues() ?? [:]
        if values[SuppressionList.forgetPendingKey] != nil {
            request.logger.warning(
                "a `chat-export forget` of this job did not finish: the end users it was given are held back, but the sinks may still "
                    + "hold some of their records; run it again with the same end users to finish it")
        }
        suppression.merge(try values[SuppressionList.jobValueKey].map(SuppressionList.init(json:)))
        guard !applying.isEmpty || suppression.current != nil else { return try await base.read(request, emit: emit) }
        let suppression = self.suppression
        try await base.read(request) { batch in
            var batch = batch
            if let list = suppression.current, !list.isEmpty, !batch.records.isEmpty {
                var forgotten: [String] = []
                var kept: [Record] = []
                kept.reserveCapacity(batch.records.count)
                for record in batch.records {
                    let held: Bool
                    do {
                        held = try list.suppresses(record, of: stream)
                    } catch {
                        throw ChatExportError(.invalidResponse, "\(stream.name) record \(record.id) is not valid JSON: \(error)")
                    }
                    guard held else {
                        kept.append(record)
                        continue
                    }
                    if stream.parentField == nil { forgotten.append(record.id) }
                }
                if kept.count < batch.records.count {
                    request.logger.debug("held back \(batch.records.count - kept.count) records of forgotten end users")
                    batch.records = kept
                }
                // A conversation held back by its end user: its messages are held back too, now and
                // in later runs (stored before this batch's checkpoint).
                if let grown = suppression.add(records: forgotten) {
                    try await store?.saveJobValue(grown.json, for: SuppressionList.jobValueKey)
                }
            }
            for transform in applying { try transform.apply(to: &batch.records, of: stream) }
            if !applying.isEmpty { batch.byteCount = batch.records.reduce(0) { $0 + $1.json.count } }
            try await emit(batch)
        }
    }
}

/// The suppression list of the running job, shared by its streams: a conversation one stream
/// holds back is seen by the stream of its messages.
final class SuppressionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var list: SuppressionList?

    /// The list as it stands, or nil when the job forgot nobody.
    var current: SuppressionList? { lock.withLock { list } }

    /// Adds what `stored` holds (the job's state is the truth; this only adds to it).
    func merge(_ stored: SuppressionList?) {
        guard let stored else { return }
        lock.withLock {
            // The stored list wins over one under another key (its state was replaced).
            if list?.formUnion(stored) != true { list = stored }
        }
    }

    /// Adds record ids; returns the grown list when one was new.
    func add(records ids: [String]) -> SuppressionList? {
        guard !ids.isEmpty else { return nil }
        return lock.withLock {
            guard var grown = list else { return nil }
            var changed = false
            // Past the limit a conversation is held back by its end user only (its messages by theirs).
            for id in ids where grown.recordCount < SuppressionList.limit && grown.insert(record: id) { changed = true }
            guard changed else { return nil }
            list = grown
            return grown
        }
    }
}
