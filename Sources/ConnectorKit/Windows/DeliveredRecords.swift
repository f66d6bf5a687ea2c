import Foundation

/// What a stream has delivered that a later re-read may return again, so an unchanged record
/// read twice reaches the sinks once (files and stdout cannot replace a record by its id).
///
/// Each record is kept as a 64-bit digest of its bytes (SipHash-2-4 under a random key of the
/// stream's own, so no record's text can be made to collide with another's), filed under the
/// hour of its cursor time. A record whose bytes changed (a conversation updated since) has a
/// new digest and is delivered again, as it should be. Only hours a re-read can still reach are
/// kept (``forget(before:)``), and at most ``limit`` digests: past it the oldest hours go first
/// (a record of theirs read again would then be delivered again, never lost). A falsely matching
/// digest would drop a record: with 64 bits and an hour of 100,000 records, that is one chance in
/// 10¹⁴ per record read again.
///
/// Stored in the checkpoint as `{"key": hex, "hours": {"2026-12-05T10:00:00Z": base64}}`, the
/// digests of an hour sorted and packed little-endian: 8 bytes a record (10.7 in base64).
public struct DeliveredRecords: Codable, Sendable, Equatable {
    /// The most digests kept.
    public static let limit = 1_000_000

    /// One hour's digests: the stored ones sorted (searched in place, as read from the
    /// checkpoint), the ones added since in a set, merged when the hour is encoded again.
    private struct Hour: Sendable, Equatable {
        private(set) var sorted: [UInt64]
        private var added: Set<UInt64> = []
        private(set) var encoded: String

        var count: Int { sorted.count + added.count }

        /// An hour of `digests`, and their stored text if known.
        init(sorted digests: [UInt64], encoded: String? = nil) {
            sorted = digests
            self.encoded = encoded ?? ""
            if encoded == nil { encode() }
        }

