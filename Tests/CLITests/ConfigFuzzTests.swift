import BuiltInComponents
import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@testable import chat_export

/// Seeded, count-bounded fuzzing of configs: random mutations of every example config
/// (`examples/*.json`) and of every built-in connector definition go through `validate` (in
/// process, hundreds of them), and a smaller number of those that validate go through the binary's
/// `validate` and `run` against the sandbox. Nothing may crash, and whatever validates runs: it
/// ends with 0 or a documented exit code and an error line.
@Suite("Config fuzzing: mutated example configs and definitions never crash; whatever validates runs")
struct ConfigFuzzTests {
    /// Change it to explore; a failure message names the seed and the mutation.
    static let seed: UInt64 = 0x0025_2025
    /// Mutations validated in process.
    static let validations = 600
    /// Mutations that validated, run through the binary.
    static let runs = 24

    /// One starting point: a job (and the definition it names, for the built-in definitions).
    struct Case {
        var name: String
        var job: JSONValue
        var definition: JSONValue?
    }

    /// The repository's root (the tests may run from any directory).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    /// Every example config and every built-in definition, pointed at the sandbox and paced fast.
    static func cases(_ sandbox: VendorSandbox) throws -> [Case] {
        let examples = try FileManager.default.contentsOfDirectory(atPath: root + "/examples").filter { $0.hasSuffix(".json") }.sorted()
        #expect(examples.count >= 5, "examples/*.json: \(examples)")
        var cases = try examples.map { name in
            let text = try String(contentsOfFile: root + "/examples/" + name, encoding: .utf8)
            return Case(name: "examples/" + name, job: retarget(try JSONValue.parse(text), sandbox), definition: nil)
        }
        for (name, target) in [("ada-v2", "AdaV2"), ("ada-v1.4", "AdaV14"), ("deepconverse", "DeepConverse")] {
            let definition = try JSONValue.parse(try String(contentsOfFile: root + "/Connectors/\(target)/\(name).json", encoding: .utf8))
            let credential: [(key: String, value: JSONValue)] =
                name == "deepconverse"
                ? [("api_key", .string("${DEEPCONVERSE_API_KEY}")), ("bot_name", .string(sandbox.settings.botName))]
                : [("token", .string("${ADA_TOKEN}"))]
            let source: JSONValue = .object([("type", .string("rest")), ("definition", .string("definition.json"))] + credential)
            let job: JSONValue = .object([
                ("source", source), ("sinks", .array([.object([("type", .string("files")), ("dir", .string("out"))])])),
            ])
            cases.append(Case(name: "definition " + name, job: retarget(job, sandbox), definition: definition))
        }
        return cases
    }

    /// The job with its vendor source on the sandbox, over the sandbox's range, paced fast.
    static func retarget(_ job: JSONValue, _ sandbox: VendorSandbox) -> JSONValue {
        guard case .object(var members) = job, let index = members.firstIndex(where: { $0.key == "source" }),
            case .object(var source) = members[index].value
        else { return job }
        let type = source.first { $0.key == "type" }?.value.stringValue
        if type == "synthetic" {
            source = source.map { $0.key == "records" ? ($0.key, .integer(2000)) : $0 }
        } else {
            let replaced: [(key: String, value: JSONValue)] = [
                ("base_url", .string(sandbox.baseURL)), ("start", .string(sandbox.dataset.start.iso8601())),
                ("end", .string(sandbox.settings.end.iso8601())),
                (
                    "rate_limits",
                    .object([("per_endpoint_per_second", .integer(200)), ("per_minute", .integer(0)), ("per_day", .integer(0))])
                ),
                ("max_attempts", .integer(2)), ("max_retry_delay", .string("10ms")),
            ]
            source.removeAll { member in replaced.contains { $0.key == member.key } }
            source += replaced
            if type == "deepconverse" { source = source.map { $0.key == "bot_name" ? ($0.key, .string(sandbox.settings.botName)) : $0 } }
        }
        members[index].value = .object(source)
        return .object(members)
    }

    /// Values a hostile or careless hand writes: extremes, wrong types, paths out, header breaks.
    static let hostile: [JSONValue] =
        [
            "0", "-1", "1e-12", "1e308", "-1e308", "1e400", "9223372036854775807", "9223372036854775808", "0.0001", "1000000000", "2.5",
        ].map { .number($0) }
        + [
            "", "999999999d", "25d", "0s", "1ms", "1900-01-01", "1970-01-01", "9999-12-31T23:59:59Z", "0000-01-01", "../../escape",
            "X-Key\r\nX-Evil: 1", "a\u{0}b", "{base_url}", "{token}", "http://127.0.0.1:1", "https://evil.example", "Host",
            "${UNSET_FUZZ_VARIABLE}", String(repeating: "x", count: 5000), "日本語", "messages", "conversations", "files", "sqlite",
            "stdout", "rest", "ada-v2", "offset", "cursor", "lower_bound", "epoch_seconds", "Messages",
        ].map { .string($0) }
        + [.null, .bool(true), .bool(false), .array([]), .object([]), .array([.string("messages")]), .object([("a", .integer(1))])]

