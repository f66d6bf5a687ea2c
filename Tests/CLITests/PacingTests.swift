import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@Suite("Pacing through the binary")
struct PacingTests {
    @Test("a wait for a rate limit of a second or more is logged once, naming the limit and when the next request goes")
    func waitIsLogged() throws {
        var settings = SandboxSettings()
        settings.conversations = 20
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        // One window, pages of 100: the second page waits 4 s for the endpoint's 0.25/s (announced from 1 s: room for a slow machine).
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)", "streams": ["messages"], "page_size": 100, "max_concurrent_windows": 1, "lookback": "0s", "rate_limits": {"per_endpoint_per_second": 0.25, "per_minute": 0}, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())"}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        #expect(sandbox.dataset.adaMessages.count > 100)
        let outcome = try CLIHarness.run(["run", file, "--progress", "off", "--log-format", "json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = try outcome.stderr.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let waits = lines.filter { $0["msg"]?.stringValue?.hasPrefix("waiting for the rate limit") == true }
        #expect(waits.count == 1, "\(outcome.stderr)")
        let wait = try #require(waits.first)
        #expect(wait["limit"] == .string("per_endpoint_per_second"))
        let message = wait["msg"]?.stringValue ?? ""
        #expect(message.contains("(0.25 requests a second to /api/v2/export/messages, 127.0.0.1:\(sandbox.port)); next request at "))
        #expect(message.hasSuffix(" UTC"), "\(message)")
    }
}
