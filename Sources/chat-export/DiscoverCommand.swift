import BuiltInComponents
import ConnectorKit
import ConnectorRuntime
import Foundation

/// `chat-export discover CONFIG|TYPE [--limit N] [--json]`: each stream's declared fields and the
/// columns they become; with a config (and so credentials), also the fields seen in a sample.
struct DiscoverCommand {
    var environment: [String: String]
    var logger: ExportLogger

    /// What one field looked like across the sampled records.
    struct SeenField {
        var present = 0
        var kinds: Set<String> = []
    }

    func run(target: String, limit text: String?, json: Bool) async throws -> Int32 {
        let limit = try Self.limit(text)
        let loader = JobConfigLoader(registry: BuiltIns.registry, environment: environment, logger: logger)
        let job: JobConfig
        let sampling: Bool
        if !FileSystem.exists(target), let entry = BuiltIns.registry.source(target) {
            // A type alone: its streams come from the config `init` prints, with stand-in credentials.
            var standIns = environment
            for option in entry.options where option.required {
                if case .secret = option.type { standIns[InitCommand.environmentName(for: option.name, source: target)] = "unused" }
            }
            var typeLoader = loader
            typeLoader.environment = standIns
            typeLoader.logger = .disabled
            job = try typeLoader.load(
                document: try JSONValue.parse(InitCommand.config(type: target, sink: "stdout")), baseDirectory: ".",
                defaultCheckpoint: "/dev/null")
            sampling = false
        } else {
            guard FileSystem.exists(target) else {
                let known = BuiltIns.registry.sources.map(\.type)
                let hint = Suggestion.hint(for: target, in: known)
                throw UsageError(
                    message: "\(target): no such config file or source type\(hint) (types: \(known.joined(separator: ", ")))",
                    command: "discover")
            }
            job = try loader.load(file: target)
            sampling = true
        }
        var samples: [String: [Record]] = [:]
        if sampling {
            let sink = SampleSink()
            var session = JobSession(job: job, checkpoints: .preview, logger: logger)
            session.sinks = [sink]
            session.recordLimit = limit
            _ = try await session.run()
            samples = sink.records
        }
        var documents: [JSONValue] = []
        for stream in job.source.streams {
            let records = samples[stream.name] ?? []
            let seen = Self.fields(of: records)
            if json {
                documents.append(Self.document(stream, sampled: sampling ? records.count : nil, seen: seen))
            } else {
                print(Self.text(stream, sampled: sampling ? records.count : nil, seen: seen))
            }
        }
        if json { print(JSONValue.object([("streams", .array(documents))]).serialized(pretty: true)) }
        if !sampling, !json { print("(run `chat-export discover CONFIG` to also see the fields in a sample of real records)") }
        return 0
    }

    static func limit(_ text: String?) throws -> Int {
        guard let text else { return Flags.limit.defaultInteger }
        guard let value = Int(text), value > 0 else {
            throw UsageError(message: "--limit must be a positive whole number, got \"\(text)\"", command: "discover")
        }
        return value
    }

    /// Every key path (objects two levels deep) with how often it is present and its JSON kinds.
    static func fields(of records: [Record]) -> [(path: String, seen: SeenField)] {
        var fields: [String: SeenField] = [:]
        var order: [String] = []
        func visit(_ value: JSONValue, _ path: String, depth: Int) {
            guard case .object(let members) = value else { return }
            var counted = Set<String>()
            for (key, member) in members {
                let field = path.isEmpty ? key : path + "." + key
                if fields[field] == nil { order.append(field) }
                if counted.insert(field).inserted { fields[field, default: SeenField()].present += 1 }
                fields[field, default: SeenField()].kinds.insert(kind(member))
                if depth < 2 { visit(member, field, depth: depth + 1) }
            }
        }
        for record in records {
            guard let value = try? JSONValue.parse(Array(record.json)) else { continue }
            visit(value, "", depth: 1)
        }
        return order.map { ($0, fields[$0] ?? SeenField()) }
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func text(_ stream: StreamDescriptor, sampled: Int?, seen: [(path: String, seen: SeenField)]) -> String {
        var lines = ["\(stream.name): \(stream.summary)"]
        var columns = ["_id", stream.cursorColumn + (stream.cursorField.map { " ← \($0) (cursor)" } ?? "")]
        if let parent = stream.parentColumn { columns.append(parent + (stream.parentField.map { " ← \($0) (parent)" } ?? "")) }
        columns.append("data (the record exactly as sent)")
        lines.append("  table columns: " + columns.joined(separator: ", "))
        if !stream.fields.isEmpty {
            lines.append("  declared fields (columns of the \(stream.name)_view view in SQL sinks):")
            let width = stream.fields.map(\.name.count).max() ?? 0
            for field in stream.fields {
                let pad = String(repeating: " ", count: width - field.name.count)
                lines.append(
                    "    \(field.name)\(pad)  \(field.type.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  ← \(field.path.joined(separator: "."))"
                )
            }
        }
        if let sampled {
            lines.append("  seen in \(sampled) sampled records:")
            let width = seen.map(\.path.count).max() ?? 0
            for (path, field) in seen {
                let share = sampled > 0 ? Int((Double(field.present) / Double(sampled) * 100).rounded()) : 0
                let pad = String(repeating: " ", count: width - path.count)
                lines.append(
                    "    \(path)\(pad)  \(field.kinds.sorted().joined(separator: "|").padding(toLength: 14, withPad: " ", startingAt: 0))  \(share)%"
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func document(_ stream: StreamDescriptor, sampled: Int?, seen: [(path: String, seen: SeenField)]) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(stream.name)), ("summary", .string(stream.summary)),
            ("cursor", .object([("field", stream.cursorField.map(JSONValue.string) ?? .null), ("column", .string(stream.cursorColumn))])),
        ]
        if let parent = stream.parentColumn {
            members.append(
                ("parent", .object([("field", stream.parentField.map(JSONValue.string) ?? .null), ("column", .string(parent))])))
        }
        members.append(
            (
                "fields",
                .array(
                    stream.fields.map {
                        .object([
                            ("column", .string($0.name)), ("path", .array($0.path.map(JSONValue.string))),
                            ("type", .string($0.type.rawValue)),
                        ])
                    })
            ))
        if let sampled {
            members.append(("sampled", .integer(sampled)))
            members.append(
                (
                    "seen",
                    .array(
                        seen.map {
                            .object([
                                ("field", .string($0.path)), ("types", .array($0.seen.kinds.sorted().map(JSONValue.string))),
                                ("present", .integer($0.seen.present)),
                            ])
                        })
                ))
        }
        return .object(members)
    }
}
