import ConnectorHTTP
import ConnectorKit
import Foundation
import VendorSandbox

/// A made-up vendor over loopback, for connector definitions written by users: conversations
/// page by offset (`updated_after`/`updated_before` in epoch seconds, end exclusive), messages by
/// a body cursor (`sent_after`/`sent_before` in ISO-8601, end inclusive). It checks its rules
/// (both bounds on every request, a bearer token or an `api_key` query parameter), injects
/// deterministic faults (503, 429, cut-off bodies) and logs every request.
final class AcmeServer: @unchecked Sendable {
    struct Conversation {
        var id: String
        var updated: Int64
        var json: String
    }

    struct Message {
        var id: String
        var sent: Timestamp
        var json: String
    }

    let token = "acme-secret-token"
    let conversations: [Conversation]
    let messages: [Message]
    let start = Timestamp(iso8601: "2026-03-01T00:00:00Z")!
    let end = Timestamp(iso8601: "2026-03-20T00:00:00Z")!
    /// Every n-th request fails (0: never), in turn with a 503, a 429 and a cut-off body.
    var faultEvery = 0
    /// Seconds of latency per answer.
    var latency = 0.0
    /// Whether the token comes as `?api_key=` (and next links echo it) instead of a header.
    var queryToken = false
    /// When set, the token comes as the password of HTTP basic auth for this user.
    var basicUser: String?
    private let lock = NSLock()
    private var log: [(path: String, query: [String: String])] = []
    private var count = 0
    private var server: SandboxServer?

    init(conversations count: Int = 400) throws {
        var conversations: [Conversation] = []
        var messages: [Message] = []
        let span = end.epochSeconds - start.epochSeconds
        for index in 0..<count {
            // Several conversations share each second, so pages split ties.
            let updated = start.epochSeconds + Int64(index / 3) * (span / Int64(count / 3 + 1))
            let rating = index % 5 + 1
            conversations.append(
                Conversation(
                    id: "c\(index)", updated: updated,
                    json:
                        #"{"id":"c\#(index)","updated_at":\#(updated * 1000),"started_at":"\#(Timestamp(epochSeconds: updated - 600).iso8601())","channel":"web","escalated":\#(index % 4 == 0),"feedback":{"rating":\#(rating)}}"#
                ))
            for turn in 0..<3 {
                let sent = Timestamp(epochSeconds: updated - 600 + Int64(turn * 60))
                let author = ["customer", "bot", "agent"][turn]
                messages.append(
                    Message(
                        id: "m\(index)-\(turn)", sent: sent,
                        json:
                            #"{"id":"m\#(index)-\#(turn)","conversation_id":"c\#(index)","sent_at":"\#(sent.iso8601(fractionDigits: 6).replacingOccurrences(of: "Z", with: "+00:00"))","author":"\#(author)","text":"turn \#(turn) \u00e9"}"#
                    ))
            }
        }
        self.conversations = conversations
        let first = start
        self.messages = messages.filter { $0.sent >= first }
        self.server = nil
        self.server = try SandboxServer { [unowned self] request in self.handle(request) }
    }

    func stop() { server?.stop() }

    var baseURL: String { "http://127.0.0.1:\(server?.port ?? 0)" }

    var requests: [(path: String, query: [String: String])] { lock.withLock { log } }

    private func handle(_ request: SandboxServer.Request) -> SandboxServer.Response {
        let query = Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let number = lock.withLock {
            log.append((request.path, query))
            count += 1
            return count
        }
        var response = answer(request.path, query, headers: request.headers)
        response.delay = latency
        if faultEvery > 0, number % faultEvery == 0 {
            switch (number / faultEvery) % 3 {
            case 0: return .json(503, Array(#"{"error":{"message":"try later"}}"#.utf8))
            case 1: return .json(429, Array(#"{"error":{"message":"slow down"}}"#.utf8))
            default: response.truncateAfter = max(1, response.body.count / 2)
            }
        }
        return response
    }

    private func answer(_ path: String, _ query: [String: String], headers: [String: String]) -> SandboxServer.Response {
        let basic = basicUser.map { "Basic " + Data(($0 + ":" + token).utf8).base64EncodedString() }
        let authorized =
            queryToken ? query["api_key"] == token : headers["authorization"] == (basic ?? "Bearer " + token)
        guard authorized else { return .json(401, Array(#"{"error":{"message":"unknown token"}}"#.utf8)) }
        let limit = Int(query["limit"] ?? "") ?? 100
        switch path {
        case "/v1/conversations":
            guard let after = query["updated_after"].flatMap({ Int64($0) }), let before = query["updated_before"].flatMap({ Int64($0) })
            else { return .json(422, Array(#"{"error":{"message":"updated_after and updated_before are required"}}"#.utf8)) }
            // Offsets, or page numbers from 1.
            let offset = query["page"].flatMap { Int($0) }.map { ($0 - 1) * limit } ?? Int(query["offset"] ?? "0") ?? 0
            let matching = conversations.filter { $0.updated >= after && $0.updated < before }
            let page = matching.dropFirst(offset).prefix(limit)
            return .json(200, Array(#"{"conversations":[\#(page.map(\.json).joined(separator: ","))]}"#.utf8))
        case "/v1/messages":
            guard let after = query["sent_after"].flatMap(Timestamp.init(iso8601:)),
                let before = query["sent_before"].flatMap(Timestamp.init(iso8601:))
            else { return .json(422, Array(#"{"error":{"message":"sent_after and sent_before are required"}}"#.utf8)) }
            let offset = query["cursor"].flatMap { Int($0.split(separator: ".").first ?? "") } ?? 0
            let matching = messages.filter { $0.sent >= after && $0.sent <= before }
            let page = matching.dropFirst(offset).prefix(limit)
            let more = offset + page.count < matching.count
            let next = more ? "\"\(offset + page.count).\(after.epochSeconds)\"" : "null"
            // A next link too (rooted), echoing the query token as some vendors do.
            var link = "null"
            if more {
                link =
                    "\"/v1/messages?cursor=\(offset + page.count)&limit=\(limit)" + (queryToken ? "&api_key=\(token)" : "")
                    + "&sent_after=\(HTTPURL.encode(query["sent_after"] ?? ""))\""
            }
            return .json(
                200, Array(#"{"messages":[\#(page.map(\.json).joined(separator: ","))],"next_cursor":\#(next),"next":\#(link)}"#.utf8))
        default:
            return .json(404, Array(#"{"error":{"message":"no such endpoint"}}"#.utf8))
        }
    }
}
