import CSQLite
import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@Suite("Command line")
struct CommandLineTests {
    @Test(
        "bad command lines exit 64 with one line and a hint",
        arguments: [
            (["frobnicate"], "unknown command"), (["rnu"], "did you mean \"run\""),
            (["run"], "missing CONFIG"), (["run", "a.json", "b.json"], "expected one CONFIG"),
            (["validate", "--bogus", "x"], "unknown option --bogus"),
            (["run", "x.json", "--progres", "off"], "did you mean --progress"),
            (["--log-format", "xml", "list"], "must be one of human, json"),
            (["run", "x.json", "--progress"], "--progress needs a value"), (["state", "x.json"], "expected \"state show CONFIG\""),
            (["spec", "nope"], "unknown type \"nope\""), (["list", "extra"], "list takes no operands"),
        ]
    )
    func usageErrors(_ arguments: [String], _ fragment: String) throws {
        let outcome = try CLIHarness.run(arguments)
        #expect(outcome.status == 64, "\(arguments): \(outcome.stderr)")
        #expect(outcome.stderr.contains(fragment), "\(arguments): \(outcome.stderr)")
        #expect(outcome.stderr.contains("--help"))
    }

    @Test(
        "--help works on every command and --version prints the version",
        arguments: ["run", "check", "validate", "spec", "list", "state", "init", "discover", "completion", "serve"])
    func help(command: String) throws {
        let outcome = try CLIHarness.run([command, "--help"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("Usage: chat-export \(command)"))
        let main = try CLIHarness.run(["--help"])
        #expect(main.stdout.contains("Exit codes"))
        #expect(try CLIHarness.run(["--version"]).stdout.hasPrefix("chat-export "))
    }

    @Test("global options stand anywhere; help, help COMMAND and version are commands; hints name real commands")
    func globalOptionsAndHelp() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 5, "streams": ["messages"]}, "sinks": [{"type": "stdout"}]}"#)
        let run = try CLIHarness.run(["--log-level", "debug", "run", file, "--progress", "off"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").count == 5)
        #expect(try CLIHarness.run(["--log-format", "json", "list"]).stdout.contains("synthetic"))
        let help = try CLIHarness.run(["help"]).stdout
        #expect(help.contains("Usage: chat-export COMMAND"))
        for verb in [
            "demo", "run", "check", "validate", "spec", "list", "init", "state show", "state set", "state reset", "discover", "completion",
            "serve",
            "sandbox", "help", "version",
        ] {
            #expect(help.contains("\n  \(verb) "), "the help lists \(verb)")
        }
        #expect(try CLIHarness.run(["help", "run"]).stdout.contains("Usage: chat-export run CONFIG"))
        #expect(try CLIHarness.run(["version"]).stdout.hasPrefix("chat-export "))
        let unknownTopic = try CLIHarness.run(["help", "rnu"])
        #expect(unknownTopic.status == 64)
        #expect(unknownTopic.stderr.contains("did you mean \"run\""))
        let unknown = try CLIHarness.run(["--log-level", "debug", "frobnicate"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("Run 'chat-export --help' for usage."))
    }

    @Test(
        "init prints a config for each source that validates once its variable is set",
        arguments: ["ada-v2", "ada-v1.4", "deepconverse", "synthetic", "rest:ada-v2", "rest:ada-v1.4", "rest:deepconverse"])
    func scaffold(type: String) throws {
        let directory = TemporaryDirectory()
        for sink in ["sqlite", "files", "postgres", "stdout"] {
            let printed = try CLIHarness.run(["init", type, "--sink", sink])
            #expect(printed.status == 0, "\(printed.stderr)")
            let file = try directory.write("\(sink).json", printed.stdout)
            let environment = ["ADA_TOKEN": "t", "DEEPCONVERSE_API_KEY": "k"]
            let validated = try CLIHarness.run(["validate", file], environment: environment)
            #expect(validated.status == 0, "\(type) \(sink): \(validated.stderr)")
        }
        if type.hasPrefix("ada") || type.hasPrefix("rest:ada") {
            #expect(try CLIHarness.run(["init", type]).stdout.contains("${ADA_TOKEN}"))
        }
        if type.hasSuffix("deepconverse") { #expect(try CLIHarness.run(["init", type]).stdout.contains("${DEEPCONVERSE_API_KEY}")) }
        #expect(try CLIHarness.run(["init", "rest"]).stderr.contains("init rest needs a definition: init rest:NAME"))
        let unknown = try CLIHarness.run(["init", "ada-v3"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("did you mean"))
    }

    @Test("list names the registered types and spec prints JSON Schema")
    func listAndSpec() throws {
        let list = try CLIHarness.run(["list"])
        #expect(list.status == 0)
        for type in ["synthetic", "stdout", "files"] { #expect(list.stdout.contains("  \(type)")) }
        let spec = try JSONValue.parse(try CLIHarness.run(["spec", "files"]).stdout)
        #expect(spec["required"] == .array([.string("type"), .string("dir")]))
        #expect(spec["properties"]?["max_file_bytes"]?["default"] == .integer(128 * 1024 * 1024))
        let job = try JSONValue.parse(try CLIHarness.run(["spec"]).stdout)
        #expect(job["required"] == .array([.string("source"), .string("sinks")]))
        // Defaults come from the one declaration the factory reads (window_days used to be code only).
        let deepConverse = try JSONValue.parse(try CLIHarness.run(["spec", "deepconverse"]).stdout)
        #expect(deepConverse["properties"]?["window_days"]?["default"] == .integer(7))
        #expect(deepConverse["properties"]?["lag"]?["default"] == .string("2h"))
    }

    @Test("run to stdout prints one line per record and logs only to stderr; json logs are JSON")
    func runToStdout() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 25, "page_size": 10, "streams": ["messages"]}, "sinks": [{"type": "stdout"}]}"#)
        let outcome = try CLIHarness.run(["run", file, "--log-format", "json", "--progress", "off"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n")
        #expect(lines.count == 25)
        for line in lines { #expect(try JSONValue.parse(String(line))["stream"] == .string("messages")) }
        let events = try outcome.stderr.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        for event in events { #expect(event["level"] != nil) }
        // Run and stream events carry their counts as JSON numbers, not only inside the message.
        let stream = try #require(events.first { $0["event"] == .string("stream_finished") })
        #expect(stream["records"] == .number("25"))
        #expect(stream["pages"] == .number("3"))
        #expect(stream["stream"] == .string("messages"))
        let job = try #require(events.first { $0["event"] == .string("job_finished") })
        #expect(job["records"] == .number("25"))
        guard case .number = job["duration_s"] else {
            Issue.record("duration_s is not a number: \(job)")
            return
        }
        #expect(FileManager.default.fileExists(atPath: directory.path + "/job.checkpoint.json"))
        // A re-run resumes at the end: nothing new.
        #expect(try CLIHarness.run(["run", file, "--progress", "off"]).stdout.isEmpty)
    }

    @Test("a temporary failure exits 75 and the re-run completes with every record exactly once")
    func temporaryFailureAndResume() throws {
        let directory = TemporaryDirectory()
        let failing = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 500, "page_size": 50, "fail_after_pages": 3}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        let first = try CLIHarness.run(["run", failing, "--progress", "off"])
        #expect(first.status == 75, "\(first.stderr)")
        #expect(first.stderr.contains("fail_after_pages"))
        #expect(first.stderr.contains("run failed after"))
        let state = try JSONValue.parse(try CLIHarness.run(["state", "show", failing, "--json"]).stdout)
        // The first stream to fail cancels the other, so each holds up to three committed pages.
        for stream in ["messages", "conversations"] {
            let committed = state["streams"]?[stream]?["records"]?.intValue ?? 0
            #expect(committed <= 150 && committed % 50 == 0)
        }
        // The same job without the failure (same checkpoint file) resumes.
        let fixed = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 500, "page_size": 50}, "sinks": [{"type": "files", "dir": "out"}]}"#)
        #expect(try CLIHarness.run(["run", fixed, "--progress", "off"]).status == 0)
        for stream in ["messages", "conversations"] {
            let ids = try FilesOutput.ids(directory.path + "/out/" + stream)
            #expect(ids.count == 500)
            #expect(Set(ids).count == 500)
        }
    }

    @Test("a second run of the same job exits 75 while the first holds the lock; state reset is refused too")
    func locking() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 100, "page_size": 1, "page_delay": "50ms"}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        let first = try CLIHarness.start(["run", file, "--progress", "off"])
        // The first run holds the lock once the lock file names it.
        let lockFile = directory.path + "/job.checkpoint.json.lock"
        #expect(CLIHarness.waitUntil { (try? String(contentsOfFile: lockFile, encoding: .utf8)) == "\(first.pid)\n" })
        let second = try CLIHarness.run(["run", file])
        #expect(second.status == 75)
        #expect(second.stderr.contains("locked by another run (pid \(first.pid))"))
        #expect(try CLIHarness.run(["state", "reset", file]).status == 75)
        first.signal(SIGTERM)
        #expect(first.wait().status == 143)
    }

    @Test("state show reads a checkpoint kept in SQLite while the job runs (no lock needed)")
    func stateShowWhileRunning() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 200, "page_size": 1, "page_delay": "50ms"}, "sinks": [{"type": "sqlite", "path": "out/db.sqlite"}]}"#
        )
        let running = try CLIHarness.start(["run", file, "--progress", "off"])
        defer {
            running.signal(SIGTERM)
            _ = running.wait()
        }
        var committed = 0
        #expect(
            CLIHarness.waitUntil {
                let shown =
                    (try? CLIHarness.run(["state", "show", file, "--json"])) ?? CLIHarness.Outcome(status: -1, stdout: "", stderr: "")
                guard shown.status == 0 else { return false }
                committed = (try? JSONValue.parse(shown.stdout))?["streams"]?["messages"]?["records"]?.intValue ?? 0
                return committed > 0
            })
        #expect(committed > 0 && committed < 200)
        let human = try CLIHarness.run(["state", "show", file])
        #expect(human.status == 0)
        #expect(human.stdout.contains("messages: "))
        #expect(human.stdout.contains(" delivered in ") && human.stdout.contains("last committed"), "\(human.stdout)")
        #expect(human.stdout.contains("source synthetic"))
        // The job still holds its lock: a second run is refused meanwhile.
        #expect(try CLIHarness.run(["run", file]).status == 75)
    }

    @Test("SIGINT and SIGTERM stop cleanly with 130 and 143, keeping the last durable checkpoint", arguments: [SIGINT, SIGTERM])
    func signals(number: Int32) throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 400, "page_size": 5, "page_delay": "20ms"}, "sinks": [{"type": "files", "dir": "out"}]}"#
        )
        let running = try CLIHarness.start(["run", file, "--progress", "off"])
        // Signal once a batch is durable (the checkpoint counts committed records).
        let checkpoint = directory.path + "/job.checkpoint.json"
        #expect(
            CLIHarness.waitUntil {
                let text = (try? String(contentsOfFile: checkpoint, encoding: .utf8)) ?? ""
                return ((try? JSONValue.parse(text))?["streams"]?["messages"]?["records"]?.intValue ?? 0) > 0
            })
        running.signal(number)
        let outcome = running.wait()
        #expect(outcome.status == 128 + number, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("stopping at the last durable checkpoint"))
        // What the run achieved is said on the way out.
        #expect(outcome.stderr.contains("run stopped by \(number == SIGINT ? "SIGINT" : "SIGTERM") after"))
        #expect(outcome.stderr.contains("messages ") && outcome.stderr.contains(" records in "))
        let state = try JSONValue.parse(try CLIHarness.run(["state", "show", file, "--json"]).stdout)
        let committed = state["streams"]?["messages"]?["records"]?.intValue ?? 0
        #expect(committed > 0 && committed < 400)
        #expect(try CLIHarness.run(["run", file, "--progress", "off"]).status == 0)
        #expect(try FilesOutput.ids(directory.path + "/out/messages").count == 400)
    }

    @Test("kill -9 at random instants, then a re-run: every record is published exactly once")
    func killNine() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 12000, "page_size": 7, "page_delay": "2ms"}, "sinks": [{"type": "files", "dir": "out", "max_file_bytes": 4096}]}"#
        )
        // Each stream needs at least 12000 / 7 pages × 2 ms ≈ 3.4 s (the two run concurrently),
        // more than the ten kill windows together (≤ 2.5 s): no run can finish before its kill.
        let kills = try CLIHarness.killRuns(of: file, times: 10, after: 0.05...0.25)
        #expect(kills >= 8, "\(kills) of 10 runs were killed")
        let final = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(final.status == 0, "\(final.stderr)")
        for stream in ["messages", "conversations"] {
            let ids = try FilesOutput.ids(directory.path + "/out/" + stream)
            #expect(ids.count == 12000, "\(stream)")
            #expect(Set(ids).count == 12000, "\(stream) has duplicates")
        }
    }

    @Test("state reset forgets one stream; the next run re-reads only it")
    func stateReset() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 30, "page_size": 10}, "sinks": [{"type": "stdout"}]}"#)
        #expect(try CLIHarness.run(["run", file, "--progress", "off"]).stdout.split(separator: "\n").count == 60)
        #expect(try CLIHarness.run(["state", "reset", file, "--stream", "messages"]).status == 0)
        #expect(try CLIHarness.run(["state", "reset", file, "--stream", "nope"]).status == 64)
        let rerun = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(rerun.stdout.split(separator: "\n").count == 30)
        #expect(!rerun.stdout.contains("\"conversations\""))
    }
}

