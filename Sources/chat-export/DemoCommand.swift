import BuiltInComponents
import ConnectorKit
import ConnectorRuntime
import Foundation
import VendorSandbox

/// `chat-export demo`: the main job on an embedded default, for a newcomer with no vendor account.
struct DemoCommand {
    var environment: [String: String]
    var logger: ExportLogger

    /// `demo`'s options.
    enum Flags {
        static let directory = CLIOption.option(
            "--dir", "DIR", .path, default: .value("chat-export-demo"), help: "where the jobs and their output go")
        static let progress = Commands.RunFlags.progress
    }

    static let command = CLICommand(
        "demo", usage: "Usage: chat-export demo [--dir DIR] [--progress MODE]",
        discussion: """
            Starts the vendor sandbox in-process on a free port and runs a real job for every
            built-in source against it, writing into DIR. Prints a summary and something to try.
            Needs no account and no server.
            """,
        options: [Flags.directory, Flags.progress])

    func run(_ arguments: Arguments) async throws -> Int32 {
        let directory = arguments.string(Flags.directory)
        let mode = arguments.value(Flags.progress)
        try FileSystem.makeDirectories(directory)
        let sandbox: VendorSandbox
        do {
            sandbox = try VendorSandbox(settings: SandboxSettings())
        } catch {
            throw ChatExportError(.failure, "demo: cannot start the vendor sandbox: \(error)")
        }
        defer { sandbox.stop() }
        logger.info("vendor sandbox listening on \(sandbox.baseURL)")
        let loader = JobConfigLoader(registry: BuiltIns.registry, environment: environment, logger: logger)
        var lines: [String] = []
        for (name, config) in BuiltIns.demoJobs(sandbox: sandbox) {
            let file = directory + "/" + name + ".json"
            try FileSystem.writeAtomically(Array((config.serialized(pretty: true) + "\n").utf8), to: file)
            let job = try loader.load(file: file)
            // Each demo talks to a new sandbox (another port, so another vendor instance): start
            // every job over rather than resume a checkpoint made for the last one.
            let outcome = try await JobExecution.run(
                job, label: file, only: nil, progress: mode.flatMap(ProgressReporter.Mode.init(rawValue:)) ?? .auto, fullRefresh: true,
                logger: logger)
            guard outcome.status == 0, let summary = outcome.summary else { return outcome.status }
            let counts = summary.streams.sorted { $0.key < $1.key }.map { "\($0.value.records) \($0.key)" }.joined(separator: ", ")
            lines.append("  \(name): \(counts) in \(String(format: "%.2f", summary.duration.inSeconds)) s (config: \(file))")
        }
        print("Demo finished. Data written under \(directory)/out:")
        for line in lines { print(line) }
        print(BuiltIns.demoHint(directory: directory))
        return 0
    }
}
