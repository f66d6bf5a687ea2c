import ConnectorHTTP
import ConnectorKit
import Foundation

/// Ada's error bodies.
enum AdaErrors {
    /// v2: `{"errors":[{"type":…,"message":…,"details":null}]}`
    static func v2(_ status: Int, _ type: String, _ message: String) -> SandboxServer.Response {
        .json(status, Array("{\"errors\":[{\"type\":\"\(type)\",\"message\":\(JSONValue.quoted(message)),\"details\":null}]}".utf8))
    }

    /// v1.4: `{"message": …}`
    static func v14(_ status: Int, _ message: String) -> SandboxServer.Response {
        .json(status, Array("{\"message\":\(JSONValue.quoted(message))}".utf8))
    }
}

/// A validated Ada query: which records, which bounds, how many.
struct AdaQuery {
    var stream: String
    var field: String  // "created" or "updated"
    var since: Timestamp
    var to: Timestamp
    var pageSize: Int
    var conversationID: String?
    var sentTo: Bool
}

extension VendorSandbox {
    /// Validates Ada query parameters the way the vendor does. Returns the query or the error text.
    func adaQuery(_ request: SandboxServer.Request, stream: String) -> Result<AdaQuery, AdaQueryError> {
        func timestamp(_ name: String) -> Result<Timestamp?, AdaQueryError> {
            guard let text = request.parameter(name) else { return .success(nil) }
            // UTC only: ending in Z (as documented) or +00:00 (as Ada's own next_page_uri writes it).
            guard text.hasSuffix("Z") || text.hasSuffix("+00:00"), let time = Timestamp(iso8601: text) else {
                return .failure(AdaQueryError("\(name) must be an ISO 8601 UTC timestamp ending with 'Z' (e.g. 2024-07-01T00:00:00Z)"))
            }
            return .success(time)
        }
        let createdSince: Timestamp?
        let updatedSince: Timestamp?
        let createdTo: Timestamp?
        let updatedTo: Timestamp?
        switch (timestamp("created_since"), timestamp("updated_since"), timestamp("created_to"), timestamp("updated_to")) {
        case (.success(let a), .success(let b), .success(let c), .success(let d)):
            (createdSince, updatedSince, createdTo, updatedTo) = (a, b, c, d)
        case (.failure(let e), _, _, _), (_, .failure(let e), _, _), (_, _, .failure(let e), _), (_, _, _, .failure(let e)):
            return .failure(e)
        }
        if stream == "messages", updatedSince != nil || updatedTo != nil {
            return .failure(AdaQueryError("messages can only be filtered by created_since and created_to"))
        }
        if (createdSince != nil || createdTo != nil) && (updatedSince != nil || updatedTo != nil) {
            return .failure(AdaQueryError("updated_since and created_since are mutually exclusive; use only one in a request"))
        }
        guard let since = createdSince ?? updatedSince else {
            return .failure(
                AdaQueryError(stream == "messages" ? "created_since is required" : "created_since or updated_since is required"))
        }
        var pageSize = 10_000
        if let text = request.parameter("page_size") {
            guard let value = Int(text), (100...10_000).contains(value) else {
                return .failure(AdaQueryError("page_size must be an integer from 100 to 10000"))
            }
            pageSize = value
        }
        let explicitTo = createdTo ?? updatedTo
        let to = explicitTo ?? since.adding(seconds: 7 * 86_400)  // the documented silent default
        guard to > since else { return .failure(AdaQueryError("the end of the range must be after its start")) }
        guard to.microseconds - since.microseconds <= 60 * 86_400 * 1_000_000 else {
            return .failure(AdaQueryError("the date range may not exceed 60 days"))
        }
        guard since >= retentionClock.adding(seconds: -365 * 86_400) else {
            return .failure(AdaQueryError("exports are limited to records from the previous year"))
        }
        return .success(
            AdaQuery(
                stream: stream,
                field: updatedSince != nil ? "updated" : "created",
                since: since,
                to: to,
                pageSize: pageSize,
                conversationID: request.parameter("conversation_id"),
                sentTo: explicitTo != nil
            )
        )
    }

