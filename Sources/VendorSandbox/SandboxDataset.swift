public import ConnectorKit
import Foundation

/// The sandbox's records, generated deterministically from the settings, each pre-rendered as the
/// exact JSON bytes the vendor would send.
public struct SandboxDataset: Sendable {
    /// An Ada conversation.
    public struct AdaConversation: Sendable {
        /// `_id`
        public var id: String
        /// `date_created`
        public var created: Timestamp
        /// `date_updated`
        public var updated: Timestamp
        /// How many times the conversation was updated after creation.
        public var revision: Int
        /// Seconds after its last update the vendor shows it (0, or the settings' `lateBy`).
        public var delay: Int64 = 0
        /// The record's JSON.
        public var json: [UInt8]
    }

    /// An Ada message.
    public struct AdaMessage: Sendable {
        /// `_id`
        public var id: String
        /// `conversation_id`
        public var conversationID: String
        /// `date_created`
        public var created: Timestamp
        /// The record's JSON.
        public var json: [UInt8]
        /// Seconds after its time the vendor shows it (0, or the settings' `lateBy`).
        public var delay: Int64 = 0
    }

    /// The settings the dataset was generated from.
    public let settings: SandboxSettings
    /// Ada conversations, sorted by (`date_created`, `_id`).
    public internal(set) var adaConversations: [AdaConversation] = []
    /// Ada messages, sorted by (`date_created`, `_id`).
    public internal(set) var adaMessages: [AdaMessage] = []
    /// DeepConverse conversations, sorted by (`startTime`, `_id`).
    public internal(set) var deepConverseConversations: [DeepConverseRecord] = []
    /// DeepConverse messages, sorted by (`time`, `_id`).
    public internal(set) var deepConverseMessages: [DeepConverseRecord] = []

    /// The first instant of the data.
    public var start: Timestamp { settings.end.adding(seconds: -Int64(settings.days) * 86_400) }

    /// Generates the dataset.
    ///
    /// - Parameter settings: The settings.
    public init(settings: SandboxSettings) {
        self.settings = settings
        generateAda()
        generateDeepConverse()
    }

