import ConnectorKit
import Foundation

extension VendorSandbox {
    /// DeepConverse: `start_time`/`end_time` (integer Unix seconds, required), `bot_name`
    /// (required), `per_page` (1...1000), `cursor` (opaque; passed back until null).
    func deepConverse(_ request: SandboxServer.Request) -> SandboxServer.Response {
        func error(_ status: Int, _ message: String) -> SandboxServer.Response {
            .json(status, Array("{\"message\":\(JSONValue.quoted(message))}".utf8))
        }
        let stream = String(request.path.dropFirst("/conversations/export/v1/".count))
        guard stream == "conversations" || stream == "messages" else { return error(404, "Not found") }
        guard let bot = request.parameter("bot_name"), !bot.isEmpty else { return error(400, "bot_name is required") }
        guard bot == settings.botName else { return error(404, "Bot not found: \(bot)") }
        guard let startText = request.parameter("start_time"), let endText = request.parameter("end_time") else {
            return error(400, "start_time and end_time are required")
        }
        guard let start = Int64(startText), let end = Int64(endText) else {
            return error(400, "start_time and end_time must be integer Unix timestamps in seconds")
        }
        guard end > start else { return error(400, "end_time must be after start_time") }
        var perPage = 1000
        if let text = request.parameter("per_page") {
            guard let value = Int(text), (1...1000).contains(value) else { return error(400, "per_page must be between 1 and 1000") }
            perPage = value
        }
        var offset = 0
        if let cursor = request.parameter("cursor"), !cursor.isEmpty {
            guard let decoded = DeepConverseCursor(cursor), decoded.start == start, decoded.end == end,
                decoded.epoch == currentCursorEpoch, Double(Timestamp.now.epochSeconds - decoded.issued) <= settings.cursorTTL
            else { return error(400, "Invalid or expired cursor") }
            offset = decoded.offset
        }
        let conversation = request.parameter("conversation_id")
        let now = self.now
        let (records, more) = withDataset { dataset -> ([[UInt8]], Bool) in
            let all = stream == "messages" ? dataset.deepConverseMessages : dataset.deepConverseConversations
            let lower = VendorSandbox.lowerBound(all.count) { all[$0].time.epochSeconds < start }
            var selected: [[UInt8]] = []
            var skipped = 0
            var index = lower
            while index < all.count, all[index].time.epochSeconds < end {
                let record = all[index]
                index += 1
                guard record.time.adding(seconds: record.delay) <= now else { continue }
                if let conversation, !record.fields.contains(where: { $0.0 == "conversationId" && $0.1 == "\"\(conversation)\"" }) {
                    continue
                }
                if skipped < offset {
                    skipped += 1
                    continue
                }
                if selected.count == perPage { return (selected, true) }
                selected.append(record.json)
            }
            return (selected, false)
        }
        let next =
            more
            ? "\""
                + DeepConverseCursor(
                    epoch: currentCursorEpoch, offset: offset + records.count, start: start, end: end, issued: Timestamp.now.epochSeconds
                ).encoded + "\""
            : "null"
        return page("data", records, trailer: ",\"cursor\":\(next)")
    }
}

/// The sandbox's opaque DeepConverse cursor.
struct DeepConverseCursor {
    var epoch: Int
    var offset: Int
    var start: Int64
    var end: Int64
    var issued: Int64

    init(epoch: Int, offset: Int, start: Int64, end: Int64, issued: Int64) {
        self.epoch = epoch
        self.offset = offset
        self.start = start
        self.end = end
        self.issued = issued
    }

    init?(_ text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|")
        guard parts.count == 6, parts[0] == "dc1", let epoch = Int(parts[1]), let offset = Int(parts[2]), let start = Int64(parts[3]),
            let end = Int64(parts[4]), let issued = Int64(parts[5])
        else { return nil }
        self.init(epoch: epoch, offset: offset, start: start, end: end, issued: issued)
    }

    var encoded: String {
        Data("dc1|\(epoch)|\(offset)|\(start)|\(end)|\(issued)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
