import Foundation

/// Monotonic time in seconds, for measuring intervals.
package enum MonotonicClock {
    /// Seconds since an arbitrary start, never going backwards.
    package static func seconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
