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
}
