import AdaCommon
import ConnectorKit

/// The Ada Data Export v2 connector (`type: "ada-v2"`).
///
/// API reference: <https://docs.ada.cx/reference/data-export/conversations> and
/// <https://docs.ada.cx/reference/data-export/messages>.
public enum AdaV2 {
    /// The registry entry for `type: "ada-v2"`.
    public static var registryEntry: Registry.SourceEntry { AdaAPI.v2.registryEntry }
}
