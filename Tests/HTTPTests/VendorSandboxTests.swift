import ConnectorHTTP
import ConnectorKit
import Foundation
import Testing
import VendorSandbox

@Suite("Vendor sandbox rules")
struct VendorSandboxTests {
    func get(_ sandbox: VendorSandbox, _ path: String, _ query: [(String, String)], headers: [(String, String)]? = nil) async throws
        -> VendorHTTPResponse
    {
        let transport = try CurlTransport()
        let url = HTTPURL.build(base: sandbox.baseURL, path: path, query: query)
        return try await transport.send(
            VendorHTTPRequest(url: url, headers: headers ?? [("Authorization", "Bearer " + sandbox.settings.adaToken)]))
    }

    @Test("Ada v2 rejects what the vendor rejects")
    func adaRules() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let start = sandbox.dataset.start
        let since = start.iso8601()
        let cases: [(String, [(String, String)], String)] = [
            ("/api/v2/export/messages", [], "created_since is required"),
            ("/api/v2/export/conversations", [("created_since", since), ("updated_since", since)], "mutually exclusive"),
            ("/api/v2/export/messages", [("updated_since", since)], "only be filtered by created"),
            (
                "/api/v2/export/messages", [("created_since", since), ("created_to", start.adding(seconds: 61 * 86_400).iso8601())],
                "60 days"
            ),
            ("/api/v2/export/messages", [("created_since", since), ("page_size", "50")], "page_size"),
            ("/api/v2/export/messages", [("created_since", since), ("page_size", "10001")], "page_size"),
            ("/api/v2/export/messages", [("created_since", "2026-01-01T00:00:00")], "ending with 'Z'"),
            ("/api/v2/export/messages", [("created_since", Timestamp.now.adding(seconds: -400 * 86_400).iso8601())], "previous year"),
        ]
        for (path, query, fragment) in cases {
            let response = try await get(sandbox, path, query)
            #expect(response.status == 400, "\(query)")
            #expect(
                String(decoding: response.body, as: UTF8.self).contains(fragment),
                "\(query): \(String(decoding: response.body, as: UTF8.self))")
        }
        let unauthorized = try await get(sandbox, "/api/v2/export/messages", [("created_since", since)], headers: [])
        #expect(unauthorized.status == 401)
    }

    @Test("Ada v2 pages cover the dataset exactly, re-sending boundary records", arguments: SandboxSettings.NextLink.allCases)
    func adaPaging(link: SandboxSettings.NextLink) async throws {
        var settings = SandboxSettings()
        settings.nextLink = link
        settings.recordKey = link == .relative ? "items" : "data"
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let start = sandbox.dataset.start
        var url: String? = HTTPURL.build(
            base: sandbox.baseURL,
            path: "/api/v2/export/messages",
            query: [("created_since", start.iso8601()), ("created_to", sandbox.settings.end.iso8601()), ("page_size", "100")]
        )
        var ids: [String] = []
        var pages = 0
        while let current = url {
            let response = try await CurlTransport().send(
                VendorHTTPRequest(url: current, headers: [("Authorization", "Bearer " + settings.adaToken)]))
            #expect(response.status == 200)
            let page = try PageScanner.scan(
                response.body, stream: "messages", recordKeys: [settings.recordKey], layout: RecordLayout(cursorField: "date_created"))
            ids += page.records.map(\.id)
            url = page.members["meta"]?["next_page_uri"]?.stringValue.flatMap { HTTPURL.resolve($0, against: current) }
            pages += 1
        }
        let expected = sandbox.dataset.adaMessages.map(\.id)
        #expect(pages > 10)
        #expect(ids.count > expected.count)  // boundary records come twice
        var seen = Set<String>()
        #expect(ids.filter { seen.insert($0).inserted } == expected)
    }

    @Test("DeepConverse checks key and bot, pages by cursor, and expires cursors")
    func deepConverse() async throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let key = [("x-api-key", sandbox.settings.deepConverseKey)]
        let bounds = [("start_time", "\(sandbox.dataset.start.epochSeconds)"), ("end_time", "\(sandbox.settings.end.epochSeconds)")]
        let path = "/conversations/export/v1/messages"
        #expect(try await get(sandbox, path, bounds + [("bot_name", "sandbox-bot")], headers: []).status == 401)
        #expect(try await get(sandbox, path, bounds + [("bot_name", "sandbox-bot")], headers: [("x-api-key", "nope")]).status == 403)
        #expect(try await get(sandbox, path, bounds + [("bot_name", "other")], headers: key).status == 404)
        #expect(try await get(sandbox, path, bounds + [("bot_name", "sandbox-bot"), ("per_page", "1001")], headers: key).status == 400)
        #expect(try await get(sandbox, path, [("bot_name", "sandbox-bot")], headers: key).status == 400)
        var cursor: String?
        var ids: [String] = []
        repeat {
            let query = bounds + [("bot_name", "sandbox-bot"), ("per_page", "200")] + (cursor.map { [("cursor", $0)] } ?? [])
            let response = try await get(sandbox, path, query, headers: key)
            #expect(response.status == 200)
            let page = try PageScanner.scan(
                response.body, stream: "messages", recordKeys: ["data"],
                layout: RecordLayout(cursorField: "time", cursorFormat: .epochOrISO8601))
            ids += page.records.map(\.id)
            cursor = page.members["cursor"]?.stringValue
        } while cursor != nil
        #expect(ids == sandbox.dataset.deepConverseMessages.map(\.id))

        let first = try await get(sandbox, path, bounds + [("bot_name", "sandbox-bot"), ("per_page", "10")], headers: key)
        let issued = try #require(try JSONValue.parse(first.body)["cursor"]?.stringValue)
        sandbox.expireCursors()
        let expired = try await get(
            sandbox, path, bounds + [("bot_name", "sandbox-bot"), ("per_page", "10"), ("cursor", issued)], headers: key)
        #expect(expired.status == 400)
        #expect(String(decoding: expired.body, as: UTF8.self).contains("expired cursor"))
    }

    @Test("injected faults are deterministic from the seed and every request succeeds within the faulty attempts")
    func faults() async throws {
        var settings = SandboxSettings()
        settings.errorRate = 0.3
        settings.throttleRate = 0.2
        settings.truncateRate = 0.2
        func statuses() async throws -> [Int] {
            let sandbox = try VendorSandbox(settings: settings)
            defer { sandbox.stop() }
            let query = [
                ("created_since", sandbox.dataset.start.iso8601()), ("created_to", sandbox.dataset.start.adding(seconds: 86_400).iso8601()),
            ]
            // Generous timeouts: on a loaded machine a slow answer is waited for, not counted as a fault.
            let transport = try CurlTransport(options: .init(connectTimeout: .seconds(120), requestTimeout: .seconds(600)))
            let url = HTTPURL.build(base: sandbox.baseURL, path: "/api/v2/export/conversations", query: query)
            let request = VendorHTTPRequest(url: url, headers: [("Authorization", "Bearer " + sandbox.settings.adaToken)])
            var seen: [Int] = []
            for _ in 0...settings.faultyAttempts {
                do {
                    seen.append(try await transport.send(request).status)
                } catch let error as HTTPTransportError where error.kind == .truncated {
                    // The injected fault: a body cut off. Any other error fails the test with its message.
                    seen.append(-1)
                }
            }
            return seen
        }
        let first = try await statuses()
        #expect(first == (try await statuses()))
        #expect(first.last == 200)
    }

    @Test(
        "Ada records carry the newer data, the same for a seed: tool calls, SMS consent, CSAT by SMS, an undocumented type, the last agent"
    )
    func adaNewerData() throws {
        let dataset = SandboxDataset(settings: SandboxSettings())
        let again = SandboxDataset(settings: SandboxSettings())
        #expect(dataset.adaMessages.map(\.json) == again.adaMessages.map(\.json))
        #expect(dataset.adaConversations.map(\.json) == again.adaConversations.map(\.json))
        var types: [String: Int] = [:]
        var csatShapes = Set<String>()
        for message in dataset.adaMessages {
            let record = try JSONValue.parse(message.json)
            let data = try #require(record["message_data"])
            let type = data["_type"]?.stringValue ?? ""
            types[type, default: 0] += 1
            let fromAda = record["sender"]?.stringValue == "ada"
            switch type {
            case "tool_call":
                #expect(fromAda && data["body"] == nil, "\(record)")
                #expect(
                    data["tool_name"]?.stringValue?.isEmpty == false
                        && ["action", "handoff"].contains(data["tool_type"]?.stringValue ?? ""))
            case "sms_consent_asked":
                #expect(fromAda && data["body"]?.stringValue != nil, "\(record)")
            case "csat_shown":
                #expect(fromAda)
                csatShapes.insert((data["body"] == nil ? "" : "body") + (data["sms_text"] == nil ? "" : "+sms_text"))
            case "voice_transcript_summary":
                #expect(fromAda && data["body"] == nil && data["summary"]?.stringValue != nil, "\(record)")
            default:
                #expect(data["body"]?.stringValue != nil && data["sms_text"] == nil && data["tool_name"] == nil, "\(record)")
            }
        }
        #expect(types["sms_text"] == nil, "sms_text is a field of csat_shown, not a type")
        for type in ["text", "greeting", "link", "picture", "quick_replies", "file_upload", "sms_consent_asked", "tool_call"] {
            #expect(types[type, default: 0] > 0, "\(type)")
        }
        #expect(types["voice_transcript_summary", default: 0] * 100 < dataset.adaMessages.count * 5, "now and then: \(types)")
        #expect(csatShapes == ["+sms_text", "body", "body+sms_text"])
        var lastAgents: [String?] = []
        for conversation in dataset.adaConversations {
            let record = try JSONValue.parse(conversation.json)
            let ids = record["agent_id"]?.arrayValue ?? []
            let names = record["agent_name"]?.arrayValue ?? []
            #expect(ids.count == names.count)
            #expect(record["last_agent_id"] == (ids.last ?? .null) && record["last_agent_name"] == (names.last ?? .null), "\(record)")
            lastAgents.append(record["last_agent_name"]?.stringValue)
        }
        #expect(Set(lastAgents) == [nil, "Ada Lovelace", "Zoë Ōtsuka"])
    }

    @Test("Ada messages a test gives texts for always carry one as body, whatever their type")
    func adaGivenTexts() throws {
        var settings = SandboxSettings()
        settings.messageTexts = ["first text", "second text"]
        let dataset = SandboxDataset(settings: settings)
        for (index, message) in dataset.adaMessages.enumerated() {
            let body = try JSONValue.parse(message.json)["message_data"]?["body"]?.stringValue
            #expect(body == "first text" || body == "second text", "message \(index)")
        }
    }
}
