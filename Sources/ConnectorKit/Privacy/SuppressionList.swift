import Foundation

/// The end users a job forgot (`chat-export forget`), kept in the job's state so that later runs
/// and full refreshes hold back their records while the vendor still serves them.
///
/// It keeps no identifier in clear: each end-user value and each record id is a 64-bit SipHash
/// digest under a random key of the job's own. A record is held back when one of its stream's
/// end-user fields (``StreamDescriptor/endUserPaths``) holds a forgotten value, when its id is a
/// forgotten conversation's, or when its parent is one. A held-back record of a stream without a
/// parent (a conversation) adds its id, so its messages are held back too, in this run and later.
///
/// Stored as the job value `suppressed`: `{"key": hex, "end_users": base64, "records": base64}`,
/// each digest list sorted and packed little-endian, 8 bytes an entry.
public struct SuppressionList: Sendable, Equatable {
    /// The job value it is stored under.
    public static let jobValueKey = "suppressed"
    /// The job value a `chat-export forget` sets while it runs, and clears when every sink has
    /// forgotten: while it is set, a run warns that the sinks may still hold some records.
    public static let forgetPendingKey = "forget_pending"
    /// The most end-user values, and the most conversations, it holds (8 MB of digests each).
    public static let limit = 1_000_000

    private var hasher: SipHash
    private var endUsers: Set<UInt64> = []
    private var records: Set<UInt64> = []

    /// An empty list with a random key.
    public init() { hasher = .random() }

    /// How many end-user values it holds.
    public var endUserCount: Int { endUsers.count }
    /// How many record ids it holds.
    public var recordCount: Int { records.count }
    /// Whether it holds nothing.
    public var isEmpty: Bool { endUsers.isEmpty && records.isEmpty }

    /// Adds an end-user value.
    ///
    /// - Parameter value: A value of an end-user field (`eu-1234`).
    /// - Returns: False when it was there.
    @discardableResult
    public mutating func insert(endUser value: String) -> Bool { endUsers.insert(hasher.hash(Array(value.utf8))).inserted }

    /// Adds a record id (a forgotten conversation).
    ///
    /// - Parameter id: The record's id.
    /// - Returns: False when it was there.
    @discardableResult
    public mutating func insert(record id: String) -> Bool { records.insert(hasher.hash(Array(id.utf8))).inserted }

    /// Whether the end-user value is forgotten.
    ///
    /// - Parameter value: A value of an end-user field.
    /// - Returns: True when it is.
    public func contains(endUser value: String) -> Bool { endUsers.contains(hasher.hash(Array(value.utf8))) }

    /// Whether the record id is a forgotten conversation's.
    ///
    /// - Parameter id: A record id.
    /// - Returns: True when it is.
    public func contains(record id: String) -> Bool { records.contains(hasher.hash(Array(id.utf8))) }

    /// Whether `record` of `stream` belongs to a forgotten end user.
    ///
    /// - Parameters:
    ///   - record: The record, as the source read it.
    ///   - stream: Its stream.
    /// - Returns: True when it must be held back.
    /// - Throws: ``JSONSyntaxError`` when the record is not valid JSON.
    public func suppresses(_ record: Record, of stream: StreamDescriptor) throws -> Bool {
        if !records.isEmpty {
            if contains(record: record.id) { return true }
            if let parent = record.parentID, contains(record: parent) { return true }
        }
        guard !endUsers.isEmpty, !stream.endUserPaths.isEmpty else { return false }
        return try RecordFields.values(at: stream.endUserPaths, in: record.json).contains { contains(endUser: $0) }
    }

    /// Adds everything in `other`, when it is kept under the same key (a list under another key
    /// cannot be merged and leaves this one as it is).
    ///
    /// - Parameter other: Another list.
    /// - Returns: False when the keys differ.
    @discardableResult
    public mutating func formUnion(_ other: SuppressionList) -> Bool {
        guard other.hasher == hasher else { return false }
        endUsers.formUnion(other.endUsers)
        records.formUnion(other.records)
        return true
    }

    // MARK: - Stored form

    /// The stored form.
    public var json: JSONValue {
        .object([
            ("key", .string(Self.hex(hasher.k0) + Self.hex(hasher.k1))), ("end_users", .string(Self.pack(endUsers))),
            ("records", .string(Self.pack(records))),
        ])
    }

    /// Reads the stored form.
    ///
    /// - Parameter json: What ``json`` made.
    /// - Throws: ``ChatExportError`` (`storageFailure`) when it is not well formed.
    public init(json: JSONValue) throws {
        func bad(_ what: String) -> ChatExportError {
            ChatExportError(.storageFailure, "the job's suppression list (job value \"\(Self.jobValueKey)\") is unreadable: \(what)")
        }
        guard let key = json["key"]?.stringValue, key.utf8.count == 32, let k0 = UInt64(key.prefix(16), radix: 16),
            let k1 = UInt64(key.suffix(16), radix: 16)
        else { throw bad("no 128-bit hex key") }
        hasher = SipHash(k0: k0, k1: k1)
        guard let users = json["end_users"]?.stringValue.flatMap(Self.unpack), let ids = json["records"]?.stringValue.flatMap(Self.unpack)
        else { throw bad("end_users or records is not a base64 list of 64-bit digests") }
        endUsers = users
        records = ids
    }

    /// The job's list, from its checkpoint store.
    ///
    /// - Parameter store: The job's store (nil outside a run).
    /// - Returns: The list, or nil when the job forgot nobody.
    /// - Throws: ``ChatExportError`` when the stored list cannot be read.
    public static func load(from store: (any CheckpointStore)?) async throws -> SuppressionList? {
        guard let value = try await store?.loadJobValues()[jobValueKey] else { return nil }
        return try SuppressionList(json: value)
    }

    private static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    private static func pack(_ digests: Set<UInt64>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digests.count * 8)
        for digest in digests.sorted() { withUnsafeBytes(of: digest.littleEndian) { bytes.append(contentsOf: $0) } }
        return Data(bytes).base64EncodedString()
    }

    private static func unpack(_ text: String) -> Set<UInt64>? {
        guard let data = Data(base64Encoded: text), data.count % 8 == 0 else { return nil }
        var digests = Set<UInt64>(minimumCapacity: data.count / 8)
        var offset = 0
        while offset < data.count {
            var value: UInt64 = 0
            withUnsafeMutableBytes(of: &value) { target in data.copyBytes(to: target.bindMemory(to: UInt8.self), from: offset..<offset + 8)
            }
            digests.insert(UInt64(littleEndian: value))
            offset += 8
        }
        return digests
    }
}
