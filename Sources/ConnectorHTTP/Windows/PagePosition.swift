public import ConnectorKit

/// Where the next page of a time window starts, for every way vendors page: an opaque body
/// cursor, a next link, or an advancing lower bound (with the ids already emitted at it). Only
/// the fields a ``Paginator`` uses are set, and only those are stored in checkpoints.
public struct PagePosition: Codable, Sendable, Equatable {
    /// The inclusive lower bound of the next request (advancing lower bound).
    public var since: Timestamp?
    /// Ids already emitted whose time is at or after ``since`` (the vendor sends them again).
    public var seen: [String]
    /// The vendor's next link, resolved to an absolute URL.
    public var next: String?
    /// The vendor's opaque cursor.
    public var cursor: String?
    /// A page size to ask for instead of the configured one (to get past a tie longer than a page).
    public var pageSize: Int?

    enum CodingKeys: String, CodingKey {
        case since, seen, next, cursor
        case pageSize = "page_size"
    }

    /// Creates a position.
    ///
    /// - Parameters:
    ///   - since: The inclusive lower bound of the next request.
    ///   - seen: Ids already emitted at or after `since`.
    ///   - next: The vendor's next link.
    ///   - cursor: The vendor's cursor.
    ///   - pageSize: A page size overriding the configured one.
    public init(since: Timestamp? = nil, seen: [String] = [], next: String? = nil, cursor: String? = nil, pageSize: Int? = nil) {
        self.since = since
        self.seen = seen
        self.next = next
        self.cursor = cursor
        self.pageSize = pageSize
    }

    /// Decodes a stored position (missing fields are absent).
    ///
    /// - Parameter decoder: The decoder.
    /// - Throws: A decoding error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        since = try container.decodeIfPresent(Timestamp.self, forKey: .since)
        seen = try container.decodeIfPresent([String].self, forKey: .seen) ?? []
        next = try container.decodeIfPresent(String.self, forKey: .next)
        cursor = try container.decodeIfPresent(String.self, forKey: .cursor)
        pageSize = try container.decodeIfPresent(Int.self, forKey: .pageSize)
    }

    /// Encodes the fields that are set (`seen` whenever `since` is).
    ///
    /// - Parameter encoder: The encoder.
    /// - Throws: An encoding error.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(since, forKey: .since)
        if since != nil || !seen.isEmpty { try container.encode(seen, forKey: .seen) }
        try container.encodeIfPresent(next, forKey: .next)
        try container.encodeIfPresent(cursor, forKey: .cursor)
        try container.encodeIfPresent(pageSize, forKey: .pageSize)
    }
}
