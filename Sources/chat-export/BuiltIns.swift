import ConnectorRuntime
import ConnectorTesting
import FilesSink
import StdoutSink
import VendorSandbox

/// The sources and sinks this binary ships with.
enum BuiltIns {
    static var registry: Registry {
        var registry = Registry()
        registry.register(SyntheticSource.registryEntry)
        registry.register(StdoutSink.registryEntry)
        registry.register(FilesSink.registryEntry)
        return registry
    }

    /// The demo's jobs against the sandbox: one per built-in vendor connector (and the synthetic
    /// source), each written as a real config file the person can read and reuse.
    static func demoJobs(sandbox: VendorSandbox) -> [(String, JSONValue)] {
        let files: (String) -> JSONValue = { name in .array([.object([("type", .string("files")), ("dir", .string("out/" + name))])]) }
        return [
            (
                "synthetic",
                .object([
                    ("source", .object([("type", .string("synthetic")), ("records", .integer(5000)), ("page_size", .integer(500))])),
                    ("sinks", files("synthetic")),
                ])
            )
        ]
    }

    /// Something to try after the demo.
    static func demoHint(directory: String) -> String {
        "Try:\n  head -n 2 \(directory)/out/synthetic/messages/part-00000001.jsonl\n  chat-export state show \(directory)/synthetic.json"
    }
}
