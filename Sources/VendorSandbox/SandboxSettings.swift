public import ConnectorKit

/// Everything about the sandbox a test or a person can turn: the dataset, credentials, response
/// shapes and fault injection. Faults are deterministic from ``seed``.
public struct SandboxSettings: Sendable {
    /// Where `meta.next_page_uri` points, and how it is written.
    public enum NextLink: String, Sendable, CaseIterable {
        /// `http://127.0.0.1:P/api/v2/export/messages?...`
        case absolute
        /// `/api/v2/export/messages?...`
        case rooted
        /// `messages?...` (relative to the current path)
        case relative
    }

    /// How DeepConverse's undocumented `lastActionAt` and message `time` are written.
    public enum EpochFormat: String, Sendable, CaseIterable {
        /// Integer seconds.
        case seconds
        /// Integer milliseconds.
        case milliseconds
        /// ISO-8601 text.
        case iso8601
    }

    /// The dataset's seed (and the faults').
    public var seed: UInt64 = 1
    /// Conversations per vendor.
    public var conversations: Int = 200
    /// Average messages per conversation (each has 1 to twice this many).
    public var messagesPerConversation: Int = 8
    /// The newest record's time bound; by default three hours before the sandbox starts.
    public var end: Timestamp = Timestamp(epochSeconds: Timestamp.now.epochSeconds / 3600 * 3600 - 3 * 3600)
    /// Days of data before ``end``.
    public var days: Int = 30
    /// Fraction of conversations updated some days after they were created.
    public var updatedFraction: Double = 0.2
    /// The sandbox's clock when it starts: the 12-month retention rule, and which records are
    /// shown yet (see ``VendorSandbox/setClock(_:)``).
    public var now: Timestamp = .now
    /// Fraction of records (chosen deterministically) the vendor shows only ``lateBy`` after
    /// their time; every other record is shown from its time on (a conversation from its last update).
    public var lateFraction: Double = 0
    /// Seconds after its time a late record is shown.
    public var lateBy: Double = 30 * 3600

    /// The bodies of Ada messages in turn (message k gets text k mod count) instead of the
    /// built-in samples: a labelled corpus for redaction, for example.
    public var messageTexts: [String]?

    /// The Ada token the sandbox accepts.
    public var adaToken = "sandbox-ada-token"
    /// The DeepConverse key the sandbox accepts.
    public var deepConverseKey = "sandbox-deepconverse-key"
    /// The DeepConverse bot name the sandbox knows.
    public var botName = "sandbox-bot"

    /// The v2 record array key: `data` (as the OpenAPI schema) or `items` (as the rendered reference).
    public var recordKey = "data"
    /// How v2 writes `meta.next_page_uri`.
    public var nextLink: NextLink = .absolute
    /// How DeepConverse writes `lastActionAt` and message `time`.
    public var epochFormat: EpochFormat = .seconds
    /// Seconds a DeepConverse cursor stays valid.
    public var cursorTTL: Double = 600

    /// Keep every Ada page rendered, by request target, and answer repeats from memory (for
    /// benchmarks, so the exporter's cost is what a run measures). Touching conversations clears it.
    public var cachePages = false

    /// Seconds of latency per request.
    public var latency: Double = 0
    /// Extra seconds of latency per record returned.
    public var latencyPerRecord: Double = 0
    /// Requests per second per endpoint before answering 429 (a token bucket of that size), or nil.
    public var rateLimit: Double?
    /// Requests per minute to the whole sandbox (a sliding minute of accepted requests) before
    /// 429s, like Ada v2's per-instance limit.
    public var perMinuteLimit: Int?
    /// Requests per UTC day to the whole sandbox before 429s.
    public var perDayLimit: Int?
    /// How many Ada messages share one timestamp (a tie group longer than a page), 0 for none.
    public var tieGroup = 0
    /// The `Retry-After` seconds sent with 429s, or nil for none.
    public var retryAfter: Int?
    /// Fraction of requests answered with a 5xx.
    public var errorRate: Double = 0
    /// Fraction of requests answered with a 429.
    public var throttleRate: Double = 0
    /// Fraction of 200 answers whose body is cut off.
    public var truncateRate: Double = 0
    /// Faults hit only the first this-many attempts of a given request, so every request succeeds eventually.
    public var faultyAttempts = 3

    /// Creates default settings.
    public init() {}
}
