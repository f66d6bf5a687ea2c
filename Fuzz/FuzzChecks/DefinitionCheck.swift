import BuiltInComponents
import ConnectorKit
import RestConnector

/// The connector-definition parser on arbitrary bytes, then a job that uses the definition.
///
/// For any input: reading ends with the document or a documented JSON error; parsing ends with a
/// definition or a ``ConfigError`` whose every issue is one line with a JSON path. A definition
/// that parses becomes a source type of its own, and a job naming it (with a sample value for
/// each required option) loads or is refused with a ``ConfigError``: what `validate` accepts is
/// then run by the same factory.
enum DefinitionCheck {
    static func check(_ input: [UInt8]) throws {
        guard let json = try ConfigCheck.read(input, target: "definition", prefix: "fuzz.json:") else { return }
        let definition: RestDefinition
        do {
            definition = try RestDefinition.parse(json, source: "fuzz.json")
        } catch let error as ConfigError {
            try checkRefusal(error, "definition")
            return
        } catch {
            throw FuzzFinding("definition", "parsing threw \(type(of: error)), not ConfigError: \(error)")
        }
        guard !definition.streams.isEmpty else { throw FuzzFinding("definition", "a definition without streams was accepted") }
        var registry = BuiltIns.registry
        let entry = definition.registryEntry
        // A name of a built-in type is refused when registered from a file; here the fuzzed one wins.
        registry.register(entry)
        var source: [(key: String, value: JSONValue)] = [("type", .string(entry.type))]
        for option in definition.options where option.required && option.defaultValue == nil {
            source.append((option.name, sample(option.type)))
        }
        let job: JSONValue = .object([("source", .object(source)), ("sinks", .array([.object([("type", .string("stdout"))])]))])
        let loader = JobConfigLoader(registry: registry, environment: ConfigCheck.environment, logger: .disabled)
        try ConfigCheck.load(job, loader: loader, target: "definition")
    }

    /// A plausible value of an option's type.
    static func sample(_ type: OptionSpec.ValueType) -> JSONValue {
        switch type {
        case .string, .secret, .path: .string("fuzz-value-0123456789")
        case .url: .string("https://fuzz.example")
        case .integer(let range): .integer(range?.lowerBound ?? 1)
        case .number(let range): .number(JSONValue.double(range?.lowerBound ?? 1).jsonText)
        case .boolean: .bool(true)
        case .timestamp: .string("2026-01-01T00:00:00Z")
        case .duration: .string("1h")
        case .oneOf(let values): .string(values.first ?? "")
        case .list(let element): .array([sample(element)])
        case .object(let specs): .object(specs.filter(\.required).map { ($0.name, sample($0.type)) })
        }
    }
}
