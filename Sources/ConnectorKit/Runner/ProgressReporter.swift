import Foundation

/// Shows how a run is going: per stream records, pages, records/s and the record time it has read up to.
///
/// On a terminal it keeps one live line on stderr; otherwise it logs a line every
/// ``interval`` seconds. Safe to call from any stream.
public final class ProgressReporter: @unchecked Sendable {
    /// How progress is shown.
    public enum Mode: String, Sendable, CaseIterable {
        /// A live line on a terminal, periodic log lines otherwise.
        case auto
        /// A live line always.
        case live
        /// Periodic log lines always.
        case log
        /// Nothing.
        case off
    }

    struct StreamProgress {
        var records = 0
        var pages = 0
        var fraction: Double?
        var through: Timestamp?
        var done = false
        /// Seconds from the run's start to the stream's end, once it finished.
        var finishedAfter: Double?
    }

    private let lock = NSLock()
    private var streams: [(String, StreamProgress)] = []
    private var throttledUntil: Timestamp?
    private var pacedUntil: (limit: String, time: Timestamp)?
    private let started = Timestamp.now
    private let logger: ExportLogger
    private let live: Bool
    private let enabled: Bool
    private let output = FileOutput.shared(2)
    /// The time between updates: 250 ms for the live line, 10 s for log lines by default.
    public let interval: Duration

    /// Creates a reporter.
    ///
    /// - Parameters:
    ///   - mode: How to show progress.
    ///   - logger: Where periodic lines go.
    ///   - logInterval: The time between periodic log lines.
    public init(mode: Mode, logger: ExportLogger, logInterval: Duration = .seconds(10)) {
        self.logger = logger
        let terminal = FileOutput.shared(2).isTerminal
        self.live = mode == .live || (mode == .auto && terminal)
        self.enabled = mode != .off
        self.interval = live ? .milliseconds(250) : logInterval
    }

    /// Records a committed batch.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - records: Records in the batch.
    ///   - pages: Pages in the batch.
    ///   - fraction: How far through the stream's range by time, if known.
    ///   - through: The record time read up to without a gap, if known (shown instead of `fraction`).
    public func committed(stream: String, records: Int, pages: Int, fraction: Double?, through: Timestamp? = nil) {
        update(stream) {
            $0.records += records
            $0.pages += pages
            if let fraction { $0.fraction = fraction }
            if let through { $0.through = max($0.through ?? through, through) }
        }
    }

    /// Says the vendor throttled the job, so a wait is not mistaken for a hang.
    ///
    /// - Parameter time: When the next request goes out.
    public func throttled(until time: Timestamp) {
        lock.lock()
        defer { lock.unlock() }
        throttledUntil = max(throttledUntil ?? time, time)
    }

    /// Says requests wait for a rate limit of the job's own configuration, and which.
    ///
    /// - Parameters:
    ///   - limit: The limit in words (`100 requests a minute`).
    ///   - time: When the next request goes out.
    public func waiting(for limit: String, until time: Timestamp) {
        lock.lock()
        defer { lock.unlock() }
        pacedUntil = (limit, time)
    }

    /// Marks a stream as finished.
    ///
    /// - Parameter stream: The stream.
    public func finished(stream: String) {
        let elapsed = self.elapsed.inSeconds
        update(stream) {
            $0.done = true
            $0.fraction = 1
            $0.finishedAfter = elapsed
        }
    }

    private func update(_ stream: String, _ change: (inout StreamProgress) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        if let index = streams.firstIndex(where: { $0.0 == stream }) {
            change(&streams[index].1)
        } else {
            var progress = StreamProgress()
            change(&progress)
            streams.append((stream, progress))
        }
    }

    /// What was committed so far, per stream in the order streams first reported:
    /// records and pages (for a summary when a run stops early).
    public var committedSoFar: [(stream: String, records: Int, pages: Int)] {
        lock.lock()
        defer { lock.unlock() }
        return streams.map { ($0.0, $0.1.records, $0.1.pages) }
    }

    /// The time since the reporter was made (the run's start).
    public var elapsed: Duration { .microseconds(Timestamp.now.microseconds - started.microseconds) }

    /// Renders the current state as one line.
    public func line() -> String {
        lock.lock()
        let snapshot = streams
        let now = Timestamp.now
        let throttled = throttledUntil.flatMap { $0 > now ? $0 : nil }
        let paced = pacedUntil.flatMap { $0.time > now ? $0 : nil }
        lock.unlock()
        let elapsed = max(0.001, self.elapsed.inSeconds)
        var notice = throttled.map { [" | throttled by the vendor; next request at \($0.clockText)"] } ?? []
        if throttled == nil, let paced { notice.append(" | waiting for the rate limit (\(paced.limit)) until \(paced.time.clockText)") }
        return
            (snapshot.map { name, progress in
                // A finished stream's rate is over its own time, not the whole job's.
                let seconds = max(0.001, progress.finishedAfter ?? elapsed)
                var part = "\(name): \(progress.records) records, \(progress.pages) pages, \(Int(Double(progress.records) / seconds)) rec/s"
                if progress.done {
                    part += ", done"
                } else if let through = progress.through {
                    // A time, not a percentage: records are rarely spread evenly over a range,
                    // so a share of the time covered would overstate the work done.
                    part += ", through \(String(through.iso8601().prefix(16)))Z"
                } else if let fraction = progress.fraction {
                    part += ", \(String(format: "%.1f", min(1, max(0, fraction)) * 100))% of its time range"
                }
                return part
            }.joined(separator: " | ") + notice.joined())
    }

    /// Shows progress every ``interval`` until cancelled, then clears the live line.
    public func run() async {
        guard enabled else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { break }
            let text = line()
            if text.isEmpty { continue }
            if live { output.setLiveLine(text) } else { logger.info("progress " + text) }
        }
        if live { output.setLiveLine(nil) }
    }
}
