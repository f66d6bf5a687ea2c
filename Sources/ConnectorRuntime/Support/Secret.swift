/// A credential. Prints as `<redacted>` everywhere (description, debug description, string
/// interpolation, dumps), so it cannot leak into logs, errors or files by accident.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let value: String

    /// Wraps a credential.
    ///
    /// - Parameter value: The credential's text.
    public init(_ value: String) { self.value = value }

    /// The credential itself, for the one place that must send it (an HTTP header).
    public func reveal() -> String { value }

    /// Whether the credential is empty.
    public var isEmpty: Bool { value.isEmpty }

    /// `<redacted>`
    public var description: String { "<redacted>" }
    /// `<redacted>`
    public var debugDescription: String { "<redacted>" }
    /// A mirror with no children.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
