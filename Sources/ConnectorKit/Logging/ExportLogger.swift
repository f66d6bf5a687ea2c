/// A small structured logger: a level, a label and a handler that decides where events go.
///
/// Logs go to stderr by default (see ``ExportStreamLogHandler``); data never goes through a logger.
/// Never put a secret in a message or metadata: ``Secret`` prints as `<redacted>`.
public struct ExportLogger: Sendable {
    /// Severity, lowest first.
    public enum Level: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
        /// Very detailed tracing.
        case trace
        /// Every request and decision.
        case debug
        /// Progress and summaries.
        case info
        /// Something worth a person's attention that does not stop the job.
        case warning
        /// A failure.
        case error

        /// Orders levels by severity.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        /// The level's name (`info`).
        public var description: String {
            switch self {
            case .trace: "trace"
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }

    /// Events below this level are dropped.
    public var level: Level
    /// Where events go.
    public var handler: any ExportLogHandler
    /// Metadata added to every event of this logger (for example the stream name).
    public var metadata: Metadata

    /// Creates a logger.
    ///
    /// - Parameters:
    ///   - level: The minimum level.
    ///   - handler: Where events go.
    ///   - metadata: Metadata for every event.
    public init(level: Level = .info, handler: any ExportLogHandler, metadata: Metadata = [:]) {
        self.level = level
        self.handler = handler
        self.metadata = metadata
    }

    /// A logger that drops everything.
    public static var disabled: ExportLogger { ExportLogger(level: .error, handler: NullLogHandler()) }

    /// A copy with one more metadata entry.
    ///
    /// - Parameters:
    ///   - key: The metadata key.
    ///   - value: The value.
    /// - Returns: The new logger.
    public func with(_ key: String, _ value: String) -> ExportLogger {
        var copy = self
        copy.metadata[key] = .string(value)
        return copy
    }

    /// Logs a message when `level` is enabled.
    ///
    /// - Parameters:
    ///   - level: The severity.
    ///   - message: The message, built only when logged.
    ///   - metadata: Extra key-value pairs.
    public func log(_ level: Level, _ message: @autoclosure () -> String, _ metadata: Metadata = [:]) {
        guard level >= self.level else { return }
        let merged = metadata.isEmpty ? self.metadata : self.metadata.merging(metadata) { $1 }
        handler.log(ExportLogEvent(level: level, message: message(), metadata: merged, timestamp: .now))
    }

    /// Logs at ``Level/trace``.
    ///
    /// - Parameters:
    ///   - message: The message.
    ///   - metadata: Extra key-value pairs.
    public func trace(_ message: @autoclosure () -> String, _ metadata: Metadata = [:]) {
        log(.trace, message(), metadata)
    }

    /// Logs at ``Level/debug``.
    ///
    /// - Parameters:
    ///   - message: The message.
    ///   - metadata: Extra key-value pairs.
    public func debug(_ message: @autoclosure () -> String, _ metadata: Metadata = [:]) {
        log(.debug, message(), metadata)
    }

    /// Logs at ``Level/info``.
    ///
    /// - Parameters:
    ///   - message: The message.
    ///   - metadata: Extra key-value pairs.
    public func info(_ message: @autoclosure () -> String, _ metadata: Metadata = [:]) {
        log(.info, message(), metadata)
    }

    /// Logs at ``Level/warning``.
    ///
    /// - Parameters:
    ///   - message: The message.
    ///   - metadata: Extra key-value pairs.
    public func warning(_ message: @autoclosure () -> String, _ metadata: Metadata = [:]) {
        log(.warning, message(), metadata)
    }

    /// Logs at ``Level/error``.
    ///
    /// - Parameters:
    ///   - message: The message.
    ///   - metadata: Extra key-value pairs.
    public func error(_ message: @autoclosure () -> String, _ metadata: Metadata = [:]) {
        log(.error, message(), metadata)
    }
}
