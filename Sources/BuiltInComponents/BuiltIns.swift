import AdaV14
import AdaV2
public import ConnectorKit
import DeepConverse
import FilesSink
import PostgresSink
public import RestConnector
import S3Sink
import SQLiteSink
import StdoutSink
import SyntheticConnector
import Transforms

/// The sources and sinks ChatExport ships with, registered once for every executable:
/// `chat-export`, `tap-chat-export` and `source-chat-export` read the same types with the same
/// options.
public enum BuiltIns {
    /// The built-in vendor connectors' definitions, usable by name under `type: "rest"`
    /// (`"definition": "ada-v2"`), in the order `list` shows them.
    public static var definitions: [RestDefinition] { [AdaV2.definition, AdaV14.definition, DeepConverse.definition] }

    /// Every built-in source, sink and transform type.
    public static var registry: Registry {
        var registry = Registry()
        registry.register(AdaV2.registryEntry)
        registry.register(AdaV14.registryEntry)
        registry.register(DeepConverse.registryEntry)
        registry.register(DeepConverse.agentXSupportEntry)
        registry.register(RestSource.registryEntry(builtIn: definitions))
        registry.register(SyntheticSource.registryEntry)
        registry.register(StdoutSink.registryEntry)
        registry.register(FilesSink.registryEntry)
        registry.register(SQLiteSink.registryEntry)
        registry.register(PostgresSink.registryEntry)
        registry.register(S3Sink.registryEntry)
        for entry in BuiltInTransforms.entries { registry.register(entry) }
        return registry
    }
}
