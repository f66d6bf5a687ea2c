import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

@Suite("Secrets masked whole, through the binary")
struct MaskingTests {
    @Test(
        "an error naming a host that contains the token reads as it is; validate warns about a token too short to tell apart from other text"
    )
    func wholeValues() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "ada-v2", "base_url": "https://api.acme12345.invalid", "token": "acme1234", "max_attempts": 1}, "sinks": [{"type": "stdout"}]}"#
        )
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(outcome.status == 75, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("api.acme12345.invalid"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("<redacted>5"), "\(outcome.stderr)")
        let short = try directory.write(
            "short.json",
            #"{"source": {"type": "ada-v2", "base_url": "https://acme.ada.support", "token": "e"}, "sinks": [{"type": "stdout"}]}"#)
        let warned = try CLIHarness.run(["validate", short])
        #expect(warned.status == 0)
        #expect(warned.stderr.contains("warning"), "\(warned.stderr)")
        #expect(warned.stderr.contains("source.token: the given value is 1 character long, too short"), "\(warned.stderr)")
    }
}
