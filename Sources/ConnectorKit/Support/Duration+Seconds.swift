extension Duration {
    /// This span in seconds, with its fraction: where a public `Duration` meets the runtime's
    /// arithmetic on seconds (schedules, leases, timeouts, windows).
    ///
    /// A span of whole microseconds (any the runtime makes, from a config's seconds or a
    /// ``Timestamp`` difference) converts with one rounding, exactly as `Double(µs) / 1e6`, so
    /// seconds that pass through a `Duration` come back unchanged.
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        if attoseconds % 1_000_000_000_000 == 0, seconds.magnitude < 1 << 33 {
            return Double(seconds * 1_000_000 + attoseconds / 1_000_000_000_000) / 1e6
        }
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
