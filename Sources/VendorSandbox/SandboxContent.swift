public import ConnectorKit
import Foundation

/// Renders sandbox records as the vendors do: field order and timestamp formats from the vendor
/// docs, with realistic content (emoji, CJK, right-to-left text, escapes, nulls, long strings).
enum SandboxContent {
    static let texts = [
        "Hi! I need help with my order 👋", "我的订单在哪里？请帮忙查询", "مرحبا، أحتاج إلى مساعدة في حسابي", "שלום, אני צריך עזרה",
        "He said \"refund\" \\ then left\nnew line\ttab", "Café ☕ — naïve façade", "control \u{01}\u{1F} chars", "𝄞 music 🎵 and 👩‍👩‍👧",
    ]

    static func text(_ index: Int) -> String { texts[index % texts.count] }

    /// Ada timestamps in records: conversations without a zone, messages with microseconds and `+00:00`.
    static func zoneless(_ time: Timestamp) -> String { String(time.iso8601().dropLast()) }
    static func withOffset(_ time: Timestamp) -> String { String(time.iso8601(fractionDigits: 6).dropLast()) + "+00:00" }

    static func adaConversation(_ conversation: SandboxDataset.AdaConversation, index: Int, seed: UInt64) -> [UInt8] {
        var random = SandboxRandom(seed: seed &+ UInt64(index) &* 31 &+ UInt64(conversation.revision))
        let platforms = ["chat", "sms", "email", "messenger", "zendesk"]
        let languages = ["en", "fr", "zh", "ar", "he", "de"]
        let recordLastUpdated: String
        switch index % 3 {
        case 0: recordLastUpdated = "{}"
        case 1: recordLastUpdated = "\"\(withOffset(conversation.updated))\""
        default: recordLastUpdated = "null"
        }
        let csat =
            conversation.revision > 0
            ? "{\"comment\":\(JSONValue.quoted(text(index + conversation.revision))),\"feedback\":null,\"is_positive\":\(random.next() % 2 == 0),\"resolved\":true,\"score\":\(1 + random.next() % 5),\"style\":\"EMOJI\",\"survey_type\":\"end_chat\"}"
            : "{}"
        let summary = index % 50 == 7 ? String(repeating: text(index) + " ", count: 400) : text(index)
        // Drawn in the order the fields once were, so the other values stay what they were.
        let agentHandleTime = random.next() % 600
        let resolved = random.next() % 2 == 0
        let botHandleTime = Double(random.next() % 10_000) / 10
        let engaged = random.next() % 3 != 0
        let escalated = random.next() % 4 == 0
        // An escalated conversation had one or two agents, the last of them in last_agent_id and
        // last_agent_name (null without one).
        let agents = escalated ? Array(adaAgents.prefix(1 + index % 2)) : []
        let lastAgent = agents.last
        var out = "{\"_id\":\"\(conversation.id)\",\"agent_id\":[" + agents.map { "\"\($0.id)\"" }.joined(separator: ",") + "],"
        out += "\"agent_handle_time\":\(agents.isEmpty ? 0 : agentHandleTime),"
        out += "\"agent_name\":[" + agents.map { JSONValue.quoted($0.name) }.joined(separator: ",") + "],"
        out += "\"automated_resolution_classification\":\"\(resolved ? "Resolved" : "Not Resolved")\","
        out += "\"bot_handle_time\":\(botHandleTime),\"browser\":\"chrome\",\"browser_version\":\"95.0.4638.69\","
        out += "\"chatter_id\":\"\(chatter(index, seed: seed))\",\"csat\":\(csat),"
        out += "\"date_created\":\"\(zoneless(conversation.created))\",\"date_updated\":\"\(zoneless(conversation.updated))\","
        out += "\"device\":\"macos\",\"end_user_id\":\(index % 4 == 0 ? "null" : "\"\(endUser(index))\""),"
        out +=
            "\"generated_topic_label\":\(index % 5 == 0 ? "null" : "\"Billing Inquiries\""),\"inquiry_summary\":\(JSONValue.quoted(summary)),"
        out += "\"is_engaged\":\(engaged),\"is_escalated\":\(escalated),\"is_test_user\":false,"
        let language = languages[index % languages.count]
        out += "\"language\":\"\(language)\",\"last_agent_id\":\(lastAgent.map { "\"\($0.id)\"" } ?? "null"),"
        out += "\"last_agent_name\":\(lastAgent.map { JSONValue.quoted($0.name) } ?? "null"),"
        out += "\"metavariables\":{\"browser\":\"chrome\",\"language\":\"\(language)\"},"
        out += "\"platform\":\"\(platforms[index % platforms.count])\",\"record_last_updated\":\(recordLastUpdated),"
        out += "\"variables\":{\"account_number\":\"\(1000 + index)\",\"note\":\(JSONValue.quoted(text(index + 3)))}}"
        return Array(out.utf8)
    }

    /// The agents of Ada conversations (`agent_id`, `agent_name`).
    static let adaAgents: [(id: String, name: String)] = [
        ("619d95c0c063a5bf2b1efb7c", "Ada Lovelace"), ("619d95c0c063a5bf2b1efb7d", "Zoë Ōtsuka"),
    ]

    /// The Ada end user of conversation `index` (two conversations each; every fourth has none).
    static func endUser(_ index: Int) -> String { "eu-\(index / 2)" }

    /// The Ada chatter of conversation `index`, also on its messages.
    static func chatter(_ index: Int, seed: UInt64) -> String { SandboxRandom.hex(prefix: "5e", index: index, seed: seed, length: 24) }

    /// What an Ada bot sends, out of 100: its messages, the answers a tool call stands for, the
    /// CSAT survey and SMS consent, and now and then a type Ada has not documented yet (which a
    /// connector must keep, never drop).
    static let adaBotTypes: [(type: String, weight: Int)] = [
        ("text", 24), ("greeting", 10), ("link", 10), ("picture", 6), ("quick_replies", 12), ("csat_shown", 10),
        ("sms_consent_asked", 8), ("tool_call", 16), ("voice_transcript_summary", 4),
    ]

    /// What an Ada chatter sends, out of 100.
    static let adaChatterTypes: [(type: String, weight: Int)] = [("text", 80), ("quick_replies", 10), ("file_upload", 10)]

    /// The tools an Ada AI Agent selects (`tool_call`): Actions and Handoffs.
    static let adaTools: [(name: String, type: String)] = [
        ("Check order status", "action"), ("Look up account — 查询账户", "action"), ("Cancel subscription", "action"),
        ("Transfer to live agent", "handoff"), ("Escalate to billing — facturation", "handoff"),
    ]

    /// The texts an Ada CSAT survey sent by SMS (`sms_text` on `csat_shown`).
    static let adaSMSTexts = [
        "How did we do today? Reply with a score from one to five 🙂", "¿Cómo lo hicimos? Responda con una puntuación",
        "Merci ! Notez notre échange, de un à cinq",
    ]

    /// A type out of weighted choices, by a draw's low bits.
    static func pick(_ choices: [(type: String, weight: Int)], _ draw: UInt64) -> String {
        var slot = Int(draw % UInt64(choices.reduce(0) { $0 + $1.weight }))
        for choice in choices {
            if slot < choice.weight { return choice.type }
            slot -= choice.weight
        }
        return choices[0].type
    }

    /// An Ada message: the message type, and what it holds, from one draw (so the records after it
    /// are the same whatever the type). A body the settings give is always sent, as `body`.
    static func adaMessage(
        id: String, conversation: String, chatter: String, created: Timestamp, index: Int, body: String? = nil, random: inout SandboxRandom
    ) -> [UInt8] {
        let fromAda = random.next() % 2 == 0
        let draw = random.next()
        let type = pick(fromAda ? adaBotTypes : adaChatterTypes, draw)
        let variant = Int(truncatingIfNeeded: (draw >> 32) % 1000)
        // Each key of message_data with its JSON, in Ada's (alphabetical) order.
        var data: [(String, String)] = [("_type", JSONValue.quoted(type))]
        let bodyJSON = JSONValue.quoted(body ?? text(index))
        switch type {
        case "tool_call":
            // No body: the tool's name is what it says (a test's texts are still sent, as body).
            let tool = adaTools[variant % adaTools.count]
            if body != nil { data.append(("body", bodyJSON)) }
            data += [("tool_name", JSONValue.quoted(tool.name)), ("tool_type", JSONValue.quoted(tool.type))]
        case "csat_shown":
            // By SMS (sms_text), in the chat (body), or both.
            let shape = variant % 3
            if shape != 0 || body != nil { data.append(("body", bodyJSON)) }
            if shape != 1 { data.append(("sms_text", JSONValue.quoted(adaSMSTexts[variant % adaSMSTexts.count]))) }
        case "voice_transcript_summary":
            if body != nil { data.append(("body", bodyJSON)) }
            data.append(("summary", JSONValue.quoted("Caller asked about " + text(index + 1))))
        default:
            data.append(("body", bodyJSON))
        }
        data += [("external_chat_id", "\"b9e51eae-5449-4a46-b6ce-aef2dcb4e067\""), ("reviewable_message", "\(fromAda)")]
        data.sort { $0.0 < $1.0 }
        var out = "{\"_id\":\"\(id)\",\"answer_id\":\(fromAda ? "\"6392e0f865ba38041ddd5966\"" : "null"),"
        out += "\"answer_title\":\(fromAda ? JSONValue.quoted(index % 3 == 0 ? "Greeting" : "Order status — 订单") : "null"),"
        out +=
            "\"chatter_id\":\"\(chatter)\",\"conversation_id\":\"\(conversation)\",\"date_created\":\"\(withOffset(created))\","
        out += "\"link_was_clicked\":\(type == "link" ? "true" : "false"),"
        out += "\"message_data\":{" + data.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "},"
        out +=
            "\"recipient\":\"\(fromAda ? "chatter" : "ada")\",\"record_last_updated\":\"\(withOffset(created))\",\"review\":\(random.next() % 3),"
        out += "\"sender\":\"\(fromAda ? "ada" : "b9e51eae-5449-4a46-b6ce-aef2dcb4e067")\",\"in_response_to\":null}"
        return Array(out.utf8)
    }
}

