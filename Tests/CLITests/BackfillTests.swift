import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@Suite("Backfill and repair through the binary")
struct BackfillTests {
    @Test("run --since/--until reads exactly that range into the sinks, leaves the checkpoint as it was, and files keep it apart")
    func backfill() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            adaJob(
                sandbox, extra: #", "streams": ["messages"]"#,
                sinks: #"[{"type": "sqlite", "path": "out/db.sqlite"}, {"type": "files", "dir": "files"}]"#))
        let full = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(full.status == 0, "\(full.stderr)")
        let all = sandbox.dataset.adaMessages
        let stored = try CLIHarness.run(["state", "show", file, "--json"]).stdout
        let requestsBefore = sandbox.requests.count

        // A range in the middle of the data, on whole seconds no record is created at.
        let since = sandbox.dataset.start.adding(seconds: 86_400 * 3 + 1)
        let until = since.adding(seconds: 86_400 * 2)
        let expected = all.filter { $0.created >= since && $0.created < until }
        try #require(!expected.isEmpty && expected.count < all.count)
        let backfill = try CLIHarness.run(["run", file, "--progress", "off", "--since", since.iso8601(), "--until", until.iso8601()])
        #expect(backfill.status == 0, "\(backfill.stderr)")
        #expect(backfill.stderr.contains("the job's checkpoint is unchanged"))
        #expect(sandbox.requests.count > requestsBefore)

        // The checkpoint is exactly as it was.
        #expect(try CLIHarness.run(["state", "show", file, "--json"]).stdout == stored)
        // Files: the regular parts are untouched, the range is a generation of its own, exactly once.
        let folder = directory.path + "/files/messages"
        #expect(try FilesOutput.ids(folder).count == all.count)
        let generations = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("backfill-") }
        #expect(generations.count == 1)
        let backfilled = try FilesOutput.ids(folder + "/" + (generations.first ?? "?"))
        #expect(backfilled.count == expected.count)
        #expect(Set(backfilled) == Set(expected.map(\.id)))
        // SQLite upserts: the same rows, none doubled.
        #expect(try SQLiteRows.ids(directory.path + "/out/db.sqlite", table: "messages").count == all.count)

        // The regular run goes on from its own checkpoint: nothing new, no refusal.
        let again = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try FilesOutput.ids(folder).count == all.count)
    }

    @Test("state set moves a stream's position by hand: the next run reads exactly from there; sink positions are kept")
    func stateSet() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", adaJob(sandbox, extra: #", "streams": ["messages"]"#))
        #expect(try CLIHarness.run(["run", file, "--progress", "off"]).status == 0)
        let position = sandbox.dataset.start.adding(seconds: 86_400 * 5 + 1)
        let set = try CLIHarness.run(["state", "set", file, "--stream", "messages", "--position", position.iso8601()])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stderr.contains("messages: set to read from \(position.iso8601()) (was complete through"), "\(set.stderr)")
        #expect(try CLIHarness.run(["state", "show", file]).stdout.contains("complete through \(position.iso8601())"))

        let rerun = try CLIHarness.run(["run", file, "--progress", "off", "--log-format", "json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let events = try rerun.stderr.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let finished = try #require(events.first { $0["event"] == .string("stream_finished") })
        let expected = sandbox.dataset.adaMessages.filter { $0.created >= position }.count
        #expect(finished["records"] == .number("\(expected)"))

        for (arguments, fragment) in [
            (["--stream", "messages"], "needs --stream NAME and --position TIME"),
            (["--stream", "nope", "--position", "2026-01-01"], "no such stream"),
            (["--stream", "messages", "--position", "soon"], "--position: expected a time"),
            (["--stream", "messages", "--position", "2999-01-01"], "is in the future"),
        ] {
            let outcome = try CLIHarness.run(["state", "set", file] + arguments)
            #expect(outcome.status == 64, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.contains(fragment), "\(arguments): \(outcome.stderr)")
        }
    }

    @Test(
        "backfill options are checked before anything runs",
        arguments: [
            (["--until", "2026-10-01"], "--until goes with --since"),
            (["--since", "last week"], "--since: expected a time (2026-10-01"),
            (["--since", "400d"], "up to 366d"),
            (["--since", "2026-10-02", "--until", "2026-10-01"], "is not after --since"),
            (["--since", "2026-10-01", "--full-refresh"], "use one"),
        ])
    func usage(_ extra: [String], _ fragment: String) throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 5}, "sinks": [{"type": "stdout"}]}"#)
        let outcome = try CLIHarness.run(["run", file] + extra)
        #expect(outcome.status == 64, "\(outcome.stderr)")
        #expect(outcome.stderr.contains(fragment), "\(outcome.stderr)")
    }
}
