import Foundation

/// A source's position in one stream: connector-defined state, kept as a small JSON value.
///
/// The runtime stores it verbatim (human-readable) and hands it back to the source on the next
/// run. Connectors usually keep a `Codable` struct and convert with ``init(encoding:)`` and
/// ``decode(_:)``.
public struct Checkpoint: Sendable, Hashable {
    /// The connector's state.
    public var state: JSONValue

    /// Creates a checkpoint from a JSON state.
    ///
    /// - Parameter state: The connector's state.
    public init(_ state: JSONValue) { self.state = state }

    /// Creates a checkpoint from a `Codable` value.
    ///
    /// - Parameter value: The connector's state.
    /// - Throws: An encoding error.
    public init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.state = try JSONValue.parse(try encoder.encode(value))
    }

    /// Decodes the state into a `Codable` value.
    ///
    /// - Parameter type: The type to decode.
    /// - Returns: The decoded value.
    /// - Throws: A decoding error when the stored state does not fit `type`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(state.jsonText.utf8))
    }
}

/// What the checkpoint store keeps for one stream of a job.
public struct StreamState: Sendable, Hashable {
    /// The source's position.
    public var checkpoint: Checkpoint
    /// Each sink's position, keyed by ``Sink/identity``, for sinks that place data positionally.
    public var sinkStates: [String: JSONValue]
    /// How many batches have been committed for this stream, over all runs.
    public var sequence: Int
    /// How many records have been committed for this stream, over all runs.
    public var records: Int
    /// When the state was last committed.
    public var updatedAt: Timestamp
    /// What the state describes (source, instance, bot, stream, cursor mode); nil in states
    /// stored before identities were recorded. The runner stamps it and checks it.
    public var identity: StreamIdentity?

    /// Creates a stream state.
    ///
    /// - Parameters:
    ///   - checkpoint: The source's position.
    ///   - sinkStates: Each sink's position.
    ///   - sequence: Committed batches.
    ///   - records: Committed records.
    ///   - updatedAt: The commit time.
    ///   - identity: What the state describes.
    public init(
        checkpoint: Checkpoint,
        sinkStates: [String: JSONValue] = [:],
        sequence: Int = 0,
        records: Int = 0,
        updatedAt: Timestamp = .now,
        identity: StreamIdentity? = nil
    ) {
        self.checkpoint = checkpoint
        self.sinkStates = sinkStates
        self.sequence = sequence
        self.records = records
        self.updatedAt = updatedAt
        self.identity = identity
    }
}
