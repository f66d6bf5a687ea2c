extension ComponentOptions {
    /// The issue when timestamp option `end` is not after `start` ("must be after start (…)",
    /// at `end`'s path), or nil.
    ///
    /// - Parameters:
    ///   - start: The start option's name.
    ///   - end: The end option's name.
    /// - Returns: The issue, or nil when either is absent or they are in order.
    public func orderIssue(start: String = "start", end: String = "end") -> ConfigIssue? {
        guard let from = timestamp(start), let to = timestamp(end), to <= from else { return nil }
        return ConfigIssue(path: path + "." + end, "must be after \(start) (\(from.iso8601()))")
    }

    /// The issue when both of two alternative options are given ("use A or B, not both", at
    /// `first`'s path), or nil.
    ///
    /// - Parameters:
    ///   - first: One option's name (the issue's path).
    ///   - second: The other's.
    /// - Returns: The issue, or nil.
    public func exclusiveIssue(_ first: String, _ second: String) -> ConfigIssue? {
        guard given.contains(first), given.contains(second) else { return nil }
        return ConfigIssue(path: path + "." + first, "use \(first) or \(second), not both")
    }

    /// The issue when a first run's range, cut into windows of at most `windowSeconds`, would
    /// be more windows than ``WindowPlanner/maximumWindows``, or nil.
    ///
    /// - Parameters:
    ///   - start: Where a first run starts (the configured start, or the vendor's oldest data).
    ///   - end: The configured end, or nil for now − `lag`.
    ///   - lag: Seconds behind now.
    ///   - windowSeconds: The longest window.
    ///   - option: The option the issue names: the start when it was given, else the window's.
    ///   - now: The current time.
    /// - Returns: The issue, or nil.
    public func windowCountIssue(
        start: Timestamp, end: Timestamp?, lag: Double, windowSeconds: Double, option: String, now: Timestamp = .now
    ) -> ConfigIssue? {
        let readable = now.adding(seconds: -Int64(saturating: lag))
        let last = min(end ?? readable, readable)
        let seconds = Double(last.microseconds - start.microseconds) / 1e6
        return WindowPlanner.countProblem(seconds: seconds, windowSeconds: windowSeconds).map { ConfigIssue(path: path + "." + option, $0) }
    }
}
