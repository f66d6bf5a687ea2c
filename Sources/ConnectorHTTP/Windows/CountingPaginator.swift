public import ConnectorKit

/// Paging by counting: an offset that grows by the records read, or a page number that grows by
/// one, sent until a page comes back shorter than the page size. The position keeps the next
/// offset (or page) as its cursor. A full page that repeats the previous page's records is an
/// ``InvalidResponse`` (a vendor ignoring the parameter would otherwise loop forever). Records
/// need not come in time order: progress inside a window is not claimed until it ends.
public struct CountingPaginator: Paginator {
    /// What is counted.
    public enum Unit: Sendable, Hashable {
        /// Records skipped (`offset=200`).
        case offset
        /// Pages, the first numbered `first` (`page=3`).
        case page(first: Int)
    }

    /// What is counted.
    public var unit: Unit
    /// The configured page size (a page this long means more may follow).
    public var pageSize: Int
    private let guardrail = PagingGuard()

    /// Creates a paginator; use one per stream read.
    ///
    /// - Parameters:
    ///   - unit: Offset or page number.
    ///   - pageSize: The page size requested.
    public init(unit: Unit, pageSize: Int) {
        self.unit = unit
        self.pageSize = pageSize
    }

    /// The value a window's first request sends.
    public var first: Int {
        switch unit {
        case .offset: 0
        case .page(let first): first
        }
    }

    /// The records as sent; the next position counts on while pages are full.
    public func advance(_ page: PageScanner.Page, in window: TimeWindow<PagePosition>, requested url: String) throws
        -> WindowedReader<PagePosition>.Page
    {
        let current = window.position?.cursor.flatMap { Int($0) } ?? first
        var next: String?
        if page.records.count >= pageSize {
            switch unit {
            case .offset: next = String(current + page.records.count)
            case .page: next = String(current + 1)
            }
        }
        try guardrail.accept(window: window.pagingKey, given: window.position?.cursor, next: next, ids: page.records.map(\.id))
        return .init(
            records: page.records, next: next.map { PagePosition(cursor: $0) },
            reached: next == nil ? window.end : nil)
    }
}
