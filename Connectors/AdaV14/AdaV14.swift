import AdaCommon
import ConnectorKit

/// The Ada Data Export v1.4 connector (`type: "ada-v1.4"`).
///
/// API reference: <https://docs.ada.cx/reference/data-export-v1-4/messages>.
public enum AdaV14 {
    /// The registry entry for `type: "ada-v1.4"`.
    public static var registryEntry: Registry.SourceEntry { AdaAPI.v14.registryEntry }
}
