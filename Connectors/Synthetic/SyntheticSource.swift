public import ConnectorKit
import Foundation

/// A deterministic paged source that needs no vendor: Ada-shaped `conversations` and `messages`
/// generated from a seed, rendered as JSON pages and read back through ``PageScanner`` exactly as
/// a connector reads a vendor page.
///
/// The checkpoint is the number of records already emitted, so a resumed run continues at the
/// next record. `fail_after_pages` and `page_delay` let tests interrupt a run.
public struct SyntheticSource: Source {
    /// The source's settings.
    public struct Settings: Sendable, Hashable {
        /// Records per stream.
        public var records: Int
        /// Records per page.
        public var pageSize: Int
        /// The generator's seed.
        public var seed: UInt64
        /// The first record's timestamp.
        public var start: Timestamp
        /// Fail with a temporary error after emitting this many pages in one run.
        public var failAfterPages: Int?
        /// Sleep this long before each page.
        public var pageDelay: Duration

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - records: Records per stream.
        ///   - pageSize: Records per page.
        ///   - seed: The seed.
        ///   - start: The first timestamp.
        ///   - failAfterPages: Fail after this many pages.
        ///   - pageDelay: How long to sleep before each page.
        public init(
            records: Int = 1000,
            pageSize: Int = 100,
            seed: UInt64 = 1,
            start: Timestamp = Timestamp(iso8601: "2026-01-01T00:00:00Z")!,
            failAfterPages: Int? = nil,
            pageDelay: Duration = .zero
        ) {
            self.records = records
            self.pageSize = pageSize
            self.seed = seed
            self.start = start
            self.failAfterPages = failAfterPages
            self.pageDelay = pageDelay
        }
    }

    /// `synthetic seed <seed> <stream>`: a checkpoint of one generated dataset is never applied to another.
    ///
    /// - Parameter stream: The stream.
    /// - Returns: The identity.
    public func identity(of stream: StreamDescriptor) -> StreamIdentity {
        StreamIdentity(source: "synthetic", instance: "seed \(settings.seed)", stream: stream.name, cursor: stream.cursorField)
    }

    /// The streams this source offers.
    public static let allStreams: [StreamDescriptor] = [
        StreamDescriptor(
            name: "conversations",
            summary: "Synthetic conversations.",
            cursorField: "date_created",
            cursorColumn: "created_at",
            fields: [
                FieldDescriptor("platform"), FieldDescriptor("is_escalated", type: .boolean),
                FieldDescriptor("csat_score", path: ["csat", "score"], type: .integer),
            ]
        ),
        StreamDescriptor(
            name: "messages",
            summary: "Synthetic messages.",
            cursorField: "date_created",
            cursorColumn: "created_at",
            parentField: "conversation_id",
            fields: [FieldDescriptor("sender"), FieldDescriptor("message_type", path: ["message_data", "_type"])]
        ),
    ]

    /// The selected streams.
    public let streams: [StreamDescriptor]
    /// The settings.
    public let settings: Settings

    /// Creates a source.
    ///
    /// - Parameters:
    ///   - streams: Stream names to read (all when nil).
    ///   - settings: The settings.
    public init(streams: [String]? = nil, settings: Settings = Settings()) {
        self.streams = SyntheticSource.allStreams.filter { streams?.contains($0.name) ?? true }
        self.settings = settings
    }

    /// Reports that nothing needs checking.
    public func check(logger: ExportLogger) async throws -> [CheckResult] {
        streams.map { CheckResult(subject: $0.name, detail: "synthetic stream, \(settings.records) records") }
    }

