/// The JSON Schema of a whole job config for the types in a registry.
public enum JobSchema {
    /// Builds the schema.
    ///
    /// - Parameter registry: The registered sources and sinks.
    /// - Returns: The schema document.
    public static func document(registry: Registry) -> JSONValue {
        func strip(_ schema: JSONValue) -> JSONValue {
            guard case .object(let members) = schema else { return schema }
            return .object(members.filter { $0.key != "$schema" })
        }
        let sources = registry.sources.map { strip(OptionSpec.jsonSchema(type: $0.type, summary: $0.summary, options: $0.options)) }
        let sinks = registry.sinks.map { strip(OptionSpec.jsonSchema(type: $0.type, summary: $0.summary, options: $0.options)) }
        let transforms = registry.transforms.map { strip(OptionSpec.jsonSchema(type: $0.type, summary: $0.summary, options: $0.options)) }
        return .object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("title", .string("chat-export job")),
            ("type", .string("object")),
            (
                "properties",
                .object([
                    ("source", .object([("oneOf", .array(sources))])),
                    (
                        "sinks",
                        .object([("type", .string("array")), ("minItems", .integer(1)), ("items", .object([("oneOf", .array(sinks))]))])
                    ),
                    (
                        "transforms",
                        .object([
                            ("type", .string("array")),
                            ("description", .string("Applied in order to every record after the source and before any sink.")),
                            ("items", .object([("oneOf", .array(transforms))])),
                        ])
                    ),
                    (
                        "checkpoint",
                        .object([
                            ("type", .string("object")),
                            (
                                "properties",
                                .object([
                                    (
                                        "path",
                                        .object([
                                            ("type", .string("string")),
                                            ("description", .string("The checkpoint file; relative to the config file's directory.")),
                                        ])
                                    )
                                ])
                            ),
                            ("required", .array([.string("path")])),
                            ("additionalProperties", .bool(false)),
                        ])
                    ),
                    (
                        "schedule",
                        .object([
                            ("type", .string("object")),
                            ("description", .string("When `chat-export serve` runs the job: `every` or `cron`.")),
                            (
                                "properties",
                                .object([
                                    (
                                        "every",
                                        .object(
                                            JobConfigLoader.scheduleEvery.spec.type.schema + [
                                                ("description", .string(JobConfigLoader.scheduleEvery.spec.summary)),
                                                ("default", .string("1h")),
                                            ])
                                    ),
                                    (
                                        "cron",
                                        .object([
                                            ("type", .string("string")),
                                            ("description", .string(JobConfigLoader.scheduleCron.spec.summary)),
                                            ("examples", .array([.string("*/15 * * * *"), .string("0 6 * * MON-FRI")])),
                                        ])
                                    ),
                                ])
                            ),
                            ("additionalProperties", .bool(false)),
                        ])
                    ),
                ])
            ),
            ("required", .array([.string("source"), .string("sinks")])),
            ("additionalProperties", .bool(false)),
        ])
    }
}
