/// Receives log events. Conformers must be safe to call from any task.
public protocol LogHandler: Sendable {
    /// Handles one event.
    ///
    /// - Parameter event: The event.
    func log(_ event: LogEvent)
}

/// One log event. A struct, so fields can be added without breaking handlers.
public struct LogEvent: Sendable {
    /// The severity.
    public var level: Logger.Level
    /// The message.
    public var message: String
    /// Key-value context.
    public var metadata: Logger.Metadata
    /// When it happened.
    public var timestamp: Timestamp
}

/// A handler that drops every event.
public struct NullLogHandler: LogHandler {
    /// Creates the handler.
    public init() {}
    /// Drops the event.
    public func log(_ event: LogEvent) {}
}
