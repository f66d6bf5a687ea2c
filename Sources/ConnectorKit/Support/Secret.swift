import Foundation

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

extension Secret {
    /// The fewest characters a credential should have: anything shorter occurs by chance in
    /// host names and messages (`validate` and `run` warn about it).
    public static let minimumLength = 8

    /// `text` with every whole occurrence of each secret value replaced by `<redacted>`.
    ///
    /// An occurrence is whole when it is not part of a longer word: where the value starts or
    /// ends with a letter or digit, the character beside it is not one. So a secret is masked in
    /// `token=VALUE`, `"VALUE"` or `Bearer VALUE`, and `example.com` is left alone whatever the
    /// secret is.
    ///
    /// - Parameters:
    ///   - text: The text (a message, an error).
    ///   - values: The secret values.
    /// - Returns: The masked text.
    public static func mask(_ text: String, _ values: [String]) -> String {
        var text = text
        for value in values where !value.isEmpty && text.contains(value) {
            text = mask(text, value)
        }
        return text
    }

    private static func mask(_ text: String, _ value: String) -> String {
        func isWord(_ character: Character?) -> Bool { character.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
        let wordStart = isWord(value.first)
        let wordEnd = isWord(value.last)
        var result = ""
        var rest = text[...]
        var before: Character?
        while let range = rest.range(of: value) {
            let previous = range.lowerBound == rest.startIndex ? before : rest[rest.index(before: range.lowerBound)]
            let next = range.upperBound == rest.endIndex ? nil : rest[range.upperBound]
            if (wordStart && isWord(previous)) || (wordEnd && isWord(next)) {
                // Inside a longer word: keep one character and look again after it.
                let step = rest.index(after: range.lowerBound)
                result += rest[rest.startIndex..<step]
                before = rest[range.lowerBound]
                rest = rest[step...]
            } else {
                result += rest[rest.startIndex..<range.lowerBound] + "<redacted>"
                before = rest[rest.index(before: range.upperBound)]
                rest = rest[range.upperBound...]
            }
        }
        return result + rest
    }
}