@Suite("Vendor jobs through the binary")
struct VendorJobTests {
    @Test("the example configs validate with a token in the environment", arguments: ["ada-v2.json", "ada-v1.4.json", "rest-ada-v2.json"])
    func examples(file: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/" + file).standardized
            .path
        let outcome = try CLIHarness.run(["validate", path], environment: ["ADA_TOKEN": "t"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let missing = try CLIHarness.run(["validate", path], environment: ["ADA_TOKEN": ""].filter { _ in false })
        if ProcessInfo.processInfo.environment["ADA_TOKEN"] == nil {
            #expect(missing.status == 78)
            #expect(missing.stderr.contains("ADA_TOKEN is not set"))
        }
    }

    @Test("a rejected token exits 77, check reports an accepted one, and the token is never printed")
    func credentials() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let config = { (token: String) in
            #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "${TOKEN}", "max_attempts": 2, "rate_limits": {"per_minute": 0}, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())"}, "sinks": [{"type": "files", "dir": "out"}]}"#
        }
        let file = try directory.write("job.json", config(""))
        let rejected = try CLIHarness.run(["run", file, "--log-level", "debug"], environment: ["TOKEN": "not-the-token-123"])
        #expect(rejected.status == 77, "\(rejected.stderr)")
        #expect(rejected.stderr.contains("answered 401"))
        #expect(!rejected.stderr.contains("not-the-token-123"))
        let checked = try CLIHarness.run(["check", file], environment: ["TOKEN": sandbox.settings.adaToken])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("token accepted"))
        let run = try CLIHarness.run(["run", file, "--progress", "off"], environment: ["TOKEN": sandbox.settings.adaToken])
        #expect(run.status == 0)
        #expect(try FilesOutput.ids(directory.path + "/out/messages").count == sandbox.dataset.adaMessages.count)
        #expect(run.stderr.contains("requests"))
    }
}

