import ConnectorKit
import ConnectorRuntime
import FilesSink
import Foundation
import Logging

/// Builds a registry with the tool's own connector, loads a job config, runs it from code with
/// the runtime logging through swift-log, prints the summary, and runs it again (nothing new).
@main
struct Embedding {
    static func main() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = ExportLogger(level: .info, handler: SwiftLogHandler(logger: Logger(label: "embedding")))
        var registry = Registry()
        registry.register(GreetingSource.registryEntry)
        registry.register(FilesSink.registryEntry)

        let directory = FileManager.default.temporaryDirectory.path + "/chat-export-embedding-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try JSONValue.parse(#"{"source": {"type": "greetings", "count": 5}, "sinks": [{"type": "files", "dir": "out"}]}"#)
        let loader = JobConfigLoader(registry: registry, logger: logger)
        let job = try loader.load(document: config, baseDirectory: directory, defaultCheckpoint: directory + "/job.checkpoint.json")

        for run in 1...2 {
            // The session opens (and locks) the job's checkpoint store, runs it and closes it.
            let summary = try await JobSession(job: job, logger: logger).run()
            print("run \(run): \(summary.totalRecords) records; greetings: \(summary.streams["greetings"]?.records ?? 0)")
        }
        let parts = FilesSink.publishedParts(directory: directory + "/out", stream: "greetings")
        print("published: \(parts.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))")
    }
}