    /// A step into a JSON tree: a member (by position, named for messages) or an element.
    enum Step: CustomStringConvertible {
        case key(Int, String)
        case index(Int)

        var description: String {
            switch self {
            case .key(_, let name): "." + name
            case .index(let index): "[\(index)]"
            }
        }
    }

    /// Every node's path, the root included.
    static func paths(_ value: JSONValue, _ prefix: [Step] = []) -> [[Step]] {
        var all = [prefix]
        switch value {
        case .object(let members):
            for (index, member) in members.enumerated() { all += paths(member.value, prefix + [.key(index, member.key)]) }
        case .array(let elements):
            for (index, element) in elements.enumerated() { all += paths(element, prefix + [.index(index)]) }
        default: break
        }
        return all
    }

    /// Options worth aiming at (where numbers, durations and times are computed with), and the
    /// objects that take them: the source, each sink, and a definition's options and range.
    static let targeted: [(key: String, values: [JSONValue])] = [
        ("lag", ["999999999d", "366d", "0s", "1e-12"].map { .string($0) } + [.number("1e308")]),
        ("lookback", ["999999999d", "366d", "1ms"].map { .string($0) }),
        ("start", ["1900-01-01", "1970-01-01", "9999-12-31T23:59:59Z", "2026-02-30"].map { .string($0) }),
        ("end", ["1970-01-01T00:00:01Z", "9999-12-31T23:59:59Z"].map { .string($0) }),
        ("window_days", ["0", "1e-12", "0.001", "60", "1e308", "-1"].map { .number($0) }),
        ("window_hours", ["0.01", "1e-12", "8784"].map { .number($0) }),
        ("max_concurrent_windows", ["0", "16", "17", "1000000000"].map { .number($0) }),
        ("page_size", ["0", "1", "10000", "1000000000"].map { .number($0) }),
        ("per_page", ["0", "1", "1000"].map { .number($0) }),
        ("requests_per_second", ["0.01", "1e-12", "1000"].map { .number($0) }),
        ("daily_request_budget", ["1", "10000000", "0"].map { .number($0) }),
        (
            "rate_limits",
            [
                .object([("per_endpoint_per_second", .number("1e-12"))]), .object([("per_endpoint_per_second", .number("0.01"))]),
                .object([("per_minute", .number("1")), ("per_day", .number("1"))]),
                .object([("per_endpoint_per_second", .number("1e308"))]),
            ]
        ),
        ("max_attempts", ["0", "1", "100", "1000000"].map { .number($0) }),
        ("max_retry_delay", ["999999999d", "1h", "0s"].map { .string($0) }),
        ("connect_timeout", ["999999999d", "1ms", "0s", "10m"].map { .string($0) }),
        ("request_timeout", ["999999999d", "100ms", "0s"].map { .string($0) }),
        ("busy_timeout", ["25d", "10m", "0s"].map { .string($0) }),
        ("table_prefix", ["../x", "x\"; --", "Ada_", "a_"].map { .string($0) }),
        ("max_file_bytes", ["0", "1024", "9223372036854775807"].map { .number($0) }),
        ("min", ["0", "-1e308", "1e308", "-9223372036854775808"].map { .number($0) }),
        ("max", ["0", "1e308", "1000000000", "9223372036854775807"].map { .number($0) }),
        ("default", ["0", "1e308", "1000000000"].map { .number($0) } + [.string("999999999d")]),
        ("per_endpoint_per_second", ["1e-12", "0", "1e308"].map { .number($0) }),
        ("retention_days", ["1", "100000"].map { .number($0) }),
        ("name", ["../../escape", "X-Key\r\nX-Evil: 1", "Host", "Messages"].map { .string($0) }),
    ]