extension VendorJobTests {
    @Test("a dry run prints at most --limit records per stream and writes no sink and no checkpoint")
    func dryRun() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            // One page holds each stream's whole range: no next page exists, so none can be
            // fetched ahead of the limit, whatever the timing.
            adaJob(sandbox, pageSize: 10_000, extra: #", "max_concurrent_windows": 1"#, sinks: #"[{"type": "files", "dir": "out"}]"#))
        let outcome = try CLIHarness.run(["run", file, "--dry-run", "--limit", "7"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = try outcome.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(lines.count == 14)
        #expect(lines.filter { $0["stream"] == .string("messages") }.count == 7)
        #expect(lines.allSatisfy { $0["record"]?["_id"] != nil })
        // One page per stream was enough.
        #expect(sandbox.requests.count == 2)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/job.checkpoint.json"))
        #expect(try CLIHarness.run(["run", file, "--limit", "3"]).status == 64)
    }

    @Test("discover shows declared columns for a type, and for a config the fields seen in a real sample, writing nothing")
    func discover() throws {
        let byType = try CLIHarness.run(["discover", "ada-v2"])
        #expect(byType.status == 0, "\(byType.stderr)")
        #expect(byType.stdout.contains("created_at ← date_created (cursor)"))
        #expect(byType.stdout.contains("message_type      text       ← message_data._type"))
        #expect(!byType.stdout.contains("sampled records"))

        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", adaJob(sandbox, pageSize: 100, extra: #", "streams": ["messages"]"#))
        let sampled = try CLIHarness.run(["discover", file, "--limit", "20", "--json"])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        let stream = try #require(try JSONValue.parse(sampled.stdout)["streams"]?.arrayValue?.first)
        #expect(stream["name"] == .string("messages"))
        #expect(stream["sampled"] == .integer(20))
        let seen = stream["seen"]?.arrayValue ?? []
        let parent = try #require(seen.first { $0["field"] == .string("conversation_id") })
        #expect(parent["present"] == .integer(20))
        #expect(parent["types"] == .array([.string("string")]))
        #expect(seen.contains { $0["field"] == .string("message_data._type") })
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"), "discover writes no sink")
        let human = try CLIHarness.run(["discover", file, "--limit", "5"])
        #expect(human.stdout.contains("seen in 5 sampled records"))
        #expect(try CLIHarness.run(["discover", "ada-v3"]).stderr.contains("did you mean \"ada-v2\""))
    }

    @Test("completion bash completes commands, options, fixed values and types, skipping global option values")
    func bashCompletion() throws {
        let script = try CLIHarness.run(["completion", "bash"])
        #expect(script.status == 0)
        let directory = TemporaryDirectory()
        let file = try directory.write("chat-export.bash", script.stdout)
        let cases: [([String], String)] = [
            (["--log-level", "debug", "ru"], "run"), (["run", "job.json", "--pro"], "--progress"),
            (["run", "job.json", "--progress", ""], "auto live log off"), (["state", "s"], "show set"),
            (["init", "ada"], "ada-v2 ada-v1.4"), (["--log-format", ""], "human json"), (["disc"], "discover"),
            (["completion", ""], "bash zsh"), (["run", "job.json", "--si"], "--since"),
        ]
        var lines = ["source \(file)"]
        for (words, _) in cases {
            let quoted = (["chat-export"] + words).map { "'\($0)'" }.joined(separator: " ")
            lines.append("COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count); COMPREPLY=(); _chat_export; echo \"${COMPREPLY[*]}\"")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", lines.joined(separator: "\n")]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        for (index, (words, expected)) in cases.enumerated() {
            #expect(
                index < printed.count && printed[index] == expected[...],
                "\(words): \(index < printed.count ? String(printed[index]) : "nothing")")
        }
        #expect(try CLIHarness.run(["completion", "fish"]).status == 64)
    }

    @Test(
        "completion zsh is a valid zsh script",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh"), "zsh is not installed"))
    func zshCompletion() throws {
        let script = try CLIHarness.run(["completion", "zsh"])
        #expect(script.status == 0)
        #expect(script.stdout.hasPrefix("#compdef chat-export"))
        let directory = TemporaryDirectory()
        let file = try directory.write("_chat-export", script.stdout)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zsh")
        process.arguments = ["-n", file]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("check also checks the sinks: writable ones report ok, an immutable output directory fails naming it")
    func checkSinks() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", adaJob(sandbox, sinks: #"[{"type": "files", "dir": "out"}, {"type": "sqlite", "path": "db/x.sqlite"}]"#))
        let ok = try CLIHarness.run(["check", file])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("ok  files:"))
        #expect(ok.stdout.contains("directory \(directory.path)/out does not exist yet: run creates it"), "\(ok.stdout)")
        #expect(ok.stdout.contains("directory \(directory.path)/db does not exist yet: run creates it and the database"), "\(ok.stdout)")
        // Once they exist, they are writable.
        try FileManager.default.createDirectory(atPath: directory.path + "/out", withIntermediateDirectories: false)
        #expect(try CLIHarness.run(["check", file]).stdout.contains("directory writable"))
        // An immutable directory cannot be written even by root (tests run as root here).
        func chattr(_ flag: String) -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
            process.arguments = [flag, directory.path + "/out"]
            guard (try? process.run()) != nil else { return -1 }
            process.waitUntilExit()
            return process.terminationStatus
        }
        try #require(chattr("+i") == 0, "chattr +i must work on the test file system")
        defer { _ = chattr("-i") }
        // check looks where validate does first: a config problem (78).
        let refused = try CLIHarness.run(["check", file])
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("sinks[0].dir: \(directory.path)/out is not writable"), "\(refused.stderr)")
        // validate looks too (offline, changing nothing): the output path and where it is in the config.
        let invalid = try CLIHarness.run(["validate", file])
        #expect(invalid.status == 78, "\(invalid.stderr)")
        #expect(invalid.stderr.contains("sinks[0].dir: \(directory.path)/out is not writable"), "\(invalid.stderr)")
        #expect(!invalid.stderr.contains("sinks[1]"), "\(invalid.stderr)")
        let nested = try directory.write("nested.json", adaJob(sandbox, sinks: #"[{"type": "files", "dir": "out/deeper/x"}]"#))
        let cannotCreate = try CLIHarness.run(["validate", nested])
        #expect(cannotCreate.status == 78)
        #expect(
            cannotCreate.stderr.contains(
                "sinks[0].dir: cannot create \(directory.path)/out/deeper/x: \(directory.path)/out is not writable"))
    }

