import Foundation

/// glibc allocator settings that keep the exporter's memory flat however long a job runs.
///
/// Vendor pages are multi-megabyte buffers allocated on one thread and freed on another; glibc's
/// per-thread arenas and sliding mmap threshold keep them as fragmented heap, so peak RSS grew
/// with the number of pages (136–182 MB for 1M messages). One arena and a fixed 4 MB threshold
/// (page buffers are mapped and unmapped) measured 74–88 MB, and 69–72 MB at 100k. The
/// `MALLOC_ARENA_MAX` and `MALLOC_MMAP_THRESHOLD_` environment variables still win when set.
public enum MemoryTuning {
    /// `M_MMAP_THRESHOLD` and `M_ARENA_MAX` from glibc's `<malloc.h>`, which Swift's Glibc module omits.
    private static let mmapThreshold: Int32 = -3
    private static let arenaMax: Int32 = -8

    /// Applies the settings unless the environment sets them.
    ///
    /// - Parameter environment: The process environment.
    public static func apply(environment: [String: String]) {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        if environment["MALLOC_ARENA_MAX"] == nil { _ = mallopt(arenaMax, 1) }
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil { _ = mallopt(mmapThreshold, 4 << 20) }
    }
}
