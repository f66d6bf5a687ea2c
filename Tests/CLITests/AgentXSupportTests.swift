import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@Suite("agentx-support: DeepConverse under its Workato name")
struct AgentXSupportTests {
    func job(_ sandbox: VendorSandbox, type: String, end: Timestamp) -> String {
        #"{"source": {"type": "\#(type)", "base_url": "\#(sandbox.baseURL)", "api_key": "\#(sandbox.settings.deepConverseKey)", "bot_name": "\#(sandbox.settings.botName)", "per_page": 50, "rate_limits": {"per_endpoint_per_second": 50}, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(end.iso8601())"}, "sinks": [{"type": "files", "dir": "out"}]}"#
    }

    @Test("the same source as deepconverse: it exports, and a job may switch names and continue from its checkpoint, every record once")
    func sameSource() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let start = sandbox.dataset.start
        let middle = Timestamp(microseconds: start.microseconds + (sandbox.settings.end.microseconds - start.microseconds) / 2)
        let file = try directory.write("job.json", job(sandbox, type: "agentx-support", end: middle))
        let validated = try CLIHarness.run(["validate", file])
        #expect(validated.status == 0, "\(validated.stderr)")
        let first = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(first.status == 0, "\(first.stderr)")
        let half = try FilesOutput.ids(directory.path + "/out/messages")
        #expect(!half.isEmpty)
        #expect(half.count < sandbox.dataset.deepConverseMessages.count)

        _ = try directory.write("job.json", job(sandbox, type: "deepconverse", end: sandbox.settings.end))
        let second = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(second.status == 0, "\(second.stderr)")
        let all = try FilesOutput.ids(directory.path + "/out/messages")
        #expect(all.count == Set(all).count, "no message twice")
        #expect(Set(all) == Set(sandbox.dataset.deepConverseMessages.map(\.id)))

        let listed = try CLIHarness.run(["list"])
        #expect(listed.stdout.contains("agentx-support"))
    }
}