    @Test("check against a port with no listener tries once, names host:port and the cause, and suggests no re-run")
    func checkNoListener() throws {
        let port = try LoopbackPort.unused()
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "ada-v2", "base_url": "http://127.0.0.1:\#(port)", "token": "secret-token-77"}, "sinks": [{"type": "stdout"}]}"#
        )
        let outcome = try CLIHarness.run(["check", file])
        #expect(outcome.status == 75, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("connection refused by 127.0.0.1:\(port)"))
        #expect(!outcome.stderr.contains("Re-run"))
        #expect(!outcome.stderr.contains("trying again"))
        #expect(!outcome.stderr.contains("secret-token-77"))
    }
}

@Suite("SQLite sink through the binary")
struct SQLiteCrashTests {
    @Test("kill -9 at random instants, then a re-run: the table equals the vendor's records exactly")
    func killNine() throws {
        var settings = SandboxSettings()
        settings.conversations = 1500
        settings.messagesPerConversation = 8
        settings.latency = 0.01
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "\#(settings.adaToken)", "page_size": 100, "rate_limits": {"per_endpoint_per_second": 15, "per_minute": 0}, "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())"}, "sinks": [{"type": "sqlite", "path": "out/db.sqlite"}]}"#
        )
        let kills = try CLIHarness.killRuns(of: file, times: 12, after: 0.05...0.6)
        #expect(kills >= 10)
        let final = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(final.status == 0, "\(final.stderr)")
        let database = directory.path + "/out/db.sqlite"
        let dataset = sandbox.dataset
        let messages = try SQLiteRows.ids(database, table: "messages")
        #expect(messages.count == dataset.adaMessages.count)
        #expect(messages == Dictionary(uniqueKeysWithValues: dataset.adaMessages.map { ($0.id, String(decoding: $0.json, as: UTF8.self)) }))
        let conversations = try SQLiteRows.ids(database, table: "conversations")
        #expect(
            conversations
                == Dictionary(uniqueKeysWithValues: dataset.adaConversations.map { ($0.id, String(decoding: $0.json, as: UTF8.self)) }))
        // The checkpoint lives in the database, and state show reads it there.
        let state = try JSONValue.parse(try CLIHarness.run(["state", "show", file, "--json"]).stdout)
        #expect(state["streams"]?["messages"] != nil)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/job.checkpoint.json"))
        #expect(try CLIHarness.run(["state", "reset", file, "--stream", "messages"]).status == 0)
        let after = try JSONValue.parse(try CLIHarness.run(["state", "show", file, "--json"]).stdout)
        #expect(after["streams"]?["messages"] == nil)
        #expect(after["streams"]?["conversations"] != nil)
    }
}

