import ConnectorHTTP
import ConnectorKit

/// An Ada source's settings: a value built from validated options.
public struct AdaSettings: Sendable {
    /// The streams to read.
    public var streams: [String]
    /// The configured start (clamped to the retention limit when reading).
    public var start: Timestamp?
    /// The configured end; nil for now − ``lag``.
    public var end: Timestamp?
    /// How far behind now the range ends, in seconds (data appears in the API after a delay).
    public var lag: Double
    /// Records per page (100...10000).
    public var pageSize: Int
    /// How conversations are read.
    public var conversationsCursor: AdaStreams.ConversationsCursor
    /// The longest window, in days (at most 60).
    public var windowDays: Double
    /// Windows fetched at once per stream.
    public var maxConcurrentWindows: Int
    /// The latest, in seconds after its time, a record may appear in Ada and still be exported:
    /// both streams are read again as ``RereadSchedule`` says.
    public var lookback: Double

    /// Creates settings.
    public init(
        streams: [String] = ["conversations", "messages"],
        start: Timestamp? = nil,
        end: Timestamp? = nil,
        lag: Double = 7200,
        pageSize: Int = 10_000,
        conversationsCursor: AdaStreams.ConversationsCursor = .updated,
        windowDays: Double = 59,
        maxConcurrentWindows: Int = 4,
        lookback: Double = 172_800
    ) {
        self.streams = streams
        self.start = start
        self.end = end
        self.lag = lag
        self.pageSize = pageSize
        self.conversationsCursor = conversationsCursor
        self.windowDays = windowDays
        self.maxConcurrentWindows = maxConcurrentWindows
        self.lookback = lookback
    }

    /// The smallest `page_size` Ada serves.
    public static let smallestPage = 100

    /// The retention Ada documents: 12 months.
    public static let retentionSeconds: Int64 = 365 * 86_400
}
