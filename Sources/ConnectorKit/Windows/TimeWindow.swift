/// A half-open time range `[start, end)` a source reads with bounded queries, and how far into
/// it the source has durably read.
public struct TimeWindow<Position: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// The inclusive start.
    public var start: Timestamp
    /// The exclusive end.
    public var end: Timestamp
    /// Where to resume inside the window, or nil when it has not started.
    public var position: Position?

    /// Creates a window.
    ///
    /// - Parameters:
    ///   - start: The inclusive start.
    ///   - end: The exclusive end.
    ///   - position: The resume position.
    public init(start: Timestamp, end: Timestamp, position: Position? = nil) {
        self.start = start
        self.end = end
        self.position = position
    }
}

extension Timestamp: Codable {
    /// Decodes ISO-8601 text.
    ///
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` for text that is not a timestamp.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(iso8601: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO-8601 timestamp: \(text)")
        }
        self = value
    }

    /// Encodes as ISO-8601 text with microseconds.
    ///
    /// - Parameter encoder: The encoder.
    /// - Throws: An encoding error.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601(fractionDigits: 6))
    }
}

/// Cuts a time range into windows a vendor accepts, and finer when that lets more run at once.
public enum WindowPlanner {
    /// The most windows one range may be cut into (a run's checkpoint lists every unfinished one).
    public static let maximumWindows = 10_000

    /// The most windows of one stream read at once, whatever a connector or definition allows:
    /// more would only queue behind the vendor's rate limit.
    public static let maximumConcurrency = 16

    /// Why a range of `seconds` cut into windows of at most `windowSeconds` is too many windows
    /// (more than ``maximumWindows``), or nil.
    ///
    /// - Parameters:
    ///   - seconds: The range's length.
    ///   - windowSeconds: The longest window.
    /// - Returns: The problem in words, for the config's start or window option.
    public static func countProblem(seconds: Double, windowSeconds: Double) -> String? {
        guard seconds > 0, windowSeconds > 0 else { return nil }
        let count = (seconds / windowSeconds).rounded(.up)
        guard count > Double(maximumWindows) else { return nil }
        return "the range of \(Int64(saturating: seconds / 86_400)) days in windows of at most \(Duration.text(windowSeconds.rounded())) "
            + "makes \(Int64(saturating: count)) windows, more than the \(maximumWindows) a run plans; use a later start or longer windows"
    }

    /// Plans windows over `[start, end)`.
    ///
    /// - Parameters:
    ///   - start: The inclusive start.
    ///   - end: The exclusive end.
    ///   - maxSeconds: The longest window the vendor accepts.
    ///   - concurrency: How many windows will be fetched at once; a range holding fewer windows
    ///     than this is split further (never below `minSeconds`) so the rate limit can be used.
    ///   - minSeconds: The shortest window worth a request.
    /// - Returns: Contiguous windows covering the range, in time order; empty for an empty range.
    public static func plan<P>(
        from start: Timestamp,
        to end: Timestamp,
        maxSeconds: Int64,
        concurrency: Int,
        minSeconds: Int64 = 3600
    ) -> [TimeWindow<P>] {
        guard end > start else { return [] }
        let total = end.microseconds - start.microseconds
        let maxMicros = max(1, maxSeconds).saturatingMultiplied(by: 1_000_000)
        var count = Int(total / maxMicros + (total % maxMicros == 0 ? 0 : 1))
        if count < concurrency {
            let finest = Int(max(1, total / max(1, minSeconds).saturatingMultiplied(by: 1_000_000)))
            count = max(count, min(concurrency, finest))
        }
        // Memory stays bounded whatever the caller asks (readers check the count first and refuse
        // more, so a vendor never sees windows longer than it accepts).
        count = min(count, maximumWindows)
        var windows: [TimeWindow<P>] = []
        windows.reserveCapacity(count)
        var cursor = start
        let (quotient, remainder) = total.quotientAndRemainder(dividingBy: Int64(count))
        for index in 0..<count {
            // Whole-second boundaries keep query parameters simple; the last window ends exactly at `end`.
            // `total × (index + 1) / count` without the product (which overflows for long ranges).
            let step = Int64(index + 1)
            var boundary = Timestamp(microseconds: start.microseconds + quotient * step + remainder * step / Int64(count))
            if index < count - 1 { boundary = Timestamp(epochSeconds: boundary.epochSeconds) }
            if boundary > cursor {
                windows.append(TimeWindow(start: cursor, end: index == count - 1 ? end : boundary))
                cursor = boundary
            }
        }
        return windows
    }
}
