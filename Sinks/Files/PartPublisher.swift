public import ConnectorKit

/// Where a finished part goes when it is not renamed into place in the sink's directory: an
/// object store, for example. The files sink keeps staging, positions and exactly-once; a
/// publisher only copies a finished part to its destination, under a name that depends on the
/// part number alone, so publishing the same part again (after a crash) replaces it.
public protocol PartPublisher: Sendable {
    /// Where parts go, for messages and the sink's identity (`s3://bucket/prefix`).
    var location: String { get }

    /// Publishes part `number` of `stream`, written to `file` in `format`.
    ///
    /// - Parameters:
    ///   - file: The part, complete, in its published format.
    ///   - number: The part's number.
    ///   - format: Its format.
    ///   - stream: The stream.
    /// - Throws: ``ChatExportError`` when the destination refuses it.
    func publish(file: String, number: Int, format: FileFormat, stream: String) async throws

    /// Whether part `number` of `stream` was published.
    ///
    /// - Parameters:
    ///   - number: The part's number.
    ///   - format: Its format.
    ///   - stream: The stream.
    /// - Returns: Whether it exists at the destination.
    /// - Throws: ``ChatExportError`` when the destination cannot be asked.
    func isPublished(number: Int, format: FileFormat, stream: String) async throws -> Bool

    /// How many parts of `stream` the destination holds (0, 1 or more), so parts no checkpoint
    /// covers are refused rather than exported again beside.
    ///
    /// - Parameter stream: The stream.
    /// - Returns: The count, up to a small bound.
    /// - Throws: ``ChatExportError`` when the destination cannot be asked.
    func publishedCount(of stream: String) async throws -> Int

    /// Moves the stream's published parts aside (a full refresh).
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - aside: The name of the place they go (`.replaced-<UTC time>`).
    /// - Returns: Where they went, for the log, or nil when there were none.
    /// - Throws: ``ChatExportError`` when they cannot be moved.
    func setAside(_ stream: String, to aside: String) async throws -> String?

    /// The owner record stored at the destination (which job's parts these are), or nil.
    ///
    /// - Returns: Its bytes.
    /// - Throws: ``ChatExportError`` when the destination cannot be asked.
    func owner() async throws -> [UInt8]?

    /// Stores the owner record at the destination.
    ///
    /// - Parameter record: Its bytes.
    /// - Throws: ``ChatExportError`` when the destination refuses it.
    func setOwner(_ record: [UInt8]) async throws

    /// Verifies the destination can be written (`chat-export check`).
    ///
    /// - Returns: What was checked.
    /// - Throws: ``ChatExportError`` naming what is wrong.
    func check() async throws -> [CheckResult]

    /// Every part of `stream` the destination holds: published, and set aside by a full refresh
    /// (`.replaced-*/<stream>/`), for `forget`.
    ///
    /// - Parameter stream: The stream.
    /// - Returns: Each part's key and format.
    /// - Throws: ``ChatExportError`` when the destination cannot be listed.
    func storedParts(of stream: String) async throws -> [StoredPart]

    /// Copies the part at `key` into the local `file`.
    ///
    /// - Parameters:
    ///   - key: The part's key (from ``storedParts(of:)``).
    ///   - file: Where to write it.
    /// - Throws: ``ChatExportError`` when it cannot be fetched.
    func download(_ key: String, to file: String) async throws

    /// Replaces the part at `key` with `file` in one step: a reader sees the old part or the new one.
    ///
    /// - Parameters:
    ///   - key: The part's key.
    ///   - file: The new part.
    ///   - format: Its format.
    /// - Throws: ``ChatExportError`` when the destination refuses it.
    func replace(_ key: String, with file: String, format: FileFormat) async throws
}

/// A part a ``PartPublisher``'s destination holds.
public struct StoredPart: Sendable, Hashable {
    /// Where it is (an object key).
    public var key: String
    /// Its format.
    public var format: FileFormat

    /// Creates a part.
    ///
    /// - Parameters:
    ///   - key: Where it is.
    ///   - format: Its format.
    public init(key: String, format: FileFormat) {
        self.key = key
        self.format = format
    }
}

extension PartPublisher {
    /// By default a destination cannot list its parts: `forget` refuses it.
    ///
    /// - Parameter stream: The stream.
    /// - Returns: Never.
    /// - Throws: ``ChatExportError`` saying so.
    public func storedParts(of stream: String) async throws -> [StoredPart] {
        throw ChatExportError(.invalidConfig, "\(location) cannot list its parts: forget cannot remove records there")
    }

    /// By default nothing can be fetched.
    ///
    /// - Parameters:
    ///   - key: Unused.
    ///   - file: Unused.
    /// - Throws: ``ChatExportError`` saying so.
    public func download(_ key: String, to file: String) async throws {
        throw ChatExportError(.invalidConfig, "\(location) cannot fetch its parts: forget cannot remove records there")
    }

    /// By default nothing can be replaced.
    ///
    /// - Parameters:
    ///   - key: Unused.
    ///   - file: Unused.
    ///   - format: Unused.
    /// - Throws: ``ChatExportError`` saying so.
    public func replace(_ key: String, with file: String, format: FileFormat) async throws {
        throw ChatExportError(.invalidConfig, "\(location) cannot replace its parts: forget cannot remove records there")
    }
}
