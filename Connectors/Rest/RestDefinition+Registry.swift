import ConnectorHTTP
public import ConnectorKit

extension RestDefinition {
    /// The registry entry that makes this definition a source type of its own, named after it
    /// (`"type": "ada-v2"`): the definition's options and the HTTP ones, whose `rate_limits`
    /// default to the vendor's documented limits. Its sources are the ones `"type": "rest",
    /// "definition": "<name>"` makes: the same identity, the same checkpoints.
    public var registryEntry: Registry.SourceEntry {
        let definition = self
        let specs = options.map {
            OptionSpec($0.name, $0.type, required: $0.required, default: $0.defaultValue, summary: $0.summary)
        }
        return Registry.SourceEntry(
            type: name, summary: summary, options: specs + HTTPOptions.specs(limits: rateLimits),
            make: { options, context in try RestSource.make(definition, options, context) })
    }

    /// A definition compiled into a connector target (`PackageResources.ada_v2_json`).
    ///
    /// A built-in definition is part of its connector's source, not a user's file: one that does
    /// not parse is a programming error, which every test of the connector meets first.
    ///
    /// - Parameters:
    ///   - bytes: The definition's JSON.
    ///   - name: Its name, prefixed to the paths of any problem (`ada-v2`).
    /// - Returns: The definition.
    public static func builtIn(_ bytes: [UInt8], name: String) -> RestDefinition {
        do {
            return try parse(try RestSource.parseDefinition(bytes, source: name, file: name, path: name), source: name)
        } catch {
            preconditionFailure("the built-in connector definition \(name) is invalid: \(error)")
        }
    }
}
