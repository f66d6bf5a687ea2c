import ConnectorRuntime

/// Fetches one page of one window of an Ada stream and works out the next position.
struct AdaPageReader: Sendable {
    let api: AdaAPI
    let client: VendorHTTPClient
    let stream: String
    let field: String
    let pageSize: Int
    let layout: RecordLayout
    let logger: ExportLogger

    /// The largest page Ada serves; a tie group longer than a page is re-read with it.
    static let largestPage = 10_000

    func fetch(_ window: TimeWindow<AdaPosition>) async throws -> WindowedReader<AdaPosition>.Page {
        let position = window.position ?? AdaPosition(since: window.start, seen: [], next: nil)
        let url = requestURL(window, position)
        let requestedSize = URLComponentsLite(url)?.value("page_size").flatMap { Int($0) } ?? pageSize
        return try await client.get(url) { response in
            let page = try PageScanner.scan(response.body, stream: stream, recordKeys: ["data", "items"], layout: layout)
            guard page.recordsKey != nil else { throw InvalidResponse("no \"data\" or \"items\" array") }
            if let problem = api.pagingProblem(page.members) { throw InvalidResponse(problem) }
            return try evaluate(page, window: window, position: position, url: url, requestedSize: requestedSize)
        }
    }

    /// The new records of a page and the position after it.
    private func evaluate(
        _ page: PageScanner.Page, window: TimeWindow<AdaPosition>, position: AdaPosition, url: String, requestedSize: Int
    ) throws -> WindowedReader<AdaPosition>.Page {
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
        guard let next = HTTPURL.resolve(link, against: url) else { throw InvalidResponse("an unreadable next link") }
        // The next page starts at its *_since; what we emitted at or after it will come again.
        let nextSince = HTTPURL.queryValue(field + "_since", in: next).flatMap(Timestamp.init(iso8601:)) ?? reached ?? position.since
        if nextSince < position.since {
            throw InvalidResponse(
                "its next link goes back from \(position.since.iso8601()) to \(nextSince.iso8601()): paging would loop")
        }
        var nextSeen = Set(records.filter { ($0.cursor ?? window.start) >= nextSince }.map(\.id))
        if nextSince == position.since {
            // The link does not advance: more records share `since` than one page holds. Ada
            // pages by timestamp, so the only way on is one page large enough for the whole tie.
            guard requestedSize < AdaPageReader.largestPage else {
                throw ChatExportError(
                    .invalidResponse,
                    "\(stream): more than \(AdaPageReader.largestPage) records share the timestamp \(position.since.iso8601()) "
                        + "(GET \(HTTPURL.redacted(url)) links back to it); Ada cannot page through them"
                )
            }
            logger.info(
                "\(stream): more than \(requestedSize) records share \(position.since.iso8601()); reading that timestamp again in a page of \(AdaPageReader.largestPage)"
            )
            nextSeen.formUnion(seen)
            return .init(
                records: records,
                next: AdaPosition(since: position.since, seen: nextSeen.sorted(), next: nil, pageSize: AdaPageReader.largestPage),
                reached: reached)
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
            api.pathPrefix + stream,
            query: [(field + "_since", AdaTime.query(position.since)), to, ("page_size", "\(position.pageSize ?? pageSize)")])
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
