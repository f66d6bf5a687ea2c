import ConnectorKit
import ConnectorRuntime

/// A run's failure as the scheduler reports it (its text).
struct ServiceRunError: Error, Sendable, CustomStringConvertible {
    var description: String
}