    /// `value` with the node at `path` changed by `change` (which may also remove it: nil).
    static func modify(_ value: JSONValue, at path: ArraySlice<Step>, _ change: (JSONValue, inout [JSONValue]) -> JSONValue?) -> JSONValue {
        var extra: [JSONValue] = []
        guard let step = path.first else { return change(value, &extra) ?? .null }
        switch (value, step) {
        case (.object(var members), .key(let index, _)) where index < members.count:
            if path.count == 1 {
                var added: [JSONValue] = []
                if let changed = change(members[index].value, &added) {
                    members[index].value = changed
                } else {
                    members.remove(at: index)
                }
                // A second member with the same key (a duplicate) and a new value.
                if let first = added.first { members.append((members.indices.contains(index) ? members[index].key : "x", first)) }
            } else {
                members[index].value = modify(members[index].value, at: path.dropFirst(), change)
            }
            return .object(members)
        case (.array(var elements), .index(let index)) where index < elements.count:
            if path.count == 1 {
                if let changed = change(elements[index], &extra) { elements[index] = changed } else { elements.remove(at: index) }
            } else {
                elements[index] = modify(elements[index], at: path.dropFirst(), change)
            }
            return .array(elements)
        default:
            return value
        }
    }

    /// One to three random mutations of `value`, described: half aimed (an option that is
    /// computed with, set in an object that takes it, or a leaf replaced by a value of its own
    /// kind), half blind (any node removed, duplicated, given an unknown key or replaced).
    static func mutate(_ value: JSONValue, _ random: inout SplitMix64) -> (JSONValue, [String]) {
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        var value = value
        var done: [String] = []
        let aimedOnce = random.next() % 2 == 0
        for _ in 0...(aimedOnce ? 0 : Int(random.next() % 3)) {
            let all = paths(value)
            let operation = aimedOnce ? 0 : 3 + random.next() % 7
            if operation < 3 {
                // Aimed: set an option that is computed with in an object that takes it.
                let sourceKeys = [
                    "lag", "lookback", "start", "end", "window_days", "window_hours", "max_concurrent_windows", "page_size", "per_page",
                    "requests_per_second", "daily_request_budget", "rate_limits", "max_attempts", "max_retry_delay", "connect_timeout",
                    "request_timeout",
                ]
                // `.sinks[2]`, not `.sinks[2].x[0]`.
                func element(_ text: String, of array: String) -> Bool {
                    text.hasPrefix(array + "[") && text.dropFirst(array.count + 1).dropLast().allSatisfy(\.isNumber) && text.hasSuffix("]")
                }
                let objects: [([Step], [String])] = all.compactMap { path in
                    let text = path.map(\.description).joined()
                    if text == ".source" { return (path, sourceKeys) }
                    if element(text, of: ".sinks") { return (path, ["busy_timeout", "table_prefix", "max_file_bytes"]) }
                    if element(text, of: ".options") { return (path, ["min", "max", "default"]) }
                    if element(text, of: ".streams") { return (path, ["name"]) }
                    if text == ".range" { return (path, ["retention_days"]) }
                    if text == ".auth" { return (path, ["name"]) }
                    if text == "", value["options"] != nil { return (path, ["rate_limits"]) }
                    return nil
                }
                guard !objects.isEmpty else { continue }
                let (path, keys) = pick(objects)
                let key = pick(keys)
                let chosen = pick(targeted.first { $0.key == key }?.values ?? hostile)
                value = modify(value, at: path[...]) { old, _ in
                    guard case .object(var members) = old else { return old }
                    members.removeAll { $0.key == key }
                    members.append((key, chosen))
                    return .object(members)
                }
                done.append("set \(path.map(\.description).joined()).\(key) to \(chosen.jsonText.prefix(40))")
                continue
            }
            let path = pick(all)
            var replacement = pick(hostile)
            value = modify(value, at: path[...]) { old, added in
                switch operation {
                case 3:
                    return nil
                case 4:
                    added.append(replacement)
                    return old
                case 5:
                    guard case .object(var members) = old else { return replacement }
                    members.append(("unknown_fuzz_key", replacement))
                    return .object(members)
                case 6, 7:
                    // A value of the leaf's own kind, so the mutation often survives validation.
                    let kind = hostile.filter { $0.kindDescription == old.kindDescription }
                    if !kind.isEmpty { replacement = kind[Int(random.next() % UInt64(kind.count))] }
                    return replacement
                default:
                    return replacement
                }
            }
            let verb = [3: "remove", 4: "duplicate", 5: "add an unknown key to"][Int(operation)] ?? "replace"
            done.append("\(verb) \(path.map(\.description).joined()) with \(replacement.jsonText.prefix(40))")
        }
        return (value, done)
    }

