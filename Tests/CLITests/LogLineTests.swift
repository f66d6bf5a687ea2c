import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@Suite("Log lines through the binary")
struct LogLineTests {
    /// A human log line: its message and its `key=value` fields (values unquoted).
    struct HumanLine {
        var message: String
        var fields: [String: String]

        /// Parses `TIME LEVEL message key=value key="value with spaces"`; the message ends where
        /// the first ` key=` whose key is a lowercase identifier begins.
        init?(_ line: Substring) {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, Timestamp(iso8601: String(parts[0])) != nil else { return nil }
            var rest = parts[1].drop { $0 != " " }.drop { $0 == " " }
            fields = [:]
            let pattern = /\s([a-z_]+)=("(?:[^"\\]|\\.)*"|\S*)/
            let firstField = rest.firstMatch(of: pattern)
            message = String(firstField.map { rest[..<$0.range.lowerBound] } ?? rest)
            while let match = rest.firstMatch(of: pattern) {
                var value = String(match.output.2)
                if value.hasPrefix("\"") { value = String(value.dropFirst().dropLast()) }
                fields[String(match.output.1)] = value
                rest = rest[match.range.upperBound...]
            }
        }
    }

    @Test("a run logs one line per event, never a field its message already says, numbers rounded for people and whole in JSON")
    func oneLinePerEvent() throws {
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            adaJob(sandbox, extra: #", "max_concurrent_windows": 1, "window_days": 60"#, sinks: #"[{"type": "files", "dir": "out"}]"#))
        let human = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(human.status == 0, "\(human.stderr)")
        let lines = human.stderr.split(separator: "\n").compactMap(HumanLine.init)
        #expect(lines.count == human.stderr.split(separator: "\n").count, "every line parses: \(human.stderr)")
        for line in lines {
            let words = Set(line.message.split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",;:()")) })
            for (key, value) in line.fields {
                #expect(!words.contains(value), "\(key)=\(value) repeats the message: \(line.message)")
            }
            #expect(line.fields["event"] == nil, "\(line.message)")
            // Rounded: no number with more than three decimals, in the message or a field.
            #expect(line.message.firstMatch(of: /\d\.\d{4,}/) == nil, "\(line.message)")
            #expect(line.fields.values.allSatisfy { $0.firstMatch(of: /^-?\d+\.\d{4,}$/) == nil }, "\(line.fields)")
            // Plain wording: "1 window", not "1 windows".
            #expect(line.message.firstMatch(of: /\b1 (windows|pages|records)\b/) == nil, "\(line.message)")
        }
        for stream in ["conversations", "messages"] {
            let finished = lines.filter { $0.message.hasPrefix("\(stream): finished, ") }
            #expect(finished.count == 1, "\(stream): \(human.stderr)")
        }
        #expect(lines.contains { $0.message.hasPrefix("job finished: ") })
        #expect(lines.contains { $0.message.contains(" in 1 window") }, "\(human.stderr)")

        // JSON: the same events, once each, with whole numbers.
        try FileManager.default.removeItem(atPath: directory.path + "/out")
        try FileManager.default.removeItem(atPath: directory.path + "/job.checkpoint.json")
        let json = try CLIHarness.run(["run", file, "--progress", "off", "--log-format", "json"])
        let events = try json.stderr.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let finished = events.filter { $0["event"] == .string("stream_finished") }
        #expect(finished.count == 2)
        #expect(finished.allSatisfy { $0["records"]?.intValue != nil && $0["bytes"]?.intValue != nil && $0["stream"] != nil })
        let job = try #require(events.first { $0["event"] == .string("job_finished") })
        #expect(job["duration_s"]?.doubleValue.map { $0 > 0 } == true)
        #expect(job["bytes"]?.intValue == finished.compactMap { $0["bytes"]?.intValue }.reduce(0, +))

        // A backfill says it is one, not "starting from the configured start".
        let backfill = try CLIHarness.run(["run", file, "--progress", "off", "--since", "2d"])
        #expect(backfill.status == 0, "\(backfill.stderr)")
        #expect(backfill.stderr.contains("backfilling the range given; the job's checkpoint is left as it is"))
        #expect(!backfill.stderr.contains("configured start"))
    }

    @Test("a bare chat-export prints the usage on stderr and exits 64; a missing config file is said in words")
    func usageAndMissingFile() throws {
        let bare = try CLIHarness.run([])
        #expect(bare.status == 64)
        #expect(bare.stderr.contains("Usage: chat-export COMMAND [OPTIONS]"))
        #expect(bare.stderr.contains("run CONFIG"))
        #expect(bare.stdout.isEmpty)
        let missing = try CLIHarness.run(["run", "no-such-job.json"])
        #expect(missing.status == 78)
        #expect(
            missing.stderr.hasSuffix("error   config no-such-job.json: no such config file (`chat-export init TYPE > FILE` writes one)\n"),
            "\(missing.stderr)")
    }
}