        func contains(_ digest: UInt64) -> Bool {
            if added.contains(digest) { return true }
            var low = 0
            var high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid] < digest { low = mid + 1 } else { high = mid }
            }
            return low < sorted.count && sorted[low] == digest
        }

        /// Adds a digest; false when it was there.
        mutating func insert(_ digest: UInt64) -> Bool {
            contains(digest) ? false : added.insert(digest).inserted
        }

        /// Merges the added digests in and renders the stored text.
        mutating func encode() {
            if !added.isEmpty {
                sorted = (sorted + added).sorted()
                added = []
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(sorted.count * 8)
            for digest in sorted {
                withUnsafeBytes(of: digest.littleEndian) { bytes.append(contentsOf: $0) }
            }
            encoded = Data(bytes).base64EncodedString()
        }

        static func == (lhs: Hour, rhs: Hour) -> Bool { Set(lhs.sorted).union(lhs.added) == Set(rhs.sorted).union(rhs.added) }
    }

    private var hasher: SipHash
    private var hours: [Int64: Hour] = [:]

    /// How many records are remembered.
    public private(set) var count = 0
    /// The end of the newest hour forgotten to stay within ``limit`` since this value was made
    /// or decoded, or nil (not stored).
    public private(set) var forgottenThrough: Timestamp?

    /// Creates an empty set with a random key.
    public init() { hasher = .random() }

    /// The records of `records` not delivered before, in order; those at or after `horizon` are
    /// remembered as delivered (the caller delivers them).
    ///
    /// - Parameters:
    ///   - records: A batch read from the vendor.
    ///   - horizon: The oldest time a later re-read can reach.
    /// - Returns: The records to deliver.
    public mutating func admit(_ records: [Record], rememberingFrom horizon: Timestamp) -> [Record] {
        var fresh: [Record] = []
        fresh.reserveCapacity(records.count)
        var touched: Set<Int64> = []
        for record in records {
            guard let cursor = record.cursor, cursor >= horizon else {
                fresh.append(record)
                continue
            }
            let hour = Self.hour(of: cursor)
            let digest = hasher.hash(record.json)
            if hours[hour, default: Hour(sorted: [], encoded: "")].insert(digest) {
                fresh.append(record)
                touched.insert(hour)
                count += 1
            }
        }
        if count > Self.limit, let forgotten = trim(to: Self.limit) {
            forgottenThrough = max(forgottenThrough ?? forgotten, forgotten)
            touched = touched.filter { hours[$0] != nil }
        }
        for hour in touched { hours[hour]?.encode() }
        return fresh
    }

    /// Forgets every hour that ends at or before `time` (no re-read reaches it any more).
    ///
    /// - Parameter time: The oldest time a re-read can still reach.
    public mutating func forget(before time: Timestamp) {
        let first = Self.hour(of: time)
        for hour in hours.keys where hour < first {
            count -= hours.removeValue(forKey: hour)?.count ?? 0
        }
    }

    /// Forgets the oldest hours until at most `limit` digests remain.
    ///
    /// - Parameter limit: The most digests to keep.
    /// - Returns: The end of the newest hour forgotten, or nil when nothing was.
    mutating func trim(to limit: Int) -> Timestamp? {
        var forgotten: Timestamp?
        for hour in hours.keys.sorted() where count > limit {
            count -= hours.removeValue(forKey: hour)?.count ?? 0
            forgotten = Timestamp(epochSeconds: (hour + 1) * 3600)
        }
        return forgotten
    }

    /// Equal when they hold the same key and digests.
    public static func == (lhs: DeliveredRecords, rhs: DeliveredRecords) -> Bool {
        lhs.hasher == rhs.hasher && lhs.hours == rhs.hours
    }

    private static func hour(of time: Timestamp) -> Int64 {
        let seconds = time.epochSeconds
        return seconds >= 0 ? seconds / 3600 : (seconds - 3599) / 3600
    }

    // MARK: - Stored form

    /// The stored form as a JSON value, built from the hours' encoded digests without a
    /// serialisation round trip (a busy stream holds megabytes of them).
    package var json: JSONValue {
        var stored: [(key: String, value: JSONValue)] = []
        for hour in hours.keys.sorted() where (hours[hour]?.count ?? 0) > 0 {
            stored.append((Timestamp(epochSeconds: hour * 3600).iso8601(), .string(hours[hour]!.encoded)))
        }
        return .object([("hours", .object(stored)), ("key", .string(keyText))])
    }

    /// Reads the stored form from a JSON value.
    ///
    /// - Parameter json: What ``json`` made.
    /// - Throws: `DecodingError` when it is not well formed.
    package init(json: JSONValue) throws {
        guard let key = json["key"]?.stringValue, case .object(let members)? = json["hours"] else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "delivered: no key or hours"))
        }
        try self.init(key: key, hours: members.map { ($0.key, $0.value.stringValue ?? "") })
    }

    private init(key: String, hours stored: [(String, String)]) throws {
        guard key.utf8.count == 32, let k0 = UInt64(key.prefix(16), radix: 16), let k1 = UInt64(key.suffix(16), radix: 16) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "delivered: not a 128-bit hex key"))
        }
        hasher = SipHash(k0: k0, k1: k1)
        for (name, text) in stored {
            guard let time = Timestamp(iso8601: name), let data = Data(base64Encoded: text), data.count % 8 == 0 else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "delivered: hour \(name) is not well formed"))
            }
            var digests = [UInt64](repeating: 0, count: data.count / 8)
            _ = digests.withUnsafeMutableBytes { target in data.copyBytes(to: target.bindMemory(to: UInt8.self)) }
            for index in digests.indices { digests[index] = UInt64(littleEndian: digests[index]) }
            let hour = Self.hour(of: time)
            // As written: sorted, no repeats, one entry an hour. Anything else is put in order.
            let ordered = zip(digests, digests.dropFirst()).allSatisfy { $0 < $1 }
            if ordered, hours[hour] == nil {
                hours[hour] = Hour(sorted: digests, encoded: text)
            } else {
                let merged = Set(digests).union(hours[hour]?.sorted ?? [])
                hours[hour] = Hour(sorted: merged.sorted())
            }
        }
        count = hours.values.reduce(0) { $0 + $1.count }
    }

    private var keyText: String {
        [hasher.k0, hasher.k1].map { String(repeating: "0", count: 16 - String($0, radix: 16).count) + String($0, radix: 16) }.joined()
    }

    // MARK: - Codable

    private enum CodingKeys: String, CodingKey {
        case key, hours
    }

    /// Decodes the stored form.
    ///
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` for a key, hour or digest list that is not well formed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let hours = try container.decode([String: String].self, forKey: .hours)
        try self.init(key: try container.decode(String.self, forKey: .key), hours: hours.map { ($0.key, $0.value) })
    }

    /// Encodes the stored form.
    ///
    /// - Parameter encoder: The encoder.
    /// - Throws: An encoding error.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(keyText, forKey: .key)
        var stored: [String: String] = [:]
        for (hour, value) in hours where value.count > 0 {
            stored[Timestamp(epochSeconds: hour * 3600).iso8601()] = value.encoded
        }
        try container.encode(stored, forKey: .hours)
    }
}
