import ConnectorKit
import Foundation

/// Catches cursor paging that does not advance: a vendor handing back the cursor it was given,
/// a cursor it already gave earlier in the same window (a loop), or the previous page's records
/// again under a new cursor. Each is an ``InvalidResponse`` (retried, then reported) instead of
/// a run that never ends.
///
/// Call ``accept(window:given:next:ids:)`` from the `read` closure of each page, so the client
/// retries a page that fails the check; call ``restart(window:limit:)`` when a window restarts.
public final class PagingGuard: @unchecked Sendable {
    private let lock = NSLock()
    private var cursors: [String: Set<String>] = [:]
    private var lastIDs: [String: [String]] = [:]
    private var restarts: [String: Int] = [:]

    /// Creates an empty guard (one per stream read).
    public init() {}

    /// Checks one page and remembers its cursor and ids.
    ///
    /// - Parameters:
    ///   - window: A key for the window (its bounds).
    ///   - given: The cursor the request sent, nil for a window's first page.
    ///   - next: The cursor the page returned, nil at the window's end.
    ///   - ids: The page's record ids.
    /// - Throws: ``InvalidResponse`` when the page does not advance; nothing is remembered then.
    public func accept(window: String, given: String?, next: String?, ids: [String]) throws {
        try lock.withLock {
            if let next {
                if next == given {
                    throw InvalidResponse("it returned the cursor it was given (\(PagingGuard.short(next))): paging would never advance")
                }
                if cursors[window]?.contains(next) == true {
                    throw InvalidResponse(
                        "it returned a cursor it already gave for this window (\(PagingGuard.short(next))): paging would loop")
                }
            }
            if given != nil, !ids.isEmpty, lastIDs[window] == ids {
                throw InvalidResponse("it sent the previous page's \(ids.count) records again under a new cursor: paging would loop")
            }
            if let next {
                cursors[window, default: []].insert(next)
                lastIDs[window] = ids
            } else {
                cursors[window] = nil
                lastIDs[window] = nil
            }
        }
    }

    /// Forgets a window's cursors because it restarts from its beginning (a rejected cursor).
    ///
    /// - Parameters:
    ///   - window: The window's key.
    ///   - limit: How many restarts of one window a run allows.
    /// - Throws: ``InvalidResponse`` when the window has restarted `limit` times already.
    public func restart(window: String, limit: Int = 3) throws {
        try lock.withLock {
            restarts[window, default: 0] += 1
            guard restarts[window]! <= limit else {
                throw InvalidResponse("it rejected this window's cursors \(limit + 1) times in one run: paging would never finish")
            }
            cursors[window] = nil
            lastIDs[window] = nil
        }
    }

    static func short(_ cursor: String) -> String { cursor.count > 24 ? String(cursor.prefix(24)) + "…" : cursor }
}
