import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@Suite("Previews through the binary")
struct PreviewTests {
    /// A job as `init` writes it (default start, page size and rate limits), against the sandbox.
    static func initJob(_ type: String, _ sandbox: VendorSandbox) -> String {
        switch type {
        case "deepconverse":
            // DeepConverse needs a start: a year back, as a person trying it would write.
            #"{"source": {"type": "deepconverse", "base_url": "\#(sandbox.baseURL)", "api_key": "\#(sandbox.settings.deepConverseKey)", "bot_name": "\#(sandbox.settings.botName)", "start": "\#(Timestamp.now.adding(seconds: -365 * 86_400).iso8601())"}, "sinks": [{"type": "files", "dir": "out"}]}"#
        case "rest":
            #"{"source": {"type": "rest", "definition": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)"}, "sinks": [{"type": "files", "dir": "out"}]}"#
        default:
            #"{"source": {"type": "\#(type)", "base_url": "\#(sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)"}, "sinks": [{"type": "files", "dir": "out"}]}"#
        }
    }

    @Test(
        "run --dry-run and discover ask one small page per stream, from the most recent window, with init's defaults",
        arguments: ["ada-v2", "ada-v1.4", "deepconverse", "rest"])
    func onePagePerStream(type: String) throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", Self.initJob(type, sandbox))
        let dry = try CLIHarness.run(["run", file, "--dry-run", "--limit", "2"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.split(separator: "\n").count == 4)
        let requests = sandbox.requests
        // A year of 59-day (or 7-day) windows: before, every window up to the one with data was asked.
        #expect(requests.count == 2, "\(requests.map(\.path))")
        for request in requests {
            let size = request.parameter("page_size") ?? request.parameter("per_page")
            #expect(size == (type == "deepconverse" ? "2" : "100"), "the smallest page that holds the preview")
            // The most recent window: it reaches past the newest record.
            let to = request.parameter("created_to") ?? request.parameter("updated_to") ?? request.parameter("end_time") ?? ""
            let end = Timestamp(iso8601: to) ?? Int64(to).map { Timestamp(epochSeconds: $0) }
            #expect(try #require(end) > sandbox.settings.end.adding(seconds: -3600))
        }
        let discovered = try CLIHarness.run(["discover", file, "--json"])
        #expect(discovered.status == 0, "\(discovered.stderr)")
        let sampled = Array(sandbox.requests.dropFirst(2))
        #expect(sampled.allSatisfy { ($0.parameter("page_size") ?? $0.parameter("per_page")) == "100" })
        if type == "deepconverse" {
            // A week's window holds fewer than 100 of the sandbox's conversations: the weeks
            // before it are asked, newest first, until 100 are found (the data spans 30 days).
            for path in Set(sampled.map(\.path)) {
                let ends = sampled.filter { $0.path == path }.compactMap { $0.parameter("end_time").flatMap { Int64($0) } }
                #expect(ends == ends.sorted(by: >) && ends.count <= 6, "\(ends)")
            }
        } else {
            #expect(sampled.count == 2)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }
}
