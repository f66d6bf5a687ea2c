/// A failure of ``ServiceHTTPServer``: what happened, and where, in one line.
public struct ServiceHTTPError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure; a closed set, compared by callers, never made up outside.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case cannotListen = "cannot-listen"
        }

        private let base: Base

        /// The port cannot be bound (in use, not allowed), or a socket cannot be made.
        public static let cannotListen = Code(base: .cannotListen)

        /// The code's stable name.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened and where (the address), in words.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
