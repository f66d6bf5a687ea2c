/// An error the runtime reports to a person: a code saying what kind of failure it is (the CLI
/// maps it to an exit status), and one line saying what failed and where (config path,
/// endpoint, file), never a secret.
public struct ChatExportError: Error, Sendable, CustomStringConvertible {
    /// The class of failure. New codes may be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable name for the code.
        public let name: String

        /// Creates a code.
        ///
        /// - Parameter name: A stable name.
        public init(name: String) { self.name = name }

        /// A bad command line.
        public static let usage = Code(name: "usage")
        /// An invalid job config.
        public static let invalidConfig = Code(name: "invalid-config")
        /// The vendor rejected the credentials: 401/403.
        public static let credentialsRejected = Code(name: "credentials-rejected")
        /// A temporary failure, retries exhausted; re-running resumes.
        public static let temporaryFailure = Code(name: "temporary-failure")
        /// The daily request budget ran out; re-running later resumes.
        public static let budgetExhausted = Code(name: "budget-exhausted")
        /// Another run of the same job holds the checkpoint lock.
        public static let checkpointLocked = Code(name: "checkpoint-locked")
        /// The vendor answered with an error that retrying will not fix.
        public static let vendorError = Code(name: "vendor-error")
        /// The vendor sent data the connector cannot read.
        public static let invalidResponse = Code(name: "invalid-response")
        /// A sink or the checkpoint store failed to write.
        public static let storageFailure = Code(name: "storage-failure")
        /// The reader of the output went away (`chat-export run job | head`): a clean stop, the
        /// checkpoint kept at the last batch written in full.
        public static let outputClosed = Code(name: "output-closed")
        /// Anything else.
        public static let failure = Code(name: "failure")

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
