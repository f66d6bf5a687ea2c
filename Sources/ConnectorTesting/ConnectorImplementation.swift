/// Which implementation of a vendor connector a test runs: the native Swift one, or the same
/// vendor through its built-in connector definition (`"type": "rest"`). Connector tests take
/// both as arguments, so the definition is held to every test the native connector passes.
public enum ConnectorImplementation: String, CaseIterable, Sendable {
    /// The connector written in Swift.
    case native
    /// The built-in connector definition.
    case definition
}
