public import ConnectorKit
public import RestConnector

/// The Ada Data Export v1.4 connector (`type: "ada-v1.4"`): its definition, `ada-v1.4.json`
/// beside this file, run by the `rest` engine, exactly as a vendor of one's own is.
///
/// API reference: <https://docs.ada.cx/reference/data-export-v1-4/messages>. The definition holds
/// the vendor's facts: 10 requests/s per endpoint and no per-minute or daily limit, a `lag` of two
/// hours (Ada documents "at least two hours") with a `lookback` of 48 hours, the 12 months Ada
/// keeps, and the end users' fields `forget` looks for.
public enum AdaV14 {
    /// The definition, compiled in.
    public static let definition = RestDefinition.builtIn(PackageResources.ada_v1_4_json, name: "ada-v1.4")

    /// The registry entry for `type: "ada-v1.4"`.
    public static var registryEntry: Registry.SourceEntry { definition.registryEntry }
}
