import ConnectorHTTP
import ConnectorKit

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
        let url = requestURL(window, window.position ?? AdaPosition(since: window.start))
        let paginator = LowerBoundPaginator(
            stream: stream, sinceParameter: field + "_since", linkPath: api.nextLinkPath, pageSize: pageSize,
            largestPage: AdaPageReader.largestPage, logger: logger)
        return try await client.get(url) { response in
            let page = try PageScanner.scan(response.body, stream: stream, recordKeys: ["data", "items"], layout: layout)
            guard page.recordsKey != nil else { throw InvalidResponse("no \"data\" or \"items\" array") }
            if let problem = api.pagingProblem(page.members) { throw InvalidResponse(problem) }
            return try paginator.advance(page, in: window, requested: url)
        }
    }

    /// The URL for a position: the vendor's link (with both bounds and the page size made
    /// explicit), or one built from the stored bound.
    func requestURL(_ window: TimeWindow<AdaPosition>, _ position: AdaPosition) -> String {
        let to = (field + "_to", AdaTime.query(window.end))
        if let link = position.next { return HTTPURL.adding(missing: [to, ("page_size", "\(pageSize)")], to: link) }
        return client.url(
            api.pathPrefix + stream,
            query: [
                (field + "_since", AdaTime.query(position.since ?? window.start)), to, ("page_size", "\(position.pageSize ?? pageSize)"),
            ])
    }
}
