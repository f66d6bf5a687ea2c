public import ConnectorKit

/// Paging by an advancing lower bound: each next request asks for records at or after the
/// latest time seen (the bound the vendor's next link carries, when it gives one). The bound is
/// inclusive, so records at it come again: they are dropped by `_id` (the position keeps the ids
/// emitted at or after it). A bound that goes back is an ``InvalidResponse``. More records at one
/// instant than a page holds are read again in one page of ``largestPage``; more than that is an
/// error, since no bound can get past them.
public struct LowerBoundPaginator: Paginator {
    /// The stream, for messages.
    public var stream: String
    /// The query parameter of the lower bound (`created_since`), read from next links.
    public var sinceParameter: String
    /// Where the next link is, or nil for a vendor without links (a full page means more).
    public var linkPath: [String]?
    /// The query parameter of the page size.
    public var pageSizeParameter: String
    /// The configured page size.
    public var pageSize: Int
    /// The largest page the vendor serves.
    public var largestPage: Int
    /// Where a tie read again is reported.
    public var logger: ExportLogger

    /// Creates a paginator.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - sinceParameter: The lower bound's query parameter.
    ///   - linkPath: The next link's key path, or nil.
    ///   - pageSizeParameter: The page size's query parameter.
    ///   - pageSize: The configured page size.
    ///   - largestPage: The largest page the vendor serves.
    ///   - logger: The stream's logger.
    public init(
        stream: String, sinceParameter: String, linkPath: [String]?, pageSizeParameter: String = "page_size", pageSize: Int,
        largestPage: Int,
        logger: ExportLogger
    ) {
        self.stream = stream
        self.sinceParameter = sinceParameter
        self.linkPath = linkPath
        self.pageSizeParameter = pageSizeParameter
        self.pageSize = pageSize
        self.largestPage = largestPage
        self.logger = logger
    }

    /// The page's new records inside the window and the position after it.
    public func advance(_ page: PageScanner.Page, in window: TimeWindow<PagePosition>, requested url: String) throws
        -> WindowedReader<PagePosition>.Page
    {
        let position = window.position ?? PagePosition(since: window.start)
        let since = position.since ?? window.start
        let requestedSize = HTTPURL.queryValue(pageSizeParameter, in: url).flatMap { Int($0) } ?? pageSize
        let seen = Set(position.seen)
        var records: [Record] = []
        records.reserveCapacity(page.records.count)
        var outside = 0
        for record in page.records {
            guard let cursor = record.cursor, cursor >= window.start, cursor < window.end else {
                outside += 1
                continue
            }
            if cursor >= since, seen.contains(record.id) { continue }
            records.append(record)
        }
        if outside > 0 {
            logger.debug("\(stream): dropped \(outside) records outside window \(window.start.iso8601())–\(window.end.iso8601())")
        }
        let reached = page.records.compactMap(\.cursor).max()
        var next: String?
        if let linkPath {
            guard let link = page.member(at: linkPath)?.stringValue, !link.isEmpty else {
                return .init(records: records, next: nil, reached: window.end)
            }
            guard let resolved = HTTPURL.resolve(link, against: url) else { throw InvalidResponse("an unreadable next link") }
            next = resolved
        } else if page.records.count < requestedSize {
            return .init(records: records, next: nil, reached: window.end)
        }
        // The next page starts at its bound; what was emitted at or after it will come again.
        let nextSince = next.flatMap { HTTPURL.queryValue(sinceParameter, in: $0) }.flatMap(Timestamp.init(iso8601:)) ?? reached ?? since
        if nextSince < since {
            throw InvalidResponse("its next link goes back from \(since.iso8601()) to \(nextSince.iso8601()): paging would loop")
        }
        var nextSeen = Set(records.filter { ($0.cursor ?? window.start) >= nextSince }.map(\.id))
        if nextSince == since {
            // A page shorter than asked for is not a tie: the vendor's link simply does not move on.
            guard page.records.count >= requestedSize else {
                throw InvalidResponse(
                    "its next link asks for \(since.iso8601()) again after a page of \(page.records.count) records "
                        + "(fewer than the \(requestedSize) asked for, so not a tie): paging would never advance")
            }
            // The bound does not advance: more records share it than one page holds; the only
            // way on is one page large enough for the whole tie.
            guard requestedSize < largestPage else {
                throw ChatExportError(
                    .invalidResponse,
                    "\(stream): more than \(largestPage) records share the timestamp \(since.iso8601()) "
                        + "(GET \(HTTPURL.redacted(url)) links back to it); the vendor cannot page through them")
            }
            logger.info(
                "\(stream): more than \(requestedSize) records share \(since.iso8601()); reading that timestamp again in a page of \(largestPage)"
            )
            nextSeen.formUnion(seen)
            return .init(
                records: records, next: PagePosition(since: since, seen: nextSeen.sorted(), pageSize: largestPage), reached: reached)
        }
        return .init(records: records, next: PagePosition(since: nextSince, seen: nextSeen.sorted(), next: next), reached: reached)
    }
}