/// A DeepConverse record: its id, the time it is filtered and ordered by, and its JSON.
public struct DeepConverseRecord: Sendable {
    /// `_id` (32 hex digits).
    public var id: String
    /// The time the API filters by: `startTime` for conversations, `time` for messages.
    public var time: Timestamp
    /// The record's JSON.
    public var json: [UInt8]
    /// Seconds after ``time`` the vendor shows it (0, or the settings' `lateBy`).
    public var delay: Int64 = 0
    var fields: [(String, String)]

    mutating func touch(at time: Timestamp, format: SandboxSettings.EpochFormat) {
        guard let index = fields.firstIndex(where: { $0.0 == "lastActionAt" }) else { return }
        fields[index].1 = DeepConverseRecord.render(time, format)
        json = DeepConverseRecord.render(fields)
    }

    /// The end user of conversation `index` (`metadata.userId`; three conversations each).
    static func user(_ index: Int) -> String { "user-\(index / 3)" }

    static func render(_ time: Timestamp, _ format: SandboxSettings.EpochFormat) -> String {
        switch format {
        case .seconds: "\(time.epochSeconds)"
        case .milliseconds: "\(time.microseconds / 1000)"
        case .iso8601: "\"\(time.iso8601(fractionDigits: 3))\""
        }
    }

