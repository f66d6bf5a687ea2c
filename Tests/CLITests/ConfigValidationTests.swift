import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

@Suite("Config validation through the binary")
struct ConfigValidationTests {
    static let valid = #"{"source": {"type": "synthetic", "records": 10}, "sinks": [{"type": "stdout"}]}"#

    /// (config text, a JSON path the error must name, a fragment of the message)
    static let malformed: [(String, String, String)] = [
        ("[]", "$", "expected an object"),
        ("{", "$", "invalid JSON at line 1"),
        ("{\"source\": {\"type\": \"synthetic\"}}", "sinks", "missing required key"),
        ("{\"sinks\": [{\"type\": \"stdout\"}]}", "source", "missing required key"),
        ("{\"source\": {\"type\": \"synthetic\"}, \"sinks\": []}", "sinks", "at least one sink"),
        ("{\"source\": {\"type\": \"synthetic\"}, \"sinks\": {\"type\": \"stdout\"}}", "sinks", "expected a non-empty array"),
        ("{\"source\": {\"type\": \"synthetic\"}, \"sinsk\": [], \"sinks\": [{\"type\": \"stdout\"}]}", "sinsk", "did you mean \"sinks\""),
        ("{\"source\": \"synthetic\", \"sinks\": [{\"type\": \"stdout\"}]}", "source", "expected an object"),
        ("{\"source\": {}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.type", "missing required key"),
        ("{\"source\": {\"type\": 3}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.type", "expected a string"),
        ("{\"source\": {\"type\": \"synthetik\"}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.type", "did you mean \"synthetic\""),
        (
            "{\"source\": {\"type\": \"synthetic\", \"recods\": 5}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.recods",
            "did you mean \"records\""
        ),
        (
            "{\"source\": {\"type\": \"synthetic\", \"records\": \"5\"}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.records",
            "expected an integer"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\", \"records\": 1.5}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.records",
            "expected an integer"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\", \"page_size\": 0}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.page_size",
            "from 1 to 10000"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\", \"start\": \"yesterday\"}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.start",
            "ISO-8601"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\", \"start\": \"2026-02-30T00:00:00Z\"}, \"sinks\": [{\"type\": \"stdout\"}]}",
            "source.start", "ISO-8601"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\", \"streams\": \"messages\"}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.streams",
            "expected an array"
        ),
        ("{\"source\": {\"type\": \"synthetic\", \"streams\": []}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.streams", "non-empty"),
        (
            "{\"source\": {\"type\": \"synthetic\", \"streams\": [\"messages\", \"mesages\"]}, \"sinks\": [{\"type\": \"stdout\"}]}",
            "source.streams[1]",
            "did you mean \"messages\""
        ),
        (
            "{\"source\": {\"type\": \"synthetic\", \"streams\": [\"messages\", \"messages\"]}, \"sinks\": [{\"type\": \"stdout\"}]}",
            "source.streams", "distinct"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\", \"page_delay\": \"soon\"}, \"sinks\": [{\"type\": \"stdout\"}]}", "source.page_delay",
            "expected a duration"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\"}, \"sinks\": [{\"type\": \"stdout\"}, {\"type\": \"files\"}]}", "sinks[1].dir",
            "missing required key"
        ),
        ("{\"source\": {\"type\": \"synthetic\"}, \"sinks\": [{\"type\": \"files\", \"dir\": 5}]}", "sinks[0].dir", "expected a path"),
        (
            "{\"source\": {\"type\": \"synthetic\"}, \"sinks\": [{\"type\": \"files\", \"dir\": \"o\", \"max_file_bytes\": 10}]}",
            "sinks[0].max_file_bytes", "from 1024"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\"}, \"sinks\": [{\"type\": \"file\", \"dir\": \"o\"}]}", "sinks[0].type",
            "did you mean \"files\""
        ),
        ("{\"source\": {\"type\": \"synthetic\"}, \"sinks\": [\"stdout\"]}", "sinks[0]", "expected an object"),
        (
            "{\"source\": {\"type\": \"synthetic\"}, \"sinks\": [{\"type\": \"stdout\", \"pretty\": true}]}", "sinks[0].pretty",
            "it takes no options"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\"}, \"sinks\": [{\"type\": \"files\", \"dir\": \"o\"}, {\"type\": \"files\", \"dir\": \"o\"}]}",
            "sinks[1]", "same place as sinks[0]"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\"}, \"sinks\": [{\"type\": \"stdout\"}], \"checkpoint\": \"x.json\"}", "checkpoint",
            "expected an object"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\"}, \"sinks\": [{\"type\": \"stdout\"}], \"checkpoint\": {\"file\": \"x\"}}",
            "checkpoint.file", "unknown key"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\"}, \"sinks\": [{\"type\": \"stdout\"}], \"checkpoint\": {}}", "checkpoint.path",
            "missing required key"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\", \"start\": \"${UNSET_START_VARIABLE}\"}, \"sinks\": [{\"type\": \"stdout\"}]}",
            "source.start", "UNSET_START_VARIABLE is not set"
        ),
        (
            "{\"source\": {\"type\": \"synthetic\", \"records\": 1, \"records\": 2}, \"sinks\": [{\"type\": \"stdout\"}]}",
            "source.records", "duplicate key"
        ),
        (
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "token": "t", "rate_limits": {"per_minute": "lots"}}, "sinks": [{"type": "stdout"}]}"#,
            "source.rate_limits.per_minute", "expected an integer"
        ),
        (
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "token": "t", "rate_limits": {"per_minut": 5}}, "sinks": [{"type": "stdout"}]}"#,
            "source.rate_limits.per_minut", "did you mean \"per_minute\""
        ),
        (
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "token": "t", "rate_limits": 5}, "sinks": [{"type": "stdout"}]}"#,
            "source.rate_limits", "expected an object with per_endpoint_per_second, per_minute, per_day"
        ),
        (
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "token": "t", "requests_per_second": 5, "rate_limits": {"per_endpoint_per_second": 2}}, "sinks": [{"type": "stdout"}]}"#,
            "source.requests_per_second", "is an alias of rate_limits.per_endpoint_per_second, which is also given"
        ),
    ]

    @Test("each malformed config fails with exit 78 and names the JSON path", arguments: 0..<malformed.count)
    func malformedConfig(index: Int) throws {
        let (text, path, fragment) = Self.malformed[index]
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", text)
        let outcome = try CLIHarness.run(["validate", file])
        #expect(outcome.status == 78, "config: \(text)\nstderr: \(outcome.stderr)")
        // A problem of the whole document names the file alone.
        let named = path == "$" ? "config \(file): " : "\(file): \(path): "
        #expect(outcome.stderr.contains(named), "expected path \(path) in: \(outcome.stderr)")
        #expect(outcome.stderr.contains(fragment), "expected \(fragment) in: \(outcome.stderr)")
        #expect(!outcome.stderr.contains("Fatal error"))
        #expect(outcome.stdout.isEmpty)
    }

    @Test("one problem, one line: an unset variable or a mistyped key is not reported a second time")
    func oneLinePerProblem() throws {
        let directory = TemporaryDirectory()
        let unset = try directory.write(
            "unset.json",
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "token": "${CHAT_EXPORT_UNSET_VARIABLE}"}, "sinks": [{"type": "stdout"}]}"#
        )
        let first = try CLIHarness.run(["validate", unset])
        #expect(first.status == 78)
        #expect(first.stderr.split(separator: "\n").filter { $0.contains("source.token") }.count == 1, "\(first.stderr)")
        let typo = try directory.write(
            "typo.json", #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "tokn": "x"}, "sinks": [{"type": "stdout"}]}"#
        )
        let second = try CLIHarness.run(["validate", typo])
        #expect(second.status == 78)
        #expect(second.stderr.contains("did you mean \"token\""))
        #expect(!second.stderr.contains("missing required key"), "\(second.stderr)")
    }

    @Test("a $NAME-shaped value is used literally, with a warning saying how to read the variable")
    func bareVariable() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "ada-v2", "base_url": "https://a.ada.support", "token": "$ADA_TOKEN"}, "sinks": [{"type": "stdout"}]}"#)
        let outcome = try CLIHarness.run(["validate", file])
        #expect(outcome.status == 0)
        #expect(outcome.stderr.contains(#"source.token: "$ADA_TOKEN" is used literally; write "${ADA_TOKEN}""#))
    }

    @Test("the schema of a timestamp accepts what the tool accepts: a date, or a date and time")
    func timestampSchema() throws {
        let spec = try JSONValue.parse(try CLIHarness.run(["spec", "ada-v2"]).stdout)
        let start = try #require(spec["properties"]?["start"])
        #expect(start["format"] == nil)
        let pattern = try NSRegularExpression(pattern: try #require(start["pattern"]?.stringValue))
        for text in ["2026-01-01", "2026-01-01T00:00:00Z", "2026-01-01T10:00:00.5+02:00"] {
            #expect(pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil, "\(text)")
        }
        #expect(pattern.firstMatch(in: "yesterday", range: NSRange(location: 0, length: 9)) == nil)
    }

    @Test("every problem is reported in one run")
    func reportsAllAtOnce() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": -1, "seed": "x"}, "sinks": [{"type": "files"}, {"type": "nope"}], "extra": 1}"#
        )
        let outcome = try CLIHarness.run(["validate", file])
        #expect(outcome.status == 78)
        for path in ["source.records", "source.seed", "sinks[0].dir", "sinks[1].type", "extra"] {
            #expect(outcome.stderr.contains(": \(path): "), "missing \(path) in \(outcome.stderr)")
        }
    }

    @Test("a missing config file is exit 78 naming the file")
    func missingFile() throws {
        let outcome = try CLIHarness.run(["validate", "/nonexistent/job.json"])
        #expect(outcome.status == 78)
        #expect(outcome.stderr.contains("config /nonexistent/job.json: no such config file (`chat-export init TYPE > FILE` writes one)"))
        #expect(!outcome.stderr.contains("$"), "\(outcome.stderr)")
    }

    @Test("variables are substituted before validation")
    func substitution() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "streams": ["${STREAM}"]}, "sinks": [{"type": "stdout"}]}"#)
        let ok = try CLIHarness.run(["validate", file], environment: ["STREAM": "messages"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("(messages)"))
        let bad = try CLIHarness.run(["validate", file], environment: ["STREAM": "super-secret-value"])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("source.streams"))
    }

    @Test("the valid config validates")
    func valid() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", Self.valid)
        let outcome = try CLIHarness.run(["validate", file])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("is valid"))
        #expect(outcome.stdout.contains(directory.path + "/job.checkpoint.json"))
    }
}
