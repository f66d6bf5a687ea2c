import ConnectorHTTP
import ConnectorKit

/// What differs between Ada's Data Export API versions; everything else is shared.
///
/// - v2: <https://docs.ada.cx/reference/data-export/conversations>, records under `data` (or
///   `items`), the next link under `meta.next_page_uri` (absolute, rooted or relative).
/// - v1.4: <https://docs.ada.cx/reference/data-export-v1-4/messages>, records under `data`,
///   a relative `next_page_uri` at the top level, extra 408/422 statuses.
public struct AdaAPI: Sendable {
    /// The config `type` (`ada-v2`).
    public var type: String
    /// A person's name for it (`Ada Data Export v2`).
    public var title: String
    /// The endpoint prefix (`/api/v2/export/`).
    public var pathPrefix: String
    /// Where the next link sits: `["meta", "next_page_uri"]` or `["next_page_uri"]`.
    public var nextLinkPath: [String]
    /// The vendor's documented limits, the defaults of `rate_limits`.
    public var rateLimits: RateLimits

    /// Ada Data Export v2: 10 requests/s per endpoint, 100/min and 15,000/day per Ada instance
    /// (Ada's current limits page).
    public static let v2 = AdaAPI(
        type: "ada-v2", title: "Ada Data Export v2", pathPrefix: "/api/v2/export/", nextLinkPath: ["meta", "next_page_uri"],
        rateLimits: .adaV2)

    /// Ada Data Export v1.4: 10 requests/s per endpoint, no per-minute or daily limit.
    public static let v14 = AdaAPI(
        type: "ada-v1.4", title: "Ada Data Export v1.4", pathPrefix: "/data_api/v1.4/", nextLinkPath: ["next_page_uri"],
        rateLimits: .adaV14)

    /// What is wrong with a page's paging fields, if anything: v2 must carry its `meta` object
    /// (a page without it is not the last page, it is a broken one); v1.4 omits or nulls
    /// `next_page_uri` at the end. A next link that is present must be a string.
    func pagingProblem(_ members: [String: JSONValue]) -> String? {
        var value = members[nextLinkPath[0]]
        if nextLinkPath.count > 1 {
            guard case .object = value else { return "no \"\(nextLinkPath[0])\" object (where the next page's link belongs)" }
            for key in nextLinkPath.dropFirst() { value = value?[key] }
        }
        if let value, value != .null, value.stringValue == nil {
            return "\(nextLinkPath.joined(separator: ".")) is \(value.kindDescription), not a link"
        }
        return nil
    }

    /// The next link of a page, if any.
    func nextLink(_ members: [String: JSONValue]) -> String? {
        var value = members[nextLinkPath[0]]
        for key in nextLinkPath.dropFirst() { value = value?[key] }
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }
}
