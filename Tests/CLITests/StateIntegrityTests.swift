import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

private func messageRows(_ sandbox: VendorSandbox, from start: Timestamp? = nil) -> [String: String] {
    Dictionary(
        uniqueKeysWithValues: sandbox.dataset.adaMessages.filter { start == nil || $0.created >= start! }.map {
            ($0.id, String(decoding: $0.json, as: UTF8.self))
        })
}

private func run(_ file: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> CLIHarness.Outcome {
    try CLIHarness.run(["run", file, "--progress", "off"] + extra, environment: environment)
}

@Suite("State integrity through the binary")
struct StateIntegrityTests {
    @Test("a checkpoint is refused by another API version, bot, cursor mode or a new sink, with what differs and what to do")
    func identity() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let other = try VendorSandbox()
        defer { other.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", adaJob(sandbox))
        #expect(try run(file).status == 0)

        _ = try directory.write("job.json", adaJob(sandbox, type: "ada-v1.4"))
        let version = try run(file)
        #expect(version.status == 78, "\(version.stderr)")
        #expect(version.stderr.contains(#"source type: stored "ada-v2", now "ada-v1.4""#))
        #expect(version.stderr.contains("state reset CONFIG --stream"))

        _ = try directory.write("job.json", adaJob(sandbox, baseURL: other.baseURL))
        let bot = try run(file)
        #expect(bot.status == 78)
        #expect(bot.stderr.contains("vendor instance: stored \"127.0.0.1:\(sandbox.port)\", now \"127.0.0.1:\(other.port)\""))
        #expect(other.requests.isEmpty)

        _ = try directory.write("job.json", adaJob(sandbox, extra: #", "conversations_cursor": "created""#))
        #expect(try run(file).stderr.contains(#"cursor: stored "updated", now "created""#))

        let both = #"[{"type": "sqlite", "path": "out/db.sqlite"}, {"type": "files", "dir": "out/files"}]"#
        _ = try directory.write("job.json", adaJob(sandbox, sinks: both))
        let newSink = try run(file)
        #expect(newSink.status == 78)
        #expect(newSink.stderr.contains("is new to the checkpoint"))

        // A trailing slash is the same source; nothing new to read.
        let before = sandbox.requests.count
        _ = try directory.write("job.json", adaJob(sandbox, baseURL: sandbox.baseURL + "/"))
        #expect(try run(file).status == 0)
        #expect(sandbox.requests.count - before <= 4)

        // After a reset the other version runs and the table is exact.
        _ = try directory.write("job.json", adaJob(sandbox, type: "ada-v1.4"))
        #expect(try CLIHarness.run(["state", "reset", file]).status == 0)
        #expect(try run(file).status == 0)
        #expect(try SQLiteRows.ids(directory.path + "/out/db.sqlite", table: "messages") == messageRows(sandbox))
    }

    @Test("a DeepConverse checkpoint is never applied to another bot")
    func deepConverseBot() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let job = { (bot: String) in
            #"{"source": {"type": "deepconverse", "base_url": "\#(sandbox.baseURL)", "api_key": "\#(sandbox.settings.deepConverseKey)", "bot_name": "\#(bot)", "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())", "requests_per_second": 50}, "sinks": [{"type": "sqlite", "path": "out/db.sqlite"}]}"#
        }
        let file = try directory.write("job.json", job(sandbox.settings.botName))
        #expect(try run(file).status == 0)
        let before = sandbox.requests.count
        _ = try directory.write("job.json", job("another-bot"))
        let outcome = try run(file)
        #expect(outcome.status == 78)
        #expect(outcome.stderr.contains(#"bot: stored "sandbox-bot", now "another-bot""#))
        #expect(sandbox.requests.count == before)
    }

    @Test("a files directory belongs to one job: another job is refused, a deleted checkpoint is refused until --full-refresh")
    func filesOwnership() throws {
        let directory = TemporaryDirectory()
        let slow = try directory.write(
            "a.json",
            #"{"source": {"type": "synthetic", "records": 60, "page_size": 1, "page_delay": "50ms"}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        let other = try directory.write(
            "b.json", #"{"source": {"type": "synthetic", "records": 40, "page_size": 10}, "sinks": [{"type": "files", "dir": "out"}]}"#)
        let running = try CLIHarness.start(["run", slow, "--progress", "off"])
        #expect(CLIHarness.waitUntil { FileManager.default.fileExists(atPath: directory.path + "/out/.chat-export-owner.json") })
        let concurrent = try run(other)
        #expect(concurrent.status == 78, "\(concurrent.stderr)")
        #expect(concurrent.stderr.contains("belongs to another job"))
        #expect(running.wait().status == 0)
        let after = try run(other)
        #expect(after.status == 78)
        #expect(after.stderr.contains(directory.path + "/a.checkpoint.json"))

        // The owner's checkpoint is deleted: refused, then --full-refresh sets the parts aside.
        unlink(directory.path + "/a.checkpoint.json")
        let orphaned = try run(slow)
        #expect(orphaned.status == 78)
        #expect(orphaned.stderr.contains("no longer exists"))
        #expect(orphaned.stderr.contains("--full-refresh"))
        let fast = try directory.write(
            "a.json", #"{"source": {"type": "synthetic", "records": 60, "page_size": 10}, "sinks": [{"type": "files", "dir": "out"}]}"#)
        let refreshed = try run(fast, ["--full-refresh"])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        for stream in ["messages", "conversations"] {
            let ids = try FilesOutput.ids(directory.path + "/out/" + stream)
            #expect(ids.count == 60)
            #expect(Set(ids).count == 60)
        }
        let aside = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/out").filter { $0.hasPrefix(".replaced-") }
        #expect(aside.count == 1)
        #expect(try FilesOutput.ids(directory.path + "/out/" + aside[0] + "/messages").count == 60)

        // A reset stream with published parts is refused rather than exported again beside them.
        #expect(try CLIHarness.run(["state", "reset", fast, "--stream", "messages"]).status == 0)
        let reset = try run(fast)
        #expect(reset.status == 78)
        #expect(reset.stderr.contains("published parts but the checkpoint has no position for stream messages"))
        let again = try run(fast, ["--stream", "messages", "--full-refresh"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try FilesOutput.ids(directory.path + "/out/messages").count == 60)
    }

    @Test("the daily request budget is counted per UTC day across runs")
    func dailyBudget() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            adaJob(
                sandbox,
                extra: #", "streams": ["messages"], "max_concurrent_windows": 1, "daily_request_budget": 2"#,
                sinks: #"[{"type": "files", "dir": "out"}]"#))
        for _ in 0..<3 {
            let outcome = try run(file)
            #expect(outcome.status == 75, "\(outcome.stderr)")
            #expect(outcome.stderr.contains("daily request budget of 2 requests for 127.0.0.1:\(sandbox.port) is used up"))
        }
        #expect(sandbox.requests.count == 2)
        let state = try JSONValue.parse(try String(contentsOfFile: directory.path + "/job.checkpoint.json", encoding: .utf8))
        #expect(state["job"]?["requests:127.0.0.1:\(sandbox.port)"]?["used"] == .integer(2))
    }

    @Test("a dry run and discover spend from the job's stored daily budget, as run does")
    func previewsSpendTheStoredBudget() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        // A budget under 400 is written ahead one request at a time: the stored count is exact.
        let file = try directory.write(
            "job.json",
            adaJob(
                sandbox, pageSize: 10_000, extra: #", "max_concurrent_windows": 1, "daily_request_budget": 100"#,
                sinks: #"[{"type": "files", "dir": "out"}]"#))
        func stored() throws -> Int? {
            let state = try JSONValue.parse(try String(contentsOfFile: directory.path + "/job.checkpoint.json", encoding: .utf8))
            return state["job"]?["requests:127.0.0.1:\(sandbox.port)"]?["used"]?.intValue
        }
        let first = try run(file)
        #expect(first.status == 0, "\(first.stderr)")
        let afterRun = sandbox.requests.count
        #expect(try stored() == afterRun)
        let preview = try CLIHarness.run(["run", file, "--dry-run", "--limit", "3"])
        #expect(preview.status == 0, "\(preview.stderr)")
        let discovered = try CLIHarness.run(["discover", file, "--limit", "3"])
        #expect(discovered.status == 0, "\(discovered.stderr)")
        #expect(sandbox.requests.count > afterRun)
        // Every request the previews sent is in the stored count. A request is counted before it is
        // sent, so an attempt that times out before reaching the vendor (a loaded machine) is counted
        // without being seen: the count may run ahead of the vendor's log, never behind it.
        let counted = try stored() ?? 0
        #expect(
            counted >= sandbox.requests.count,
            "every request of the dry run and discover is counted in the stored budget: stored \(counted), sent \(sandbox.requests.count), after the run \(afterRun)"
        )
    }

    @Test("an end in the future reads to now − lag and never stores a later position")
    func futureEnd() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let now = sandbox.settings.end.adding(seconds: 3600)
        let future = now.adding(seconds: 10 * 86_400)
        let job =
            #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)", "rate_limits": {"per_endpoint_per_second": 50, "per_minute": 0}, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(future.iso8601())"}, "sinks": [{"type": "sqlite", "path": "out/db.sqlite"}]}"#
        let file = try directory.write("job.json", job)
        let outcome = try run(file, environment: ["CHAT_EXPORT_NOW": now.iso8601()])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("is later than now − lag"))
        let state = try JSONValue.parse(try CLIHarness.run(["state", "show", file, "--json"]).stdout)
        for stream in ["messages", "conversations"] {
            let end = state["streams"]?[stream]?["checkpoint"]?["reader"]?["range_end"]?.stringValue.flatMap(Timestamp.init(iso8601:))
            // Ada v2's default lag: 15 minutes.
            #expect(end == now.adding(seconds: -900))
        }
    }

    @Test("moving start earlier reads the newly uncovered range")
    func earlierStart() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let later = sandbox.dataset.start.adding(seconds: 12 * 86_400)
        let job = { (start: Timestamp) in
            #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)", "rate_limits": {"per_endpoint_per_second": 50, "per_minute": 0}, "streams": ["messages"], "start": "\#(start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())"}, "sinks": [{"type": "sqlite", "path": "out/db.sqlite"}]}"#
        }
        let file = try directory.write("job.json", job(later))
        #expect(try run(file).status == 0)
        let database = directory.path + "/out/db.sqlite"
        #expect(try SQLiteRows.ids(database, table: "messages") == messageRows(sandbox, from: later))
        _ = try directory.write("job.json", job(sandbox.dataset.start))
        let outcome = try run(file)
        #expect(outcome.status == 0)
        #expect(outcome.stderr.contains("reading that range too"))
        #expect(try SQLiteRows.ids(database, table: "messages") == messageRows(sandbox))
    }

    @Test(
        "Ada lookback: a conversation updated behind the checkpoint and shown late is read again 3 h on; without it it is missed",
        arguments: [true, false])
    func lookback(enabled: Bool) throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let extra = enabled ? "" : #", "lookback": "0s""#
        let job =
            #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "\#(sandbox.settings.adaToken)", "rate_limits": {"per_endpoint_per_second": 50, "per_minute": 0}, "streams": ["conversations"], "start": "\#(sandbox.dataset.start.iso8601())"\#(extra)}, "sinks": [{"type": "sqlite", "path": "out/db.sqlite"}]}"#
        let file = try directory.write("job.json", job)
        let now = sandbox.settings.end.adding(seconds: 3600)
        sandbox.setClock(now)
        #expect(try run(file, environment: ["CHAT_EXPORT_NOW": now.iso8601()]).status == 0)
        // Updated an hour before the stored position, and shown only after that run.
        let touched = sandbox.touchConversations(count: 5, at: now.adding(seconds: -3600))
        let later = now.adding(seconds: 4 * 3600)
        sandbox.setClock(later)
        #expect(try run(file, environment: ["CHAT_EXPORT_NOW": later.iso8601()]).status == 0)
        let rows = try SQLiteRows.ids(directory.path + "/out/db.sqlite", table: "conversations")
        let current = Dictionary(
            uniqueKeysWithValues: sandbox.dataset.adaConversations.map { ($0.id, String(decoding: $0.json, as: UTF8.self)) })
        for id in touched { #expect((rows[id] == current[id]) == enabled) }
    }

    @Test("state reset recovers a corrupt checkpoint (kept aside) and keeps a backup; stale temp files go; outputs are private")
    func recovery() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 30, "page_size": 10}, "sinks": [{"type": "sqlite", "path": "out/db.sqlite"}, {"type": "files", "dir": "files"}], "checkpoint": {"path": "state/job.checkpoint.json"}}"#
        )
        let checkpoint = directory.path + "/state/job.checkpoint.json"
        #expect(try run(file).status == 0)
        #expect(try CLIHarness.run(["state", "reset", file, "--stream", "conversations"]).status == 0)
        let backup = try JSONValue.parse(try String(contentsOfFile: checkpoint + ".bak", encoding: .utf8))
        #expect(backup["streams"]?["conversations"] != nil)
        #expect(try run(file, ["--stream", "conversations", "--full-refresh"]).status == 0)

        try "{\"format\": \"chat-export-checkpoint\", \"streams\": {".write(toFile: checkpoint, atomically: false, encoding: .utf8)
        let corrupt = try run(file)
        #expect(corrupt.status == 1)
        #expect(corrupt.stderr.contains("is corrupt"))
        #expect(corrupt.stderr.contains("state reset"))
        let reset = try CLIHarness.run(["state", "reset", file])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(reset.stderr.contains("moved it to"))
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/state").filter { $0.contains(".corrupt-") }
        #expect(kept.count == 1)

        try "partial".write(toFile: checkpoint + ".tmp-424242", atomically: false, encoding: .utf8)
        let refreshed = try run(file, ["--full-refresh"])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: checkpoint + ".tmp-424242"))
        #expect(try SQLiteRows.ids(directory.path + "/out/db.sqlite", table: "messages").count == 30)
        #expect(try FilesOutput.ids(directory.path + "/files/messages").count == 30)

        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        }
        for path in [checkpoint, directory.path + "/out/db.sqlite", directory.path + "/files/messages/part-00000001.jsonl"] {
            #expect(try mode(path) & 0o077 == 0, "\(path)")
        }
        for path in [directory.path + "/state", directory.path + "/out", directory.path + "/files", directory.path + "/files/messages"] {
            #expect(try mode(path) & 0o077 == 0, "\(path)")
        }
    }
}

