import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

/// A one-stream connector definition over the sandbox's Ada v2 messages, with the parts the
/// hostile cases change.
private func definition(
    baseURL: String = "{base_url}", auth: String = #"{"type": "bearer", "option": "token"}"#, stream: String = "messages",
    windows: String = #"{"name": "windows", "type": "integer", "default": 1}"#
) -> String {
    #"""
    {"name": "hostile", "options": [{"name": "base_url", "type": "url", "required": true}, {"name": "token", "type": "secret", "required": true},
      {"name": "start", "type": "timestamp", "required": true}, {"name": "end", "type": "timestamp"},
      {"name": "window_days", "type": "number", "default": 30}, {"name": "page_size", "type": "integer", "default": 100}, \#(windows)],
     "base_url": "\#(baseURL)", "auth": \#(auth),
     "range": {"start": "start", "end": "end", "window_days": "window_days", "max_concurrent_windows": "windows"},
     "streams": [{"name": "\#(stream)", "path": "/api/v2/export/messages", "records": ["data"], "cursor": {"field": "date_created"},
       "bounds": {"start": "created_since", "end": "created_to"},
       "paging": {"type": "lower_bound", "next_link": ["meta", "next_page_uri"], "largest_page": 10000},
       "page_size": {"parameter": "page_size", "option": "page_size"}}]}
    """#
}

/// A job for `definition.json` against the sandbox, into files under `out`.
private func restJob(_ sandbox: VendorSandbox, token: String? = nil) -> String {
    #"{"source": {"type": "rest", "definition": "definition.json", "base_url": "\#(sandbox.baseURL)", "token": "\#(token ?? sandbox.settings.adaToken)", "start": "\#(sandbox.dataset.start.iso8601())", "end": "\#(sandbox.settings.end.iso8601())", "max_attempts": 2, "max_retry_delay": "10ms"}, "sinks": [{"type": "files", "dir": "out/a/b"}]}"#
}

/// `validate` and `run` both refuse the config with exit 78, naming `fragment`, without a request.
private func refused(_ file: String, _ fragments: [String], environment: [String: String] = [:]) throws {
    for command in ["validate", "run"] {
        let outcome = try CLIHarness.run(
            [command, file, "--progress", "off"].prefix(command == "run" ? 4 : 2).map { $0 }, environment: environment)
        #expect(outcome.status == 78, "\(command): \(outcome.stderr)")
        for fragment in fragments { #expect(outcome.stderr.contains(fragment), "\(command): \(fragment)\n\(outcome.stderr)") }
    }
}

@Suite("Hostile configs and definitions through the binary (issue 25)")
struct HostileConfigTests {
    @Test("a key given twice in a config or a definition is a config error naming the key's path and both places")
    func duplicateKeys() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let job = try directory.write(
            "job.json",
            #"{"source": {"type": "ada-v2", "base_url": "\#(sandbox.baseURL)", "token": "t",\#n "base_url": "https://evil.example"}, "sinks": [{"type": "stdout"}]}"#
        )
        try refused(job, ["job.json: source.base_url: duplicate key: given at line 1, column 31 and again at line 2, column 2"])
        _ = try directory.write(
            "definition.json",
            definition().replacingOccurrences(
                of: #""base_url": "{base_url}","#, with: #""base_url": "{base_url}", "base_url": "http://127.0.0.1:1","#))
        let rest = try directory.write("rest.json", restJob(sandbox))
        try refused(rest, ["definition.json:base_url: duplicate key: given at line 4"])
        #expect(sandbox.requests.isEmpty)
    }

    @Test(
        "a definition cannot name a host: a fixed base_url or anything but a path after the url option is refused, and the token goes nowhere",
        arguments: [
            ("FIXED", #"definition.json:base_url: must be "{option}" or "{option}/path" naming a url option"#),
            ("{base_url}@127.0.0.1:1", #"definition.json:base_url: after {base_url} only a fixed path starting with "/" may follow"#),
            ("{base_url}{token}", #"definition.json:base_url: after {base_url} only a fixed path"#),
            ("{token}", #"definition.json:base_url: option "token" must be of type url"#),
        ])
    func definitionNamesNoHost(baseURL: String, expected: String) throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let attacker = try VendorSandbox()
        defer { attacker.stop() }
        let directory = TemporaryDirectory()
        _ = try directory.write("definition.json", definition(baseURL: baseURL == "FIXED" ? attacker.baseURL : baseURL))
        let job = try directory.write("job.json", restJob(sandbox))
        try refused(job, [expected])
        #expect(attacker.requests.isEmpty, "the credential never reached another host")
        #expect(sandbox.requests.isEmpty)
    }

    @Test(
        "a header name with CR/LF, or one that frames the message, cannot carry the credential; a token with CR/LF is refused unshown",
        arguments: [
            (
                #"{"type": "header", "name": "X-Key\r\nX-Evil: 1", "option": "token"}"#,
                #"definition.json:auth.name: "X-Key\r\nX-Evil: 1" is not a header name"#
            ),
            (#"{"type": "header", "name": "Host", "option": "token"}"#, #"definition.json:auth.name: "Host" is a header the runtime"#),
            (#"{"type": "header", "name": "Proxy-Authorization", "option": "token"}"#, #"auth.name: "Proxy-Authorization" is a header"#),
            (#"{"type": "header", "name": "Transfer-Encoding", "option": "token"}"#, #"auth.name: "Transfer-Encoding" is a header"#),
        ])
    func headerInjection(auth: String, expected: String) throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        _ = try directory.write("definition.json", definition(auth: auth))
        try refused(try directory.write("job.json", restJob(sandbox)), [expected])
        #expect(sandbox.requests.isEmpty)
    }

    @Test("a credential from the environment holding CR/LF is a config error that never shows it; nothing is sent")
    func credentialWithLineBreak() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let job = try directory.write(
            "job.json", adaJob(sandbox).replacingOccurrences(of: sandbox.settings.adaToken, with: "${HOSTILE_TOKEN}"))
        try refused(job, ["source.token: must not contain control characters"], environment: ["HOSTILE_TOKEN": "s3cret\r\nX-Evil: 1"])
        let outcome = try CLIHarness.run(["validate", job], environment: ["HOSTILE_TOKEN": "s3cret\r\nX-Evil: 1"])
        #expect(!outcome.stderr.contains("s3cret"))
        #expect(sandbox.requests.isEmpty)
    }

    @Test("a stream named ../../escape is refused at validate and nothing is created outside the files sink's directory")
    func streamNameEscape() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        _ = try directory.write("definition.json", definition(stream: "../../escape"))
        let job = try directory.write("job.json", restJob(sandbox))
        try refused(job, [#"definition.json:streams[0].name: "../../escape" is not a stream name: use [a-z][a-z0-9_]*"#])
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out/escape"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/escape"))
        #expect(sandbox.requests.isEmpty)
        // A table prefix is an identifier too.
        let prefix = try directory.write(
            "prefix.json",
            adaJob(sandbox, sinks: #"[{"type": "sqlite", "path": "out/db.sqlite", "table_prefix": "x\"; DROP TABLE y; --"}]"#))
        try refused(prefix, [#"sinks[0].table_prefix: "x\"; DROP TABLE y; --" is not a table prefix"#])
    }

    /// Configs `validate` once accepted and `run` then crashed on (exit 132) or misreported;
    /// each is now a config error at `validate` naming the option.
    static let outOfBounds: [(String, String)] = [
        (
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "token": "t", "rate_limits": {"per_endpoint_per_second": 1e-12}}, "sinks": [{"type": "stdout"}]}"#,
            "source.rate_limits.per_endpoint_per_second: expected 0 (no limit) or a rate from 0.01 to 1000"
        ),
        (
            #"{"source": {"type": "synthetic"}, "sinks": [{"type": "sqlite", "path": "db.sqlite", "busy_timeout": "25d"}]}"#,
            #"sinks[0].busy_timeout: expected a duration from 0s to 10m, got "25d""#
        ),
        (
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "token": "t", "lag": "999999999d"}, "sinks": [{"type": "stdout"}]}"#,
            #"source.lag: expected a duration from 0s to 366d, got "999999999d""#
        ),
        (
            #"{"source": {"type": "deepconverse", "api_key": "k", "bot_name": "b", "start": "1900-01-01"}, "sinks": [{"type": "stdout"}]}"#,
            #"source.start: expected a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z, got "1900-01-01""#
        ),
        (
            #"{"source": {"type": "deepconverse", "api_key": "k", "bot_name": "b", "start": "1970-01-01", "window_hours": 0.01}, "sinks": [{"type": "stdout"}]}"#,
            "source.start: the range of "
        ),
        (
            #"{"source": {"type": "synthetic"}, "sinks": [{"type": "postgres", "url": "postgresql://u@127.0.0.1:1/db", "connect_timeout": "999999999d"}]}"#,
            #"sinks[0].connect_timeout: expected a duration from 1s to 10m, got "999999999d""#
        ),
        (
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support/x\r\nX-Evil: 1", "token": "t"}, "sinks": [{"type": "stdout"}]}"#,
            "source.base_url: expected an absolute http(s) URL without spaces or control characters"
        ),
        (
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "token": "t", "max_concurrent_windows": 1000000000}, "sinks": [{"type": "stdout"}]}"#,
            "source.max_concurrent_windows: expected an integer from 1 to 16"
        ),
        (
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "token": "t", "request_timeout": "999999999d"}, "sinks": [{"type": "stdout"}]}"#,
            #"source.request_timeout: expected a duration from 100ms to 1h"#
        ),
    ]

    @Test("what validate accepts, run runs: out-of-range numbers, durations and times are config errors (78), not crashes")
    func boundsAtValidate() throws {
        let directory = TemporaryDirectory()
        for (index, (config, expected)) in Self.outOfBounds.enumerated() {
            let file = try directory.write("job\(index).json", config)
            try refused(file, [expected])
        }
    }

    @Test(
        "a definition cannot lift the global bounds: a window of 0 days, 1e9 windows at once, a rate of 1e-12/s are refused",
        arguments: [
            (
                #"{"name": "windows", "type": "integer", "min": 1, "max": 1000000000, "default": 1}"#, "",
                #"definition.json:options[6]: "windows" is the range.max_concurrent_windows option: its min and max must lie within 1 and 16, got 1 to 1000000000"#
            ),
            (
                #"{"name": "windows", "type": "integer", "default": 100}"#, "",
                "definition.json:options[6].default: expected an integer from 1 to 16, got 100"
            ),
            (
                #"{"name": "windows", "type": "integer", "default": 1}"#, #""min": 0, "#,
                #"definition.json:options[4]: "window_days" is the range.window_days option: its min and max must lie within 0.001 and 3660"#
            ),
        ])
    func definitionBounds(windows: String, windowMin: String, expected: String) throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let text = definition(windows: windows).replacingOccurrences(
            of: #"{"name": "window_days", "type": "number", "default": 30}"#,
            with: #"{"name": "window_days", "type": "number", \#(windowMin)"default": 30}"#)
        _ = try directory.write("definition.json", text)
        try refused(try directory.write("job.json", restJob(sandbox)), [expected])
        let rate = definition().replacingOccurrences(
            of: #""base_url": "{base_url}","#, with: #""base_url": "{base_url}", "rate_limits": {"per_endpoint_per_second": 1e-12},"#)
        _ = try directory.write("definition.json", rate)
        try refused(try directory.write("job.json", restJob(sandbox)), ["definition.json:rate_limits.per_endpoint_per_second: expected 0"])
    }

    @Test("16 windows waiting for their rate-limit slots write nothing ahead in the stored daily count")
    func budgetWrittenAsSent() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        // A budget under 400 is leased one request at a time: the stored count is what was sent.
        let file = try directory.write(
            "job.json",
            adaJob(
                sandbox,
                extra:
                    #", "streams": ["messages"], "window_days": 1, "max_concurrent_windows": 16, "rate_limits": {"per_endpoint_per_second": 0.5, "per_minute": 0, "per_day": 200}"#,
                sinks: #"[{"type": "files", "dir": "out"}]"#
            ).replacingOccurrences(of: #""rate_limits": {"per_endpoint_per_second": 50, "per_minute": 0}, "#, with: ""))
        // Hold the second request: by the time it goes out (2 s after the first), every window
        // that spent its budget ahead of its slot would have been counted.
        sandbox.hold(request: 2)
        let running = try CLIHarness.start(["run", file, "--progress", "off"])
        defer {
            running.signal(SIGKILL)
            _ = running.wait()
        }
        #expect(sandbox.waitUntilHeld(seconds: 60))
        // Two requests are out (the second held); the third may go 2 s later. Sixteen windows
        // spending ahead of their slots stored 16.
        let state = try JSONValue.parse(try String(contentsOfFile: directory.path + "/job.checkpoint.json", encoding: .utf8))
        let stored = state["job"]?["requests:127.0.0.1:\(sandbox.port)"]?["used"]?.intValue ?? 0
        #expect(stored >= 2 && stored <= 3, "stored \(stored) with two requests sent")
        sandbox.releaseHeld()
    }

    @Test("a record with its cursor or id given twice is an invalid response, retried then exit 1 naming it; never a silent drop")
    func duplicateRecordKeys() throws {
        for (field, record) in [
            ("date_created", #"{"_id": "dup", "date_created": "%T", "conversation_id": "c", "date_created": "2001-01-01T00:00:00+00:00"}"#),
            ("_id", #"{"_id": "dup", "date_created": "%T", "conversation_id": "c", "_id": "other"}"#),
        ] {
            let sandbox = try VendorSandbox()
            defer { sandbox.stop() }
            let time = sandbox.dataset.start.adding(seconds: 60).iso8601(fractionDigits: 6).dropLast() + "+00:00"
            let records = (0..<40).map { #"{"_id": "m\#($0)", "date_created": "\#(time)", "conversation_id": "c"}"# }
            let page =
                #"{"data": [\#((records.prefix(20) + [record.replacingOccurrences(of: "%T", with: String(time))] + records.suffix(20)).joined(separator: ","))], "meta": {"next_page_uri": null}}"#
            sandbox.script("/api/v2/export/messages", Array(repeating: .json(200, Array(page.utf8)), count: 3))
            let directory = TemporaryDirectory()
            let file = try directory.write(
                "job.json",
                adaJob(
                    sandbox, pageSize: 10_000,
                    extra:
                        #", "streams": ["messages"], "window_days": 60, "max_concurrent_windows": 1, "max_attempts": 3, "max_retry_delay": "10ms""#,
                    sinks: #"[{"type": "files", "dir": "out"}]"#))
            let outcome = try CLIHarness.run(["run", file, "--progress", "off"])
            #expect(outcome.status == 1, "\(field): \(outcome.stderr)")
            #expect(outcome.stderr.contains(#"record 20 (_id "#), "\(outcome.stderr)")
            #expect(
                outcome.stderr.contains(#"has "\#(field)" twice: which value is meant is ambiguous (the same after 3 attempts)"#),
                "\(outcome.stderr)")
            #expect(FilesSinkParts.lines(directory.path + "/out/messages").isEmpty, "nothing of the page was written")
        }
    }

    @Test("a next link that repeats its bound after a 25-record page says so (exit 1), not that 10000 records share a time")
    func nonAdvancingLink() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let start = sandbox.dataset.start
        let link = sandbox.baseURL + "/api/v2/export/messages?created_since=\(HTTPURL.encode(start.iso8601()))&page_size=10000"
        let records = (0..<25).map {
            #"{"_id": "m\#($0)", "date_created": "\#(start.adding(seconds: Int64($0)).iso8601().dropLast())+00:00", "conversation_id": "c"}"#
        }
        let page = #"{"data": [\#(records.joined(separator: ","))], "meta": {"next_page_uri": "\#(link)"}}"#
        sandbox.script("/api/v2/export/messages", Array(repeating: .json(200, Array(page.utf8)), count: 2))
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            adaJob(
                sandbox, pageSize: 10_000,
                extra:
                    #", "streams": ["messages"], "window_days": 60, "max_concurrent_windows": 1, "max_attempts": 2, "max_retry_delay": "10ms""#,
                sinks: #"[{"type": "files", "dir": "out"}]"#))
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("its next link asks for \(start.iso8601()) again after a page of 25 records"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("share the timestamp"))
    }
}

/// The lines of every part the files sink wrote for a stream (published or in progress).
enum FilesSinkParts {
    static func lines(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.flatMap { name in
            ((try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }
}
