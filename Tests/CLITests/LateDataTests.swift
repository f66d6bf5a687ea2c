import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// Records a vendor shows hours after their time, through the real binary: the sandbox's clock
/// and the binary's (`CHAT_EXPORT_NOW`) are moved together, nothing waits.
@Suite("Records the vendor shows late")
struct LateDataTests {
    /// The dataset's end; the runs happen around it.
    static let end = Timestamp(iso8601: "2026-11-10T00:00:00Z")!

    /// Three days of data, 5 % of it shown 30 h late; conversations are updated within half an
    /// hour of their creation (their late copy is shown 30 h after that).
    static func sandbox() throws -> VendorSandbox {
        var settings = SandboxSettings()
        settings.seed = 24
        settings.conversations = 300
        settings.messagesPerConversation = 5
        settings.days = 3
        settings.end = end
        settings.now = end
        settings.updatedFraction = 0
        settings.lateFraction = 0.05
        settings.lateBy = 30 * 3600
        return try VendorSandbox(settings: settings)
    }

    /// A job at default freshness settings (only the pace is raised: the sandbox enforces no limit).
    static func job(_ type: String, _ sandbox: VendorSandbox, sinks: String, extra: String) -> String {
        let start = sandbox.dataset.start.iso8601()
        let source =
            type == "deepconverse"
            ? #"{"type": "deepconverse", "base_url": "\#(sandbox.baseURL)", "api_key": "\#(sandbox.settings.deepConverseKey)", "bot_name": "\#(sandbox.settings.botName)", "start": "\#(start)", "rate_limits": {"per_endpoint_per_second": 50}\#(extra)}"#
            : #"{"type": "\#(type)", "base_url": "\#(sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)", "start": "\#(start)", "rate_limits": {"per_endpoint_per_second": 50, "per_minute": 0}\#(extra)}"#
        return #"{"source": \#(source), "sinks": \#(sinks)}"#
    }

    /// Every id the vendor has, by stream.
    static func expected(_ type: String, _ sandbox: VendorSandbox) -> [String: Set<String>] {
        let dataset = sandbox.dataset
        if type == "deepconverse" {
            return [
                "conversations": Set(dataset.deepConverseConversations.map(\.id)), "messages": Set(dataset.deepConverseMessages.map(\.id)),
            ]
        }
        return ["conversations": Set(dataset.adaConversations.map(\.id)), "messages": Set(dataset.adaMessages.map(\.id))]
    }

    /// The late records' ids, by stream.
    static func late(_ type: String, _ sandbox: VendorSandbox) -> [String: Set<String>] {
        let dataset = sandbox.dataset
        if type == "deepconverse" {
            return [
                "conversations": Set(dataset.deepConverseConversations.filter { $0.delay > 0 }.map(\.id)),
                "messages": Set(dataset.deepConverseMessages.filter { $0.delay > 0 }.map(\.id)),
            ]
        }
        return [
            "conversations": Set(dataset.adaConversations.filter { $0.delay > 0 }.map(\.id)),
            "messages": Set(dataset.adaMessages.filter { $0.delay > 0 }.map(\.id)),
        ]
    }

    @Test(
        "at default settings a record shown 30 h late reaches SQLite, files and stdout, each exactly once; with lookback 0s it is lost",
        arguments: ["ada-v2", "ada-v1.4", "deepconverse"], [true, false])
    func lateRecords(type: String, lookback: Bool) throws {
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let sinks = #"[{"type": "sqlite", "path": "out/db.sqlite"}, {"type": "files", "dir": "out/files"}, {"type": "stdout"}]"#
        let file = try directory.write("job.json", Self.job(type, sandbox, sinks: sinks, extra: lookback ? "" : #", "lookback": "0s""#))
        // A run now, 4 h later, 40 h later (the issue's schedule), 60 h later, and once every late
        // record has been shown and has come of age.
        let first = Self.end.adding(seconds: -24 * 3600)
        let clocks = [0, 4, 40, 60, 104].map { first.adding(seconds: Int64($0) * 3600) }
        var printed: [String: [String]] = [:]
        for clock in clocks {
            sandbox.setClock(clock)
            let outcome = try CLIHarness.run(
                ["run", file, "--progress", "off"], environment: ["CHAT_EXPORT_NOW": clock.iso8601()])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            for line in outcome.stdout.split(separator: "\n") {
                let value = try JSONValue.parse(String(line))
                printed[value["stream"]?.stringValue ?? "", default: []].append(value["record"]?["_id"]?.stringValue ?? "")
            }
        }
        let expected = Self.expected(type, sandbox)
        let late = Self.late(type, sandbox)
        #expect(late["messages"]!.count > 20 && late["conversations"]!.count > 5)
        for stream in ["conversations", "messages"] {
            let rows = Set(try SQLiteRows.ids(directory.path + "/out/db.sqlite", table: stream).keys)
            let parts = try FilesOutput.ids(directory.path + "/out/files/" + stream)
            let lines = printed[stream] ?? []
            if lookback {
                #expect(rows == expected[stream], "\(stream): \(expected[stream]!.subtracting(rows).count) missing from SQLite")
                #expect(parts.count == Set(parts).count, "\(stream): \(parts.count - Set(parts).count) repeated in files")
                #expect(Set(parts) == expected[stream])
                #expect(lines.count == Set(lines).count, "\(stream): \(lines.count - Set(lines).count) repeated on stdout")
                #expect(Set(lines) == expected[stream])
            } else {
                // The control: without re-reading, what was shown late is lost in every sink.
                let lost = expected[stream]!.subtracting(rows)
                #expect(!lost.isEmpty && lost.isSubset(of: late[stream]!))
                #expect(Set(parts) == rows && Set(lines) == rows)
            }
        }
    }

    @Test("a job whose only sink upserts is exact too, and keeps no record digests in its checkpoint")
    func upsertOnly() throws {
        let sandbox = try Self.sandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", Self.job("ada-v2", sandbox, sinks: #"[{"type": "sqlite", "path": "out/db.sqlite"}]"#, extra: ""))
        let first = Self.end.adding(seconds: -24 * 3600)
        for hours in [0, 4, 40, 60, 104] {
            let clock = first.adding(seconds: Int64(hours) * 3600)
            sandbox.setClock(clock)
            let outcome = try CLIHarness.run(["run", file, "--progress", "off"], environment: ["CHAT_EXPORT_NOW": clock.iso8601()])
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        let expected = Self.expected("ada-v2", sandbox)
        for stream in ["conversations", "messages"] {
            #expect(Set(try SQLiteRows.ids(directory.path + "/out/db.sqlite", table: stream).keys) == expected[stream])
        }
        let state = try CLIHarness.run(["state", "show", file, "--json"])
        #expect(state.status == 0)
        #expect(state.stdout.contains("\"rereads\""))
        #expect(!state.stdout.contains("\"delivered\""))
    }
}
