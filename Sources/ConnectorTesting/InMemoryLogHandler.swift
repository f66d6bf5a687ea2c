public import ConnectorKit
import Foundation

/// A log handler that keeps every event, for tests that assert on logs (or on secrets absent from them).
public final class InMemoryLogHandler: ExportLogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var _events: [ExportLogEvent] = []

    /// Creates a handler.
    public init() {}

    /// Every event, in order.
    public var events: [ExportLogEvent] { lock.withLock { _events } }

    /// Every event rendered as a human line, joined by newlines.
    public var text: String {
        events.map { ExportStreamLogHandler.render($0, format: .human) }.joined(separator: "\n")
    }

    /// Keeps the event.
    public func log(_ event: ExportLogEvent) { lock.withLock { _events.append(event) } }
}
