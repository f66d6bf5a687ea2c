public import ConnectorKit

/// The exit statuses of every ChatExport executable (sysexits), documented in `chat-export --help`
/// and the README.
extension ChatExportError.Code {
    /// The process exit status for this code: 64 usage, 78 config, 77 credentials, 75 temporary
    /// (re-run to resume), 141 standard output closed by its reader, 1 anything else (including
    /// codes added after this table).
    public var exitStatus: Int32 {
        switch self {
        case .usage: 64
        case .invalidConfig: 78
        case .credentialsRejected: 77
        case .temporaryFailure, .budgetExhausted, .checkpointLocked: 75
        // As a process stopped by SIGPIPE, which a shell reads as "the reader went away".
        case .outputClosed: 141
        default: 1
        }
    }
}