    static func render(_ fields: [(String, String)]) -> [UInt8] {
        Array(("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}").utf8)
    }
}

extension SandboxDataset {
    mutating func generateDeepConverse() {
        var random = SandboxRandom(seed: settings.seed ^ 0xDC)
        let span = max(1, settings.end.epochSeconds - start.epochSeconds - 3600)
        let format = settings.epochFormat
        var conversations: [DeepConverseRecord] = []
        var messages: [DeepConverseRecord] = []
        for index in 0..<settings.conversations {
            let startTime = Timestamp(epochSeconds: start.epochSeconds + Int64(random.next() % UInt64(span)))
            let id = SandboxRandom.hex(prefix: "dc", index: index, seed: settings.seed, length: 32)
            let count = 1 + Int(random.next() % UInt64(max(1, 2 * settings.messagesPerConversation - 1)))
            var time = startTime
            for k in 0..<count {
                time = time.adding(seconds: Int64(1 + random.next() % 30))
                let messageID = SandboxRandom.hex(prefix: "dm", index: messages.count, seed: settings.seed, length: 32)
                let userInput = k % 2 == 0
                var fields: [(String, String)] = [
                    ("_id", "\"\(messageID)\""), ("time", DeepConverseRecord.render(time, format)), ("conversationId", "\"\(id)\""),
                    ("type", userInput ? "\"UserInput\"" : "\"BotMessage\""),
                    ("outMsg", userInput ? "null" : "{\"text\":\(JSONValue.quoted(SandboxContent.text(index + k))),\"buttons\":[]}"),
                ]
                if userInput {
                    fields += [("userActionType", "\"text\""), ("userInput", JSONValue.quoted(SandboxContent.text(index + k + 1)))]
                }
                messages.append(DeepConverseRecord(id: messageID, time: time, json: DeepConverseRecord.render(fields), fields: fields))
            }
            let tags = ["resolved", "informed", "liveChat"].filter { _ in random.next() % 2 == 0 }
            let fields: [(String, String)] = [
                ("_id", "\"\(id)\""), ("startTime", "\(startTime.epochSeconds)"), ("lastActionAt", DeepConverseRecord.render(time, format)),
                ("locale", index % 3 == 0 ? "\"en-US\"" : "\"fr-FR\""),
                ("tags", "[" + tags.map { "\"\($0)\"" }.joined(separator: ",") + "]"),
                (
                    "metadata",
                    "{\"channel\":\"web\",\"note\":\(JSONValue.quoted(SandboxContent.text(index))),\"empty\":null,\"userId\":\"\(DeepConverseRecord.user(index))\"}"
                ),
            ]
            conversations.append(DeepConverseRecord(id: id, time: startTime, json: DeepConverseRecord.render(fields), fields: fields))
        }
        for index in conversations.indices { conversations[index].delay = lateness(conversations[index].id) }
        for index in messages.indices { messages[index].delay = lateness(messages[index].id) }
        deepConverseConversations = conversations.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
        deepConverseMessages = messages.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
    }
}
