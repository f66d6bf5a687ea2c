/// Receives log events. Conformers must be safe to call from any task.
public protocol ExportLogHandler: Sendable {
    /// Handles one event.
    ///
    /// - Parameter event: The event.
    func log(_ event: ExportLogEvent)
}

/// One log event. A struct, so fields can be added without breaking handlers.
public struct ExportLogEvent: Sendable {
    /// The severity.
    public var level: ExportLogger.Level
    /// The message.
    public var message: String
    /// Key-value context.
    public var metadata: ExportLogger.Metadata
    /// When it happened.
    public var timestamp: Timestamp
}

/// A handler that drops every event.
public struct NullLogHandler: ExportLogHandler {
    /// Creates the handler.
    public init() {}
    /// Drops the event.
    public func log(_ event: ExportLogEvent) {}
}
