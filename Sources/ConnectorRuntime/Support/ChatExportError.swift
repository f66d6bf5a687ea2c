/// An error the runtime reports to a person: a code that maps to an exit status, and one line
/// saying what failed and where (config path, endpoint, file), never a secret.
public struct ChatExportError: Error, Sendable, CustomStringConvertible {
    /// The class of failure. New codes may be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable name for the code.
        public let name: String
        /// The process exit status for this code (sysexits).
        public let exitStatus: Int32

        /// A bad command line (64, `EX_USAGE`).
        public static let usage = Code(name: "usage", exitStatus: 64)
        /// An invalid job config (78, `EX_CONFIG`).
        public static let invalidConfig = Code(name: "invalid-config", exitStatus: 78)
        /// The vendor rejected the credentials: 401/403 (77, `EX_NOPERM`).
        public static let credentialsRejected = Code(name: "credentials-rejected", exitStatus: 77)
        /// A temporary failure, retries exhausted; re-running resumes (75, `EX_TEMPFAIL`).
        public static let temporaryFailure = Code(name: "temporary-failure", exitStatus: 75)
        /// The daily request budget ran out; re-running later resumes (75, `EX_TEMPFAIL`).
        public static let budgetExhausted = Code(name: "budget-exhausted", exitStatus: 75)
        /// Another run of the same job holds the checkpoint lock (75, `EX_TEMPFAIL`).
        public static let checkpointLocked = Code(name: "checkpoint-locked", exitStatus: 75)
        /// The vendor answered with an error that retrying will not fix (1).
        public static let vendorError = Code(name: "vendor-error", exitStatus: 1)
        /// The vendor sent data the connector cannot read (1).
        public static let invalidResponse = Code(name: "invalid-response", exitStatus: 1)
        /// A sink or the checkpoint store failed to write (1).
        public static let storageFailure = Code(name: "storage-failure", exitStatus: 1)
        /// Anything else (1).
        public static let failure = Code(name: "failure", exitStatus: 1)

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