    private mutating func generateAda() {
        var random = SandboxRandom(seed: settings.seed)
        let span = max(1, settings.end.microseconds - start.microseconds - 3_600_000_000)
        var conversations: [AdaConversation] = []
        var messages: [AdaMessage] = []
        var previous: Timestamp?
        var chatters: [String: String] = [:]
        let texts = settings.messageTexts ?? []
        let body = { (index: Int) in texts.isEmpty ? nil : texts[index % texts.count] }
        for index in 0..<settings.conversations {
            // Every tenth conversation shares the previous one's timestamp exactly.
            var created = Timestamp(microseconds: start.microseconds + Int64(random.next() % UInt64(span)) / 1_000_000 * 1_000_000)
            if index % 10 == 9, let previous { created = previous }
            previous = created
            let id = SandboxRandom.hex(prefix: "5d", index: index, seed: settings.seed, length: 24)
            let chatter = SandboxContent.chatter(index, seed: settings.seed)
            chatters[id] = chatter
            var updated = created.adding(seconds: Int64(60 + random.next() % 1800))
            var revision = 0
            if random.unit() < settings.updatedFraction {
                updated = created.adding(seconds: Int64(86_400 + random.next() % UInt64(5 * 86_400)))
                revision = 1
            }
            if updated > settings.end { updated = settings.end.adding(seconds: -1) }
            let count = 1 + Int(random.next() % UInt64(max(1, 2 * settings.messagesPerConversation - 1)))
            var time = created
            for k in 0..<count {
                time = time.adding(seconds: Int64(random.next() % 40))
                if time >= settings.end { time = settings.end.adding(seconds: -1) }
                let messageID = SandboxRandom.hex(prefix: "6d", index: messages.count, seed: settings.seed, length: 24)
                let micros = Int64(random.next() % 1_000_000)
                let stamp = Timestamp(microseconds: time.microseconds + (k % 7 == 3 ? 0 : micros))
                messages.append(
                    AdaMessage(
                        id: messageID,
                        conversationID: id,
                        created: stamp,
                        json: SandboxContent.adaMessage(
                            id: messageID, conversation: id, chatter: chatter, created: stamp, index: messages.count,
                            body: body(messages.count),
                            random: &random)
                    )
                )
            }
            var conversation = AdaConversation(id: id, created: created, updated: updated, revision: revision, json: [])
            conversation.json = SandboxContent.adaConversation(conversation, index: index, seed: settings.seed)
            conversations.append(conversation)
        }
        if settings.tieGroup > 0, !messages.isEmpty {
            // The first `tieGroup` messages of the middle conversation onwards share its first message's time.
            let first = messages.count / 2
            let shared = Timestamp(epochSeconds: messages[first].created.epochSeconds)
            for index in first..<min(messages.count, first + settings.tieGroup) {
                let message = messages[index]
                messages[index].created = shared
                messages[index].json = SandboxContent.adaMessage(
                    id: message.id, conversation: message.conversationID, chatter: chatters[message.conversationID] ?? "", created: shared,
                    index: index, body: body(index), random: &random)
            }
        }
        for index in conversations.indices { conversations[index].delay = lateness(conversations[index].id) }
        for index in messages.indices { messages[index].delay = lateness(messages[index].id) }
        adaConversations = conversations.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
        adaMessages = messages.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    /// How late the vendor shows a record: ``SandboxSettings/lateBy`` for a deterministic
    /// ``SandboxSettings/lateFraction`` of ids, else 0.
    func lateness(_ id: String) -> Int64 {
        guard settings.lateFraction > 0, SandboxRandom.unit([id, "late"], seed: settings.seed) < settings.lateFraction else { return 0 }
        return Int64(settings.lateBy.rounded())
    }

    /// Marks `count` conversations (chosen deterministically) as updated at `time`, as when a
    /// chatter leaves a CSAT score later: their `date_updated` (and DeepConverse `lastActionAt`) move.
    ///
    /// - Parameters:
    ///   - count: How many conversations.
    ///   - time: The new update time.
    /// - Returns: The updated Ada conversation ids.
    @discardableResult
    public mutating func touchConversations(count: Int, at time: Timestamp) -> [String] {
        var touched: [String] = []
        guard !adaConversations.isEmpty else { return [] }
        let step = max(1, adaConversations.count / max(1, count))
        var index = Int(settings.seed % UInt64(step))
        while touched.count < count, index < adaConversations.count {
            adaConversations[index].updated = time
            adaConversations[index].revision += 1
            adaConversations[index].json = SandboxContent.adaConversation(adaConversations[index], index: index, seed: settings.seed)
            touched.append(adaConversations[index].id)
            if index < deepConverseConversations.count {
                deepConverseConversations[index].touch(at: time, format: settings.epochFormat)
            }
            index += step
        }
        return touched
    }
}

/// The sandbox's seeded generator, with helpers for ids and fault decisions.
struct SandboxRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x1234_5678) }

    mutating func next() -> UInt64 { generator.next() }

    /// A uniform value in [0, 1).
    mutating func unit() -> Double { generator.unit() }

    /// A hash of values into [0, 1), for deterministic fault decisions.
    static func unit(_ parts: [String], seed: UInt64) -> Double {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for part in parts {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01B3
            }
            hash ^= 0xFF
            hash = hash &* 0x100_0000_01B3
        }
        var mixer = SandboxRandom(seed: hash)
        return mixer.unit()
    }

    /// A deterministic id: `prefix` then hex digits of seed and index.
    static func hex(prefix: String, index: Int, seed: UInt64, length: Int) -> String {
        var mixer = SandboxRandom(seed: seed &+ UInt64(index) &* 0x1000_0000_0001)
        var digits = prefix
        while digits.count < length - 8 { digits += String(format: "%04x", mixer.next() & 0xFFFF) }
        digits = String(digits.prefix(length - 8))
        return digits + String(format: "%08x", index)
    }
}
