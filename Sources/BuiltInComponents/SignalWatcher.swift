import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a value a task can await, so the root task group can cancel the
/// job structurally (the way swift-service-lifecycle's UnixSignals does).
public enum SignalWatcher {
    /// Waits for SIGINT or SIGTERM and returns it; returns nil when the waiting task is cancelled.
    ///
    /// - Returns: The signal number.
    public static func next() async -> Int32? {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
        }
        for await number in stream { return number }
        return nil
    }
}
