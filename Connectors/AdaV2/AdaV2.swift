public import ConnectorKit
public import RestConnector

/// The Ada Data Export v2 connector (`type: "ada-v2"`): its definition, `ada-v2.json` beside this
/// file, run by the `rest` engine, exactly as a vendor of one's own is.
///
/// API reference: <https://docs.ada.cx/reference/data-export/conversations> and
/// <https://docs.ada.cx/reference/data-export/messages>. The definition holds the vendor's facts:
/// the documented limits (10 requests/s per endpoint, 100/min and 15,000/day per Ada instance), a
/// `lag` of 15 minutes (conversations are exported in real time since 2026-02-06, messages in near
/// real time since 2026-02-24) with a `lookback` of 48 hours for what Ada shows later, the 12
/// months Ada keeps, and the end users' fields (`end_user_id`, `chatter_id`) `forget` looks for.
public enum AdaV2 {
    /// The definition, compiled in.
    public static let definition = RestDefinition.builtIn(PackageResources.ada_v2_json, name: "ada-v2")

    /// The registry entry for `type: "ada-v2"`.
    public static var registryEntry: Registry.SourceEntry { definition.registryEntry }
}
