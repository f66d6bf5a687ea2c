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
}
