package import ConnectorKit

/// A property a fuzz input broke: which target, and what did not hold.
///
/// A crash (a trap in the code under test) is a finding too; libFuzzer reports it itself. A
/// finding is what a check sees without crashing: an undocumented error type, a record that is
/// not a byte range of its page, a scanner that disagrees with Foundation.
public struct FuzzFinding: Error, Sendable, CustomStringConvertible {
    /// The target that found it.
    public var target: String
    /// What did not hold.
    public var message: String

    /// `scanner: record 2 is not a byte range of the page`
    public var description: String { "\(target): \(message)" }

    /// Creates a finding.
    public init(_ target: String, _ message: String) {
        self.target = target
        self.message = message
    }
}

/// The fuzz targets: each takes arbitrary bytes and checks what must hold for any input.
///
/// `chat-export-fuzz` runs one under libFuzzer (`Fuzz/README.md`); the `FuzzTests` suite replays
/// the seed corpus and every regression input through the same checks in `swift test`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `PageScanner` and `JSONReader` on arbitrary bytes, with Foundation's `JSONSerialization`
    /// as a reference whenever it accepts the input.
    case scanner
    /// The job config loader (with the built-in registry) on arbitrary bytes.
    case config
    /// The connector-definition parser on arbitrary bytes, then a job using the definition.
    case definition
    /// The time parsers: ISO-8601, epoch numbers, durations and cron expressions.
    case timestamps

    /// Runs the target's checks on one input.
    ///
    /// - Parameter input: Any bytes.
    /// - Throws: ``FuzzFinding`` when a property does not hold.
    public func check(_ input: [UInt8]) throws {
        switch self {
        case .scanner: try ScannerCheck.check(input)
        case .config: try ConfigCheck.check(input)
        case .definition: try DefinitionCheck.check(input)
        case .timestamps: try TimestampCheck.check(input)
        }
    }
}

/// One line: the issues of a refusal must each say what and where in one line.
func oneLine(_ text: String) -> Bool {
    // By scalars: CR LF is one Character, equal to neither "\n" nor "\r".
    !text.isEmpty && !text.unicodeScalars.contains { $0 == "\n" || $0 == "\r" }
}

/// Checks a ``ConfigError`` is a proper refusal: at least one issue, each non-empty and one line.
package func checkRefusal(_ error: ConfigError, _ target: String) throws {
    guard !error.issues.isEmpty else { throw FuzzFinding(target, "a ConfigError without issues") }
    for issue in error.issues where !oneLine(issue.message) || issue.path.isEmpty {
        throw FuzzFinding(
            target, "an issue that is not one line with a path: \(String(reflecting: issue.path)) \(String(reflecting: issue.message))")
    }
}
