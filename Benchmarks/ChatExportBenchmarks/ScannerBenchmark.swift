import ConnectorKit
import Foundation

/// Splitting a 10k-record Ada v2 messages page into records and extracting the cursor fields,
/// next to Foundation's JSONSerialization parsing the same page.
enum ScannerBenchmark {
    static let recordCount = 10_000

    /// A realistic Ada v2 messages page: the documented fields, unicode, escapes and nulls.
    static func page() -> [UInt8] {
        var out = "{\"data\":["
        let bodies = [
            "Hi! I need help with my order #1234 👋", "我的订单在哪里？", "مرحبا، أحتاج إلى مساعدة",
            "Line one\\nline two \\\"quoted\\\" \\\\ slash", "Café ☕ naïve façade — ok?",
        ]
        let base = Timestamp(iso8601: "2026-03-01T00:00:00Z")!
        for index in 0..<recordCount {
            if index > 0 { out += "," }
            let id = String(format: "6d%022x", index)
            let conversation = String(format: "5c%022x", index / 8)
            let time = base.adding(seconds: Int64(index * 3)).iso8601(fractionDigits: 6).dropLast() + "+00:00"
            out += "{\"_id\":\"\(id)\",\"answer_id\":\(index % 3 == 0 ? "null" : "\"6392e0f865ba38041ddd5966\""),"
            out += "\"answer_title\":\(index % 3 == 0 ? "null" : "\"Greeting\""),\"chatter_id\":\"6009dd3c81dfae3a4e990acb\","
            out += "\"conversation_id\":\"\(conversation)\",\"date_created\":\"\(time)\",\"link_was_clicked\":false,"
            out +=
                "\"message_data\":{\"_type\":\"text\",\"body\":\"\(bodies[index % bodies.count])\",\"external_chat_id\":\"b9e51eae-5449-4a46-b6ce-aef2dcb4e067\",\"reviewable_message\":false},"
            out += "\"recipient\":\"ada\",\"record_last_updated\":\"\(time)\",\"review\":0,"
            out += "\"sender\":\"b9e51eae-5449-4a46-b6ce-aef2dcb4e067\",\"in_response_to\":null}"
        }
        out += "],\"meta\":{\"next_page_uri\":null}}"
        return Array(out.utf8)
    }

    static func run() throws -> [BenchmarkResult] {
        let bytes = page()
        let megabytes = Double(bytes.count) / 1_000_000
        let layout = RecordLayout(cursorField: "date_created", parentField: "conversation_id")
        var checksum = 0
        let scanner = try bestTime {
            let scanned = try PageScanner.scan(bytes, stream: "messages", recordKeys: ["data", "items"], layout: layout)
            precondition(scanned.records.count == recordCount)
            checksum &+= scanned.records.count
        }
        let data = Data(bytes)
        let foundation = try bestTime {
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            checksum &+= (object?["data"] as? [Any])?.count ?? 0
        }
        precondition(checksum > 0)
        func result(_ contender: String, _ seconds: Double, target: String = "") -> BenchmarkResult {
            BenchmarkResult(
                benchmark: "scanner (10k page)",
                contender: contender,
                metrics: [
                    ("MB/s", megabytes / seconds, "MB/s"), ("records/s", Double(recordCount) / seconds, "rec/s"),
                    ("page", seconds * 1000, "ms"),
                ],
                target: target
            )
        }
        return [
            result("PageScanner split+extract", scanner, target: "≥ 300 MB/s"),
            result("JSONSerialization parse", foundation),
        ]
    }
}
