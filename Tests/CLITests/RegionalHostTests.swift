import ConnectorTesting
import Testing

@Suite("Ada's regional hosts")
struct RegionalHostTests {
    @Test(
        "validate accepts a bot on any of Ada's regional hosts, for both API versions",
        arguments: ["acme.ada.support", "acme.eu.ada.support", "acme.maple.ada.support", "acme.us2.ada.support"], ["ada-v2", "ada-v1.4"])
    func regional(host: String, type: String) throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "\#(type)", "base_url": "https://\#(host)", "token": "${ADA_TOKEN}", "start": "2026-11-01T00:00:00Z"}, "sinks": [{"type": "stdout"}]}"#
        )
        let outcome = try CLIHarness.run(["validate", file], environment: ["ADA_TOKEN": "a-token-0123456789"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
    }
}