    /// One page of records for a query: the records and the timestamp of the last one, when more follow.
    func adaPage(_ query: AdaQuery) -> (records: [[UInt8]], nextSince: Timestamp?) {
        let now = self.now
        return withDataset { dataset in
            var matching: [(Timestamp, String, [UInt8])]
            if query.stream == "messages" {
                let all = dataset.adaMessages
                let lower = VendorSandbox.lowerBound(all.count) { all[$0].created < query.since }
                matching = []
                var index = lower
                while index < all.count, all[index].created < query.to {
                    let message = all[index]
                    if query.conversationID == nil || message.conversationID == query.conversationID,
                        message.created.adding(seconds: message.delay) <= now
                    {
                        matching.append((message.created, message.id, message.json))
                        if matching.count > query.pageSize { break }
                    }
                    index += 1
                }
            } else {
                matching = dataset.adaConversations.compactMap { conversation in
                    let time = query.field == "updated" ? conversation.updated : conversation.created
                    guard conversation.updated.adding(seconds: conversation.delay) <= now else { return nil }
                    return time >= query.since && time < query.to ? (time, conversation.id, conversation.json) : nil
                }
                matching.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            }
            guard matching.count > query.pageSize else { return (matching.map(\.2), nil) }
            let page = Array(matching.prefix(query.pageSize))
            // The next page starts at the last record's timestamp (inclusive), so records sharing
            // it are sent again: clients must drop them by _id.
            return (page.map(\.2), page.last!.0)
        }
    }

    func adaV2(_ request: SandboxServer.Request) -> SandboxServer.Response {
        let stream = String(request.path.dropFirst("/api/v2/export/".count))
        guard stream == "conversations" || stream == "messages" else { return AdaErrors.v2(404, "not_found", "Not found") }
        let query: AdaQuery
        switch adaQuery(request, stream: stream) {
        case .success(let value): query = value
        case .failure(let error): return AdaErrors.v2(400, "invalid_request", error.message)
        }
        let (records, nextSince) = adaPage(query)
        var next = "null"
        if let nextSince {
            let parameters = nextParameters(query, since: nextSince)
            switch settings.nextLink {
            case .absolute: next = "\"\(baseURL)/api/v2/export/\(stream)?\(parameters)\""
            case .rooted: next = "\"/api/v2/export/\(stream)?\(parameters)\""
            case .relative: next = "\"\(stream)?\(parameters)\""
            }
        }
        return page(settings.recordKey, records, trailer: ",\"meta\":{\"next_page_uri\":\(next)}")
    }

    func adaV14(_ request: SandboxServer.Request) -> SandboxServer.Response {
        let stream = String(request.path.dropFirst("/data_api/v1.4/".count))
        guard stream == "conversations" || stream == "messages" else { return AdaErrors.v14(404, "Not found") }
        if request.parameter("created_since") == nil && request.parameter("updated_since") == nil {
            return AdaErrors.v14(400, "created_since is required")
        }
        let query: AdaQuery
        switch adaQuery(request, stream: stream) {
        case .success(let value): query = value
        case .failure(let error): return AdaErrors.v14(422, error.message)
        }
        let (records, nextSince) = adaPage(query)
        let next = nextSince.map { "\"/data_api/v1.4/\(stream)?\(nextParameters(query, since: $0))\"" } ?? "null"
        return page("data", records, trailer: ",\"message\":\"OK\",\"next_page_uri\":\(next)")
    }

    /// The next page's query: the same bounds, page size and filter, the lower bound moved to
    /// `since` (written with `+00:00` and microseconds, as Ada writes it).
    func nextParameters(_ query: AdaQuery, since: Timestamp) -> String {
        "\(query.field)_since=\(HTTPURL.encode(SandboxContent.withOffset(since)))&\(query.field)_to=\(HTTPURL.encode(SandboxContent.withOffset(query.to)))"
            + "&page_size=\(query.pageSize)" + (query.conversationID.map { "&conversation_id=\($0)" } ?? "")
    }

    /// The first index in `0..<count` for which `isBefore` is false.
    static func lowerBound(_ count: Int, _ isBefore: (Int) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if isBefore(mid) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// Why the vendor rejects a query.
struct AdaQueryError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
