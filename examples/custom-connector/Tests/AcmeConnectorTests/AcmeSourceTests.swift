import AcmeConnector
import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import Testing

/// A scripted Acme server: 300 messages over 20 days, 40 per page, cursors as offsets.
let start = Timestamp(epochSeconds: 1_767_225_600)
let messages = (0..<300).map { index in (id: "m\(index)", created: start.epochSeconds + Int64(index) * 5_760) }

func acmeServer(token: String = "secret") -> ScriptedTransport {
    ScriptedTransport { request in
        guard request.headers.contains(where: { $0.name == "Authorization" && $0.value == "Bearer \(token)" }) else {
            return ScriptedTransport.json(401, #"{"error": "bad token"}"#)
        }
        let query = Dictionary(
            uniqueKeysWithValues: request.url.split(separator: "?").last!.split(separator: "&").map {
                let pair = $0.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), String(pair.count > 1 ? pair[1] : ""))
            })
        let since = Int64(query["since"] ?? "") ?? 0
        let until = Int64(query["until"] ?? "") ?? 0
        let offset = Int(query["cursor"] ?? "") ?? 0
        let inRange = messages.filter { $0.created >= since && $0.created < until }
        let page = inRange.dropFirst(offset).prefix(40)
        let items = page.map { #"{"id": "\#($0.id)", "created": \#($0.created), "text": "hi"}"# }.joined(separator: ", ")
        let next = offset + page.count < inRange.count ? "\"\(offset + page.count)\"" : "null"
        return ScriptedTransport.json(200, #"{"items": [\#(items)], "cursor": \#(next)}"#)
    }
}

func acme(token: String = "secret") -> AcmeSource {
    var http = VendorHTTPClient.Configuration(
        baseURL: "https://tenant.acme.example", credential: .bearer(Secret(token)), requestsPerSecond: 1000)!
    http.retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10))
    return AcmeSource(start: start, http: http, transport: acmeServer(), logger: .disabled)
}

@Test("Acme passes the connector conformance suite")
func conformance() async {
    let suite = SourceConformance(
        expected: ["messages": Set(messages.map(\.id))], maxInterruptions: 10, makeSource: { acme() },
        makeSourceWithBadCredentials: { acme(token: "wrong") })
    let problems = await suite.problems()
    #expect(problems.isEmpty, "\(problems)")
}