@Suite("Hostile paging through the binary")
struct HostilePagingTests {
    @Test("a DeepConverse cursor handed back unchanged is retried, then fails naming the request; no loop")
    func repeatedCursor() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let time = Timestamp(iso8601: "2026-01-01T10:00:00Z")!.epochSeconds
        let records = (0..<3).map { #"{"_id": "m\#($0)", "time": \#(time), "conversationId": "c1"}"# }.joined(separator: ",")
        let page = SandboxServer.Response.json(200, Array(#"{"data": [\#(records)], "cursor": "same-cursor"}"#.utf8))
        sandbox.script("/conversations/export/v1/messages", Array(repeating: page, count: 20))
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "deepconverse", "base_url": "\#(sandbox.baseURL)", "api_key": "secret-key-42", "bot_name": "b", "streams": ["messages"], "max_concurrent_windows": 1, "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z", "max_attempts": 3, "max_retry_delay": "10ms", "requests_per_second": 100}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        let outcome = try run(file)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("returned the cursor it was given (same-cursor)"))
        #expect(outcome.stderr.contains("GET /conversations/export/v1/messages?start_time="))
        #expect(!outcome.stderr.contains("secret-key-42"))
        #expect(sandbox.requests.count == 4)
    }

    @Test("a DeepConverse cursor that comes back later in the window (a cycle) is caught too")
    func cursorCycle() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let time = Timestamp(iso8601: "2026-01-01T10:00:00Z")!.epochSeconds
        let page = { (id: Int, cursor: String) in
            SandboxServer.Response.json(
                200, Array(#"{"data": [{"_id": "m\#(id)", "time": \#(time), "conversationId": "c"}], "cursor": "\#(cursor)"}"#.utf8))
        }
        sandbox.script("/conversations/export/v1/messages", [page(1, "A"), page(2, "B")] + Array(repeating: page(3, "A"), count: 10))
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "deepconverse", "base_url": "\#(sandbox.baseURL)", "api_key": "k", "bot_name": "b", "streams": ["messages"], "max_concurrent_windows": 1, "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z", "max_attempts": 2, "max_retry_delay": "10ms", "requests_per_second": 100}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        let outcome = try run(file)
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("already gave for this window"))
        #expect(sandbox.requests.count == 4)
    }

    @Test("Ada links that never advance read the tie in one largest page, then fail naming the timestamp")
    func adaNoAdvance() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let tie = "2026-01-01T10:00:00"
        let link = sandbox.baseURL + "/api/v2/export/messages?created_since=2026-01-01T10%3A00%3A00Z&created_to=2026-01-02T00%3A00%3A00Z"
        let page = { (index: Int) -> SandboxServer.Response in
            // Full pages: 100 records as asked, then the largest page (10000) all at the tie.
            let records = (0..<(index < 2 ? 100 : 10_000)).map {
                #"{"_id": "p\#(index)-\#($0)", "date_created": "\#(tie)+00:00", "conversation_id": "c"}"#
            }
            return .json(200, Array(#"{"data": [\#(records.joined(separator: ","))], "meta": {"next_page_uri": "\#(link)"}}"#.utf8))
        }
        sandbox.script("/api/v2/export/messages", (0..<3).map(page))
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "test-token-123", "streams": ["messages"], "page_size": 100, "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z", "window_days": 1, "max_concurrent_windows": 1, "rate_limits": {"per_endpoint_per_second": 100, "per_minute": 0}}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        let outcome = try run(file)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("more than 10000 records share the timestamp 2026-01-01T10:00:00Z"))
        // The window's first page links to the tie (an advance), the tie's page of 100 links to
        // itself, the largest page does too: three requests, then a clear error.
        #expect(sandbox.requests.map { $0.parameter("page_size") } == ["100", "100", "10000"])
        #expect(sandbox.requests.last?.parameter("created_since") == "2026-01-01T10:00:00Z")
    }

    @Test("an Ada v2 page without meta is an invalid response, not the end of the window")
    func adaMissingMeta() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let body = Array(#"{"data": [{"_id": "x", "date_created": "2026-01-01T10:00:00+00:00", "conversation_id": "c"}]}"#.utf8)
        sandbox.script("/api/v2/export/messages", Array(repeating: .json(200, body), count: 5))
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "test-token-123", "streams": ["messages"], "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z", "max_concurrent_windows": 1, "max_attempts": 3, "max_retry_delay": "10ms", "rate_limits": {"per_endpoint_per_second": 100, "per_minute": 0}}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        let outcome = try run(file)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains(#"no "meta" object"#))
        #expect(sandbox.requests.count == 3)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out/messages/part-00000001.jsonl"))
    }
}
