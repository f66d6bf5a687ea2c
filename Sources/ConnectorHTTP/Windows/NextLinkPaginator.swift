public import ConnectorKit

/// Paging by a next link in the body (absolute, rooted or relative to the request), absent or
/// null on a window's last page. An unreadable link, or one that repeats, is an ``InvalidResponse``.
/// The link is followed as given; send credentials only to the configured origin (the HTTP
/// client refuses others).
public struct NextLinkPaginator: Paginator {
    /// Where the link is (`["next"]`, `["meta", "next_page_uri"]`).
    public var path: [String]
    private let guardrail = PagingGuard()

    /// Creates a paginator; use one per stream read.
    ///
    /// - Parameter path: The link's key path from the page's root.
    public init(path: [String]) { self.path = path }

    /// The records as sent; the next position is the resolved link, nil without one.
    public func advance(_ page: PageScanner.Page, in window: TimeWindow<PagePosition>, requested url: String) throws
        -> WindowedReader<PagePosition>.Page
    {
        var next: String?
        if let value = page.member(at: path), value != .null {
            guard let text = value.stringValue else {
                throw InvalidResponse("\(path.joined(separator: ".")) is \(value.kindDescription), not a link")
            }
            if !text.isEmpty {
                guard let resolved = HTTPURL.resolve(text, against: url) else { throw InvalidResponse("an unreadable next link") }
                next = resolved
            }
        }
        try guardrail.accept(window: window.pagingKey, given: window.position?.next, next: next, ids: page.records.map(\.id))
        return .init(
            records: page.records, next: next.map { PagePosition(next: $0) },
            reached: next == nil ? window.end : page.records.compactMap(\.cursor).max())
    }
}
