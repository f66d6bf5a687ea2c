extension OptionSpec {
    /// A JSON Schema (draft 2020-12) for a component object with `type` fixed to `type`.
    ///
    /// - Parameters:
    ///   - type: The component type.
    ///   - summary: The component's description.
    ///   - options: Its options.
    /// - Returns: The schema document.
    public static func jsonSchema(type: String, summary: String, options: [OptionSpec]) -> JSONValue {
        var properties: [(key: String, value: JSONValue)] = [("type", .object([("const", .string(type))]))]
        for option in options {
            var schema = option.type.schema
            schema.append(("description", .string(option.summary)))
            if let value = option.defaultValue { schema.append(("default", value)) }
            properties.append((option.name, .object(schema)))
        }
        let required = ["type"] + options.filter(\.required).map(\.name)
        return .object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("title", .string(type)),
            ("description", .string(summary)),
            ("type", .string("object")),
            ("properties", .object(properties)),
            ("required", .array(required.map(JSONValue.string))),
            ("additionalProperties", .bool(false)),
        ])
    }
}

extension OptionSpec.ValueType {
    var schema: [(key: String, value: JSONValue)] {
        switch self {
        case .string: return [("type", .string("string"))]
        case .secret: return [("type", .string("string")), ("minLength", .integer(1)), ("writeOnly", .bool(true))]
        case .url: return [("type", .string("string")), ("format", .string("uri")), ("pattern", .string("^https?://"))]
        case .path: return [("type", .string("string")), ("minLength", .integer(1))]
        case .integer(let range):
            var schema: [(key: String, value: JSONValue)] = [("type", .string("integer"))]
            if let range { schema += [("minimum", .integer(range.lowerBound)), ("maximum", .integer(range.upperBound))] }
            return schema
        case .number(let range):
            var schema: [(key: String, value: JSONValue)] = [("type", .string("number"))]
            if let range { schema += [("minimum", .double(range.lowerBound)), ("maximum", .double(range.upperBound))] }
            return schema
        case .boolean: return [("type", .string("boolean"))]
        case .timestamp:
            // What the tool accepts: a date, or a date and time with or without a zone (not only RFC 3339's date-time).
            return [
                ("type", .string("string")),
                (
                    "pattern",
                    .string("^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$")
                ),
            ]
        case .duration(let range):
            let bounds = range ?? Duration.defaultRange
            return [
                ("type", .array([.string("string"), .string("number")])),
                ("pattern", .string("^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+$")),
                ("minimum", .double(bounds.lowerBound)), ("maximum", .double(bounds.upperBound)),
                ("description", .string("from \(Duration.text(bounds.lowerBound)) to \(Duration.text(bounds.upperBound))")),
            ]
        case .oneOf(let allowed): return [("enum", .array(allowed.map(JSONValue.string)))]
        case .list(let element):
            return [
                ("type", .string("array")), ("items", .object(element.schema)), ("minItems", .integer(1)), ("uniqueItems", .bool(true)),
            ]
        case .object(let members):
            let properties = members.map { member -> (key: String, value: JSONValue) in
                (member.name, .object(member.type.schema + [("description", .string(member.summary))]))
            }
            return [("type", .string("object")), ("properties", .object(properties)), ("additionalProperties", .bool(false))]
        }
    }
}
