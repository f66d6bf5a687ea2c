public import ConnectorKit
public import RestConnector

/// The DeepConverse (Workato "AgentX Support") export connector (`type: "deepconverse"`): its
/// definition, `deepconverse.json` beside this file, run by the `rest` engine, exactly as a vendor
/// of one's own is.
///
/// API reference: <https://docs.deepconverse.com/analytics/export-api/conversations-endpoint>.
/// Requests send `start_time`/`end_time` as integer Unix seconds with `bot_name` and follow the
/// opaque `cursor` until it is null; each window's cursor is kept in the checkpoint, so an
/// interrupted run resumes mid-window, and a stored cursor the vendor rejects (400, expired)
/// restarts its window (its records come again; sinks that upsert by `_id` absorb them). A 404
/// means no such bot. The definition holds the vendor's facts: 3 requests/s per endpoint, a `lag`
/// of two hours, a `lookback` of 48 hours (DeepConverse does not document its delay), and the end
/// users' fields (`userId`, beside or under `metadata`) `forget` looks for.
public enum DeepConverse {
    /// The definition, compiled in.
    public static let definition = RestDefinition.builtIn(PackageResources.deepconverse_json, name: "deepconverse")

    /// The registry entry for `type: "deepconverse"`.
    public static var registryEntry: Registry.SourceEntry { definition.registryEntry }

    /// The registry entry for `type: "agentx-support"`: Workato sells DeepConverse as "AgentX
    /// Support", with the same API at the same base URL. It is another name for the same source:
    /// the same options, identity and checkpoints, so a job may switch between the two names.
    public static var agentXSupportEntry: Registry.SourceEntry {
        var entry = definition.registryEntry
        entry.type = "agentx-support"
        entry.summary = "Workato AgentX Support: DeepConverse's export API under its Workato name (the same as deepconverse)"
        return entry
    }
}