/// Reads a stream table with a separate connection.
enum SQLiteRows {
    static func ids(_ path: String, table: String) throws -> [String: String] {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            throw ChatExportError(.failure, "cannot open \(path)")
        }
        defer { sqlite3_close_v2(db) }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT _id, data FROM \(table)", -1, &statement, nil) == SQLITE_OK else {
            throw ChatExportError(.failure, String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(statement) }
        var rows: [String: String] = [:]
        while sqlite3_step(statement) == SQLITE_ROW {
            rows[String(cString: sqlite3_column_text(statement, 0))] = String(cString: sqlite3_column_text(statement, 1))
        }
        return rows
    }
}

@Suite("Sandbox and demo commands")
struct SandboxCommandTests {
    @Test("demo runs every demo job into the directory it names and prints what to try")
    func demo() throws {
        let directory = TemporaryDirectory()
        let outcome = try CLIHarness.run(["demo", "--dir", directory.path + "/demo", "--progress", "off"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Demo finished"))
        #expect(outcome.stdout.contains("Try (with the sqlite3 command-line tool):"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/demo/synthetic.json"))
        let database = directory.path + "/demo/out/demo.sqlite"
        #expect(try SQLiteRows.ids(database, table: "ada_v2_messages").count > 1000)
        #expect(try SQLiteRows.ids(database, table: "ada_v14_conversations").count == 200)
        #expect(try SQLiteRows.ids(database, table: "deepconverse_messages").count > 1000)
        #expect(try SQLiteRows.ids(database, table: "synthetic_messages").count == 5000)
        // Again in the same directory: a new sandbox (another port), and the demo starts over.
        let again = try CLIHarness.run(["demo", "--dir", directory.path + "/demo", "--progress", "off"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try SQLiteRows.ids(database, table: "ada_v14_conversations").count == 200)
    }

    @Test("sandbox prints its base URL and credentials, serves, and stops cleanly on SIGINT")
    func sandbox() throws {
        let running = try CLIHarness.start(["sandbox", "--conversations", "3", "--seed", "9"])
        #expect(CLIHarness.waitUntil { running.stdoutSoFar.contains("3 conversations") })
        running.signal(SIGINT)
        let outcome = running.wait()
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("Vendor sandbox listening on http://127.0.0.1:"))
        #expect(outcome.stdout.contains("token: sandbox-ada-token"))
        #expect(outcome.stdout.contains("3 conversations"))
        #expect(try CLIHarness.run(["sandbox", "--error-rate", "lots"]).status == 64)
    }
}

enum FilesOutput {
    /// The `_id`s of every record in the published parts of a stream directory, in order.
    static func ids(_ folder: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("part-") }.sorted()
        return try names.flatMap { name in
            try String(contentsOfFile: folder + "/" + name, encoding: .utf8).split(separator: "\n").map { line in
                try JSONValue.parse(String(line))["_id"]?.stringValue ?? ""
            }
        }
    }
}
