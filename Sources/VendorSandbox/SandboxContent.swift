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
        var out =
            "{\"_id\":\"\(conversation.id)\",\"agent_id\":[\"619d95c0c063a5bf2b1efb7c\"],\"agent_handle_time\":\(random.next() % 600),"
        out +=
            "\"agent_name\":[\"Ada Lovelace\"],\"automated_resolution_classification\":\"\(random.next() % 2 == 0 ? "Resolved" : "Not Resolved")\","
        out += "\"bot_handle_time\":\(Double(random.next() % 10_000) / 10),\"browser\":\"chrome\",\"browser_version\":\"95.0.4638.69\","
        out += "\"chatter_id\":\"\(chatter(index, seed: seed))\",\"csat\":\(csat),"
        out += "\"date_created\":\"\(zoneless(conversation.created))\",\"date_updated\":\"\(zoneless(conversation.updated))\","
        out += "\"device\":\"macos\",\"end_user_id\":\(index % 4 == 0 ? "null" : "\"\(endUser(index))\""),"
        out +=
            "\"generated_topic_label\":\(index % 5 == 0 ? "null" : "\"Billing Inquiries\""),\"inquiry_summary\":\(JSONValue.quoted(summary)),"
        out += "\"is_engaged\":\(random.next() % 3 != 0),\"is_escalated\":\(random.next() % 4 == 0),\"is_test_user\":false,"
        out +=
            "\"language\":\"\(languages[index % languages.count])\",\"metavariables\":{\"browser\":\"chrome\",\"language\":\"\(languages[index % languages.count])\"},"
        out += "\"platform\":\"\(platforms[index % platforms.count])\",\"record_last_updated\":\(recordLastUpdated),"
        out += "\"variables\":{\"account_number\":\"\(1000 + index)\",\"note\":\(JSONValue.quoted(text(index + 3)))}}"
        return Array(out.utf8)
    }

    /// The Ada end user of conversation `index` (two conversations each; every fourth has none).
    static func endUser(_ index: Int) -> String { "eu-\(index / 2)" }

    /// The Ada chatter of conversation `index`, also on its messages.
    static func chatter(_ index: Int, seed: UInt64) -> String { SandboxRandom.hex(prefix: "5e", index: index, seed: seed, length: 24) }

    static func adaMessage(
        id: String, conversation: String, chatter: String, created: Timestamp, index: Int, body: String? = nil, random: inout SandboxRandom
    ) -> [UInt8] {
        let fromAda = random.next() % 2 == 0
        let types = ["text", "greeting", "link", "sms_text", "image", "quick_replies"]
        let type = types[Int(random.next() % UInt64(types.count))]
        var out = "{\"_id\":\"\(id)\",\"answer_id\":\(fromAda ? "\"6392e0f865ba38041ddd5966\"" : "null"),"
        out += "\"answer_title\":\(fromAda ? JSONValue.quoted(index % 3 == 0 ? "Greeting" : "Order status — 订单") : "null"),"
        out +=
            "\"chatter_id\":\"\(chatter)\",\"conversation_id\":\"\(conversation)\",\"date_created\":\"\(withOffset(created))\","
        out += "\"link_was_clicked\":\(type == "link" ? "true" : "false"),"
        out +=
            "\"message_data\":{\"_type\":\"\(type)\",\"body\":\(JSONValue.quoted(body ?? text(index))),\"external_chat_id\":\"b9e51eae-5449-4a46-b6ce-aef2dcb4e067\",\"reviewable_message\":\(fromAda)},"
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
