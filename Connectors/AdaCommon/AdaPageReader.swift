import ConnectorRuntime

/// Fetches one page of one window of an Ada stream and works out the next position.
struct AdaPageReader: Sendable {
    let api: AdaAPI
    let client: HTTPClient
    let stream: String
    let field: String
    let pageSize: Int
    let layout: RecordLayout
    let logger: Logger

    func fetch(_ window: TimeWindow<AdaPosition>) async throws -> WindowedReader<AdaPosition>.Page {
        let position = window.position ?? AdaPosition(since: window.start, seen: [], next: nil)
        let url = requestURL(window, position)
        let page = try await client.get(url) { response in
            let page = try PageScanner.scan(response.body, stream: stream, recordKeys: ["data", "items"], layout: layout)
            guard page.recordsKey != nil else {
                throw ChatExportError(
                    .invalidResponse, "GET \(HTTPURL.redacted(url)) answered \(response.status) without a \"data\" or \"items\" array")
            }
            return page
        }
        let seen = Set(position.seen)
        var records: [Record] = []
        records.reserveCapacity(page.records.count)
        var outside = 0
        for record in page.records {
            guard let cursor = record.cursor, cursor >= window.start, cursor < window.end else {
                outside += 1
                continue
            }
            if cursor >= position.since, seen.contains(record.id) { continue }
            records.append(record)
        }
        if outside > 0 {
            logger.debug("\(stream): dropped \(outside) records outside window \(window.start.iso8601())–\(window.end.iso8601())")
        }
        let reached = page.records.compactMap(\.cursor).max()
        guard let link = api.nextLink(page.members) else {
            return .init(records: records, next: nil, reached: window.end)
        }
        guard let next = HTTPURL.resolve(link, against: url) else {
            throw ChatExportError(.invalidResponse, "GET \(HTTPURL.redacted(url)) returned an unreadable next link")
        }
        // The next page starts at its *_since; what we emitted at or after it will come again.
        let nextSince = HTTPURL.queryValue(field + "_since", in: next).flatMap(Timestamp.init(iso8601:)) ?? reached ?? position.since
        var nextSeen = Set(records.filter { ($0.cursor ?? window.start) >= nextSince }.map(\.id))
        if nextSince <= position.since { nextSeen.formUnion(seen) }
        if nextSince <= position.since, records.isEmpty {
            throw ChatExportError(
                .invalidResponse,
                "\(stream): pagination is stuck at \(position.since.iso8601()): more than page_size (\(pageSize)) records share one timestamp; raise page_size"
            )
        }
        return .init(records: records, next: AdaPosition(since: nextSince, seen: nextSeen.sorted(), next: next), reached: reached)
    }

    /// The URL for a position: the vendor's link (with both bounds and the page size made
    /// explicit), or one built from the stored bound.
    func requestURL(_ window: TimeWindow<AdaPosition>, _ position: AdaPosition) -> String {
        let to = (field + "_to", AdaTime.query(window.end))
        if let link = position.next, var components = URLComponentsLite(link) {
            if components.value(field + "_to") == nil { components.set(to.0, to.1) }
            if components.value("page_size") == nil { components.set("page_size", "\(pageSize)") }
            return components.text
        }
        return client.url(
            api.pathPrefix + stream, query: [(field + "_since", AdaTime.query(position.since)), to, ("page_size", "\(pageSize)")])
    }
}

/// Minimal query editing that keeps the link's own encoding of the parameters it already has.
struct URLComponentsLite {
    var base: String
    var items: [(String, String)]

    init?(_ url: String) {
        let parts = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        base = String(parts[0])
        items =
            parts.count > 1
            ? parts[1].split(separator: "&").map { item in
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
            } : []
    }

    func value(_ name: String) -> String? { items.first { $0.0 == name }?.1 }

    mutating func set(_ name: String, _ value: String) {
        items.removeAll { $0.0 == name }
        items.append((name, HTTPURL.encode(value)))
    }

    var text: String { items.isEmpty ? base : base + "?" + items.map { "\($0.0)=\($0.1)" }.joined(separator: "&") }
}
