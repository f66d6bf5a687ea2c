import ConnectorRuntime
import ConnectorTesting
import FilesSink
import StdoutSink

/// The sources and sinks this binary ships with.
enum BuiltIns {
    static var registry: Registry {
        var registry = Registry()
        registry.register(SyntheticSource.registryEntry)
        registry.register(StdoutSink.registryEntry)
        registry.register(FilesSink.registryEntry)
        return registry
    }
}
