public import ConnectorKit
import Foundation

/// The time runs plan with (what is `lag` behind now, how old a stretch is for the late-data
/// passes): the real clock, or the ISO-8601 time in `CHAT_EXPORT_NOW`, which pins it, so tests
/// move time without waiting and a run can be replayed as of a past instant. Rate limits,
/// timeouts and log times always use the real clocks.
public enum RunClock {
    /// The environment variable that pins the time.
    public static let variable = "CHAT_EXPORT_NOW"

    /// The clock for this process's runs.
    ///
    /// - Returns: A clock returning the pinned time, or the real one.
    /// - Throws: ``ChatExportError`` (`usage`) when the variable is set to something that is not a timestamp.
    public static func current() throws -> @Sendable () -> Timestamp {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else { return { .now } }
        guard let pinned = Timestamp(iso8601: text) else {
            throw ChatExportError(.usage, "\(variable) is not an ISO-8601 time: \"\(text)\"")
        }
        return { pinned }
    }
}
