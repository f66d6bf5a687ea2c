/// An error the runtime reports to a person: a code saying what kind of failure it is (the CLI
/// maps it to an exit status), and one line saying what failed and where (config path,
/// endpoint, file), never a secret.
public struct ChatExportError: Error, Sendable, CustomStringConvertible {
    /// The class of failure: a closed set that callers compare (`error.code == .outputClosed`)
    /// and nobody outside the runtime can extend, so a new code never breaks a caller's
    /// exhaustive handling (switches over codes need a `default:`).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Backing: String, Sendable, Hashable {
            case usage
            case invalidConfig = "invalid-config"
            case credentialsRejected = "credentials-rejected"
            case temporaryFailure = "temporary-failure"
            case budgetExhausted = "budget-exhausted"
            case checkpointLocked = "checkpoint-locked"
            case vendorError = "vendor-error"
            case invalidResponse = "invalid-response"
            case storageFailure = "storage-failure"
            case outputClosed = "output-closed"
            case failure
        }

        private let backing: Backing

        private init(_ backing: Backing) { self.backing = backing }

        /// A bad command line.
        public static let usage = Code(.usage)
        /// An invalid job config.
        public static let invalidConfig = Code(.invalidConfig)
        /// The vendor rejected the credentials: 401/403.
        public static let credentialsRejected = Code(.credentialsRejected)
        /// A temporary failure, retries exhausted; re-running resumes.
        public static let temporaryFailure = Code(.temporaryFailure)
        /// The daily request budget ran out; re-running later resumes.
        public static let budgetExhausted = Code(.budgetExhausted)
        /// Another run of the same job holds the checkpoint lock.
        public static let checkpointLocked = Code(.checkpointLocked)
        /// The vendor answered with an error that retrying will not fix.
        public static let vendorError = Code(.vendorError)
        /// The vendor sent data the connector cannot read.
        public static let invalidResponse = Code(.invalidResponse)
        /// A sink or the checkpoint store failed to write.
        public static let storageFailure = Code(.storageFailure)
        /// The reader of the output went away (`chat-export run job | head`): a clean stop, the
        /// checkpoint kept at the last batch written in full.
        public static let outputClosed = Code(.outputClosed)
        /// Anything else.
        public static let failure = Code(.failure)

        /// A stable name for the code (`invalid-config`), as logs and protocol messages show it.
        public var name: String { backing.rawValue }

        /// The code's name.
        public var description: String { name }
    }

    /// The class of failure.
    public var code: Code
    /// One line: what failed and where.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The class of failure.
    ///   - message: What failed and where; must not contain secrets.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