    /// Emits pages from the checkpointed offset to the end.
    public func read(_ request: ReadRequest, emit: @Sendable (RecordBatch) async throws -> Void) async throws {
        var offset = request.checkpoint?.state["offset"]?.intValue ?? 0
        guard offset >= 0, offset <= settings.records else {
            throw ChatExportError(.failure, "checkpoint offset \(offset) is outside 0...\(settings.records)")
        }
        let layout = RecordLayout(cursorField: "date_created", parentField: request.stream.parentField)
        var pages = 0
        while offset < settings.records {
            try Task.checkCancellation()
            if let limit = settings.failAfterPages, pages >= limit {
                throw ChatExportError(.temporaryFailure, "synthetic failure after \(pages) pages (fail_after_pages)")
            }
            if settings.pageDelay > .zero { try await Task.sleep(for: settings.pageDelay) }
            let end = min(settings.records, offset + settings.pageSize)
            let page = renderPage(stream: request.stream.name, range: offset..<end)
            let scanned = try PageScanner.scan(page, stream: request.stream.name, recordKeys: ["data", "items"], layout: layout)
            offset = end
            pages += 1
            try await emit(
                RecordBatch(
                    stream: request.stream.name,
                    records: scanned.records,
                    checkpoint: Checkpoint(.object([("offset", .integer(offset))])),
                    progress: Double(offset) / Double(max(1, settings.records))
                )
            )
        }
    }

    /// Renders the page holding records `range` of `stream` as JSON bytes.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - range: Record indexes.
    /// - Returns: `{"data":[…],"meta":{…}}`
    public func renderPage(stream: String, range: Range<Int>) -> [UInt8] {
        var out = "{\"data\": ["
        for index in range {
            if index > range.lowerBound { out += ",\n  " }
            out += record(stream: stream, index: index)
        }
        out += "], \"meta\": {\"next_page_uri\": null}}"
        return Array(out.utf8)
    }

    /// The JSON text of one record, exactly as it appears in a page.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - index: The record index.
    /// - Returns: The record's JSON object text.
    public func record(stream: String, index: Int) -> String {
        var random = SplitMix64(seed: settings.seed &+ UInt64(index) &* 0x9E37_79B9 &+ (stream == "messages" ? 7 : 0))
        // Every fifth record shares the previous record's timestamp.
        let tick = index - (index % 5 == 4 ? 1 : 0)
        let time = settings.start.adding(seconds: Int64(tick) * 7)
        let id = SyntheticSource.identifier(stream: stream, index: index, seed: settings.seed)
        let texts = [
            "Hello! 👋 How can I help?", "请帮我查询订单", "مرحبا، أحتاج مساعدة", "Line one\nline two\t\"quoted\" \\ slash",
            "Café ☕ – naïve façade", "𝄞 music \u{1F3B5}", String(repeating: "long text ", count: 40),
        ]
        let text = texts[Int(random.next() % UInt64(texts.count))]
        if stream == "messages" {
            let conversation = SyntheticSource.identifier(stream: "conversations", index: index / 4, seed: settings.seed)
            let sender = random.next() % 2 == 0 ? "ada" : "chatter-\(random.next() % 1000)"
            return "{\"_id\": \"\(id)\", \"conversation_id\": \"\(conversation)\", "
                + "\"date_created\": \"\(time.iso8601(fractionDigits: 6).dropLast())+00:00\", \"sender\": \"\(sender)\", "
                + "\"message_data\": {\"_type\": \"text\", \"body\": \(JSONValue.quoted(text))}, \"review\": null, "
                + "\"record_last_updated\": {}}"
        }
        let platforms = ["chat", "sms", "email"]
        return "{\"_id\":\"\(id)\",\"date_created\":\"\(time.iso8601().dropLast())\",\"platform\":\"\(platforms[Int(random.next() % 3)])\","
            + "\"is_escalated\":\(random.next() % 2 == 0),\"csat\":{\"score\":\(random.next() % 5 + 1),\"comment\":null},"
            + "\"variables\":{\"note\":\(JSONValue.quoted(text))}}"
    }

    /// The id of record `index` of `stream`: 24 hex digits, unique per stream and seed.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - index: The record index.
    ///   - seed: The seed.
    /// - Returns: The id.
    public static func identifier(stream: String, index: Int, seed: UInt64) -> String {
        let prefix = stream == "messages" ? "6d" : "5c"
        let hex = String(UInt64(index), radix: 16)
        let seedHex = String(seed & 0xFFFF, radix: 16)
        return prefix + String(repeating: "0", count: 4 - seedHex.count) + seedHex
            + String(repeating: "0", count: 18 - hex.count) + hex
    }
}
