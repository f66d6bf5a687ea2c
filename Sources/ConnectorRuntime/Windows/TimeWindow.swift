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
        let maxMicros = max(1, maxSeconds) * 1_000_000
        var count = Int((total + maxMicros - 1) / maxMicros)
        if count < concurrency {
            let finest = Int(max(1, total / (max(1, minSeconds) * 1_000_000)))
            count = max(count, min(concurrency, finest))
        }
        var windows: [TimeWindow<P>] = []
        var cursor = start
        for index in 0..<count {
            // Whole-second boundaries keep query parameters simple; the last window ends exactly at `end`.
            var boundary = Timestamp(microseconds: start.microseconds + total * Int64(index + 1) / Int64(count))
            if index < count - 1 { boundary = Timestamp(epochSeconds: boundary.epochSeconds) }
            if boundary > cursor {
                windows.append(TimeWindow(start: cursor, end: index == count - 1 ? end : boundary))
                cursor = boundary
            }
        }
        return windows
    }
}
