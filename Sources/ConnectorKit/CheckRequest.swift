/// What `check` asks a source to verify with.
public struct CheckRequest: Sendable {
    /// Where to log.
    public var logger: ExportLogger
    /// The check's context (``RunContext/Mode/check`` by default: every request tried once).
    public var context: RunContext

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - logger: Where to log.
    ///   - context: The check's context.
    public init(logger: ExportLogger, context: RunContext = RunContext(mode: .check)) {
        self.logger = logger
        self.context = context
    }
}
