import ConnectorRuntime
import Foundation

/// A log handler that keeps every event, for tests that assert on logs (or on secrets absent from them).
public final class InMemoryLogHandler: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var _events: [LogEvent] = []

    /// Creates a handler.
    public init() {}

    /// Every event, in order.
    public var events: [LogEvent] { lock.withLock { _events } }

    /// Every event rendered as a human line, joined by newlines.
    public var text: String {
        events.map { StreamLogHandler.render($0, format: .human) }.joined(separator: "\n")
    }

    /// Keeps the event.
    public func log(_ event: LogEvent) { lock.withLock { _events.append(event) } }
}
