public import ConnectorKit

/// Paging by an opaque cursor in the body, sent back with the next request and null (or empty)
/// on a window's last page. A missing cursor, or one that repeats, is an ``InvalidResponse``.
public struct CursorPaginator: Paginator {
    /// Where the cursor is (`["cursor"]`).
    public var path: [String]
    private let guardrail = PagingGuard()

    /// Creates a paginator; use one per stream read.
    ///
    /// - Parameter path: The cursor's key path from the page's root.
    public init(path: [String] = ["cursor"]) { self.path = path }

    /// The records as sent; the next position is the cursor, nil at its end.
    public func advance(_ page: PageScanner.Page, in window: TimeWindow<PagePosition>, requested url: String) throws
        -> WindowedReader<PagePosition>.Page
    {
        let name = path.joined(separator: ".")
        guard let value = page.member(at: path), value == .null || value.stringValue != nil else {
            throw InvalidResponse("no \"\(name)\" (expected a string, or null on the last page)")
        }
        let next = value.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        try guardrail.accept(window: window.pagingKey, given: window.position?.cursor, next: next, ids: page.records.map(\.id))
        return .init(
            records: page.records, next: next.map { PagePosition(cursor: $0) },
            reached: next == nil ? window.end : page.records.compactMap(\.cursor).max())
    }

    /// Forgets a window's cursors because it restarts from its beginning (the vendor rejected a
    /// stored cursor); at most `limit` times per window and run.
    ///
    /// - Parameters:
    ///   - window: The window.
    ///   - limit: Restarts allowed.
    /// - Throws: ``InvalidResponse`` past the limit.
    public func restart(_ window: TimeWindow<PagePosition>, limit: Int = 3) throws {
        try guardrail.restart(window: window.pagingKey, limit: limit)
    }

    /// The window to read again from its beginning after the vendor rejected its stored
    /// cursor (expired): says so in the log and counts the restart against ``restart(_:limit:)``'s limit.
    ///
    /// - Parameters:
    ///   - window: The window whose cursor was rejected.
    ///   - stream: The stream, for the warning.
    ///   - vendor: Who rejected it (`DeepConverse`), for the warning.
    ///   - url: The request that was answered so, for the error.
    ///   - logger: Where the warning goes.
    /// - Returns: The window without a position.
    /// - Throws: ``ChatExportError`` (`invalidResponse`) past the limit.
    public func restarting(
        _ window: TimeWindow<PagePosition>, stream: String, vendor: String, url: String, logger: ExportLogger
    ) throws -> TimeWindow<PagePosition> {
        logger.warning(
            "\(stream): \(vendor) rejected the stored cursor for \(window.start.iso8601())–\(window.end.iso8601()) (expired?); "
                + "restarting that window from its beginning (its records are sent again)")
        do {
            try restart(window)
        } catch let error as InvalidResponse {
            throw ChatExportError(.invalidResponse, "GET \(HTTPURL.redacted(url)): \(error.reason)")
        }
        var restarted = window
        restarted.position = nil
        return restarted
    }
}
