public import ConnectorKit

/// How a vendor pages inside one time window: given the page just read, which of its records
/// are new and where the next page starts.
///
/// Call ``advance(_:in:requested:)`` inside the `read` closure of ``VendorHTTPClient/get(_:passThrough:read:)``:
/// an ``InvalidResponse`` it throws (a page that does not advance, a missing cursor) is then
/// retried and finally reported, never looped on. The runtime has the three ways vendors page:
/// ``CursorPaginator`` (an opaque body cursor ending at null), ``NextLinkPaginator`` (a next
/// link) and ``LowerBoundPaginator`` (an advancing lower bound with boundary dedupe).
public protocol Paginator: Sendable {
    /// Reads a page's paging.
    ///
    /// - Parameters:
    ///   - page: The scanned page.
    ///   - window: The window, with the position that was requested (nil: its first page).
    ///   - url: The URL that was requested (next links resolve against it).
    /// - Returns: The new records and the next position (nil when the window is finished).
    /// - Throws: ``InvalidResponse`` for paging that is missing or does not advance.
    func advance(_ page: PageScanner.Page, in window: TimeWindow<PagePosition>, requested url: String) throws
        -> WindowedReader<PagePosition>.Page
}

extension PageScanner.Page {
    /// The top-level member at `path` (`["meta", "next_page_uri"]`), if any.
    ///
    /// - Parameter path: Object keys from the page's root.
    /// - Returns: The value.
    public func member(at path: [String]) -> JSONValue? {
        guard let first = path.first else { return nil }
        var value = members[first]
        for key in path.dropFirst() { value = value?[key] }
        return value
    }
}

extension TimeWindow where Position == PagePosition {
    /// A key naming the window in paging checks: its bounds.
    var pagingKey: String { "\(start.microseconds)-\(end.microseconds)" }
}
