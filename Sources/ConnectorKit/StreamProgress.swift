/// How far a stream's checkpoint has read (``Source/progress(of:for:)``).
public struct StreamProgress: Sendable, Hashable {
    /// Every record before this time was read (and, for a stored checkpoint, is durable).
    public var completeThrough: Timestamp

    /// Creates a progress value.
    ///
    /// - Parameter completeThrough: Every record before this time was read.
    public init(completeThrough: Timestamp) {
        self.completeThrough = completeThrough
    }
}