    /// Writes a case's files in `directory` (four levels deep, so `../../x` stays inside the test's directory).
    static func write(_ job: JSONValue, _ definition: JSONValue?, in directory: String) throws -> String {
        if let definition {
            try Data(definition.serialized(pretty: true).utf8).write(to: URL(fileURLWithPath: directory + "/definition.json"))
        }
        let file = directory + "/job.json"
        try Data(job.serialized(pretty: true).utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test("hundreds of mutations validate in process without a crash; those that validate run through the binary and end documented")
    func fuzz() throws {
        var settings = SandboxSettings()
        settings.conversations = 30
        settings.messagesPerConversation = 3
        let sandbox = try VendorSandbox(settings: settings)
        defer { sandbox.stop() }
        let environment = ["ADA_TOKEN": sandbox.settings.adaToken, "DEEPCONVERSE_API_KEY": sandbox.settings.deepConverseKey]
        let loader = JobConfigLoader(registry: BuiltIns.registry, environment: environment, logger: .disabled)
        let cases = try Self.cases(sandbox)
        let directory = TemporaryDirectory()
        let work = directory.path + "/a/b/c/d"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

        // The unmutated cases validate: the mutations start from working configs.
        for base in cases {
            let file = try Self.write(base.job, base.definition, in: work)
            #expect(throws: Never.self, "\(base.name)") { _ = try loader.load(file: file) }
        }

        var random = SplitMix64(seed: Self.seed)
        var valid: [(name: String, job: JSONValue, definition: JSONValue?, mutations: [String])] = []
        var refused = 0
        for round in 0..<Self.validations {
            let base = cases[round % cases.count]
            var job = base.job
            var definition = base.definition
            var mutations: [String]
            if let original = definition, random.next() % 2 == 0 {
                (definition, mutations) = Self.mutate(original, &random)
                mutations = mutations.map { "definition: " + $0 }
            } else {
                (job, mutations) = Self.mutate(job, &random)
            }
            let file = try Self.write(job, definition, in: work)
            do {
                _ = try loader.load(file: file)
                valid.append((base.name, job, definition, mutations))
            } catch let error as ConfigError {
                refused += 1
                #expect(!error.issues.isEmpty, "\(base.name) \(mutations)")
                for issue in error.issues { #expect(!issue.message.contains("\n"), "one line per issue: \(issue)") }
            } catch {
                Issue.record("\(base.name) \(mutations): not a ConfigError: \(error)")
            }
        }
        #expect(refused > 0 && !valid.isEmpty, "the mutations both break configs and keep some valid (\(refused) refused)")

        // Through the binary: the first valid mutation of each case, then more in order.
        var chosen: [Int] = []
        // Aimed mutations first (an option that is computed with, at a hostile value), one per case, then the rest.
        let aimed = valid.indices.filter { valid[$0].mutations.contains { $0.contains("set ") } }
        for base in cases { if let index = aimed.first(where: { valid[$0].name == base.name }) { chosen.append(index) } }
        chosen += aimed.filter { !chosen.contains($0) }
        chosen += valid.indices.filter { !chosen.contains($0) }
        for (number, index) in chosen.prefix(Self.runs).enumerated() {
            let candidate = valid[index]
            let folder = directory.path + "/run\(number)/a/b/c/d"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let file = try Self.write(candidate.job, candidate.definition, in: folder)
            let described = "seed \(Self.seed), \(candidate.name): \(candidate.mutations)"
            let validated = try CLIHarness.run(["validate", file], environment: environment)
            #expect(validated.status == 0, "\(described)\n\(validated.stderr)")
            let running = try CLIHarness.start(["run", file, "--progress", "off"], environment: environment, directory: folder)
            // Bounded: a mutation may make a run legitimately slow (a rate of one request a minute);
            // then it must stop cleanly on SIGTERM. The verdict is the exit status either way.
            var stopped = false
            if !CLIHarness.waitUntil(limit: 30, { !running.process.isRunning }) {
                stopped = true
                running.signal(SIGTERM)
                if !CLIHarness.waitUntil(limit: 30, { !running.process.isRunning }) {
                    running.signal(SIGKILL)
                    Issue.record("\(described): did not stop within 30 s of SIGTERM")
                }
            }
            let outcome = running.wait()
            let documented: Set<Int32> = stopped ? [0, 1, 75, 77, 78, 143] : [0, 1, 75, 77, 78]
            #expect(documented.contains(outcome.status), "\(described): exit \(outcome.status)\n\(outcome.stderr.suffix(2000))")
            for marker in ["Fatal error", "Illegal instruction", "Stack dump", "Segmentation fault"] {
                #expect(!outcome.stderr.contains(marker), "\(described)\n\(outcome.stderr.suffix(2000))")
            }
            if outcome.status != 0, !stopped {
                #expect(outcome.stderr.contains(" error "), "\(described): a failure says why\n\(outcome.stderr.suffix(2000))")
            }
        }
    }
}
