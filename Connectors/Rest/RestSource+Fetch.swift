import ConnectorHTTP
import ConnectorKit

extension RestSource {
    /// Fetches one page of a window at its position and works out the next position.
    func fetch(
        _ stream: Resolved, _ window: TimeWindow<PagePosition>, layout: RecordLayout, paginator: any Paginator, client: VendorHTTPClient,
        logger: ExportLogger
    ) async throws -> WindowedReader<PagePosition>.Page {
        let url = requestURL(stream, window, pageSize: window.position?.pageSize ?? stream.pageSize)
        let resuming = window.position != nil
        let page = try await client.get(url, passThrough: passThrough(stream, resuming: resuming)) {
            response -> WindowedReader<PagePosition>.Page? in
            try refuse(response, url: url)
            if response.status >= 400 { return nil }
            let page = try PageScanner.scan(
                response.body, stream: stream.descriptor.name, recordKeys: stream.definition.records, layout: layout)
            guard page.recordsKey != nil else {
                throw InvalidResponse("no \(stream.definition.records.map { "\"\($0)\"" }.joined(separator: " or ")) array")
            }
            if let problem = linkProblem(stream.definition.paging, page) { throw InvalidResponse(problem) }
            // A full page whose link key is absent (not null) may be the middle of the data: never a silent end.
            if case .nextLink(let path) = stream.definition.paging, page.member(at: path) == nil,
                let size = HTTPURL.queryValue(stream.definition.pageSize?.parameter ?? "", in: url).flatMap({ Int($0) }),
                page.records.count >= size
            {
                throw InvalidResponse(
                    "the page is full (\(page.records.count) records) but has no \"\(path.joined(separator: "."))\": the next page's link is missing"
                )
            }
            var next = try paginator.advance(page, in: window, requested: url)
            // A vendor's link may echo a query credential: never stored in a checkpoint.
            if let link = next.next?.next { next.next?.next = client.configuration.withoutCredential(link) }
            return next
        }
        if let page { return page }
        // Only cursor paging passes a rejected cursor's status through (see `passThrough`).
        guard let cursors = paginator as? CursorPaginator else {
            throw ChatExportError(.invalidResponse, "GET \(HTTPURL.redacted(url)): a rejected cursor")
        }
        let restarted = try cursors.restarting(
            window, stream: stream.descriptor.name, vendor: definition.title, url: url, logger: logger)
        return try await fetch(stream, restarted, layout: layout, paginator: paginator, client: client, logger: logger)
    }

    /// The error statuses the definition gives a meaning.
    func passThrough(_ stream: Resolved, resuming: Bool) -> Set<Int> {
        var statuses = Set(definition.errors.configStatuses.keys).union(definition.errors.credentialStatuses)
        if resuming, case .cursor(_, _, let restartOn) = stream.definition.paging { statuses.formUnion(restartOn) }
        return statuses
    }

    /// Throws for a status the definition says means bad credentials or a bad config.
    func refuse(_ response: VendorHTTPResponse, url: String) throws {
        let shown = "GET \(HTTPURL.redacted(url)) answered \(response.status)"
        if let template = definition.errors.configStatuses[response.status] {
            let message = RestTemplate.render(template) { settings.values[$0] ?? "" }
            throw ChatExportError(.invalidConfig, "\(message) (\(shown))")
        }
        if definition.errors.credentialStatuses.contains(response.status) {
            let detail = client.configuration.errorMessage(response).map { ": \($0)" } ?? ""
            throw ChatExportError(.credentialsRejected, "\(definition.title) rejected the credentials (\(shown))\(detail)")
        }
    }

    /// A next link's containing objects must be there (a page without them is broken, not the
    /// last one), and a link that is there must be text.
    func linkProblem(_ paging: RestDefinition.Paging, _ page: PageScanner.Page) -> String? {
        let path: [String]
        switch paging {
        case .lowerBound(let link?, _), .nextLink(let link): path = link
        default: return nil
        }
        for depth in 1..<max(1, path.count) {
            guard case .object = page.member(at: Array(path.prefix(depth))) else {
                return "no \"\(path.prefix(depth).joined(separator: "."))\" object (where the next page's link belongs)"
            }
        }
        if let value = page.member(at: path), value != .null, value.stringValue == nil {
            return "\(path.joined(separator: ".")) is \(value.kindDescription), not a link"
        }
        return nil
    }

    /// The URL of a window's page: the vendor's link (made to carry both bounds and the page
    /// size), or one built from the position. Both bounds are always sent.
    func requestURL(_ stream: Resolved, _ window: TimeWindow<PagePosition>, pageSize: Int?) -> String {
        let format = stream.definition.bounds
        let start = (stream.startParameter, query(window.position?.since ?? window.start, format, isEnd: false))
        let end = (stream.endParameter, query(window.end, format, isEnd: true))
        let size = stream.definition.pageSize.flatMap { parameter in pageSize.map { (parameter.parameter, "\($0)") } }
        if let link = window.position?.next {
            return HTTPURL.adding(missing: [start, end] + (size.map { [$0] } ?? []), to: link)
        }
        var items = [start, end] + stream.query
        if let size { items.append(size) }
        switch stream.definition.paging {
        case .cursor(_, let parameter, _): if let cursor = window.position?.cursor { items.append((parameter, cursor)) }
        case .offset(let parameter): items.append((parameter, window.position?.cursor ?? "0"))
        case .page(let parameter, let first): items.append((parameter, window.position?.cursor ?? "\(first)"))
        default: break
        }
        return client.url(stream.path, query: items)
    }

    /// A time as the vendor's query wants it, one unit earlier when its bound is on the other
    /// side of the instant than the window's (an inclusive end, an exclusive start).
    func query(_ time: Timestamp, _ bounds: RestDefinition.Bounds, isEnd: Bool) -> String {
        let shift = isEnd ? bounds.endInclusive : !bounds.startInclusive
        switch bounds.format {
        case .iso8601:
            let value = shift ? Timestamp(microseconds: time.microseconds - 1) : time
            return value.microseconds % 1_000_000 == 0 ? value.iso8601() : value.iso8601(fractionDigits: 6)
        case .epochSeconds:
            return "\(time.epochSeconds - (shift ? 1 : 0))"
        case .epochMilliseconds:
            return "\(time.microseconds / 1000 - (shift ? 1 : 0))"
        }
    }
}
