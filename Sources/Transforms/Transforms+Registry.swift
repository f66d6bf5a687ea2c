public import ConnectorKit

/// The built-in transforms' registry entries and their options, each declared once.
public enum BuiltInTransforms {
    /// `streams`: the streams a transform changes.
    public static let streams = OptionSpec(
        "streams", .list(.string), summary: "The streams to change (all by default); each must be a stream of the job.")

    /// `redact.paths`
    public static let redactPaths = OptionSpec(
        "paths", .list(.string),
        summary: "The fields to read, as keys joined by dots (`message_data.body`), everything under each included; by default every "
            + "string value except the record's id, cursor and parent.")
    /// `redact.detect`
    public static let detect = Option.list(
        "detect", of: PersonalDataKind.allCases.map(\.rawValue), default: PersonalDataKind.allCases.map(\.rawValue),
        summary: "The kinds of personal data to replace with [REDACTED:<kind>].")
    /// `pseudonymize.paths` and `drop.paths`
    public static let requiredPaths = OptionSpec(
        "paths", .list(.string), required: true,
        summary: "The fields, as keys joined by dots (`variables.email`); arrays are looked through.")
    /// `pseudonymize.key`
    public static let key = Option.secret(
        "key", summary: "The HMAC-SHA-256 key (at least 16 characters); use \"${PSEUDONYM_KEY}\" to read it from the environment.")

    /// Every built-in transform.
    public static var entries: [Registry.TransformEntry] { [redact, pseudonymize, drop] }

    /// `redact`
    public static let redact = Registry.TransformEntry(
        type: "redact",
        summary: "Replaces email addresses, phone numbers, payment cards, IBANs, US SSNs and IP addresses in text with [REDACTED:<kind>].",
        options: [streams, redactPaths, detect.spec]
    ) { options, _ in
        let kinds = Set(options[detect].compactMap(PersonalDataKind.init(rawValue:)))
        return RedactTransform(detect: kinds, paths: try paths(options, required: false), streams: options.strings("streams").map(Set.init))
    }

    /// `pseudonymize`
    public static let pseudonymize = Registry.TransformEntry(
        type: "pseudonymize",
        summary: "Replaces the values of fields with HMAC-SHA-256(key, value) in hex: stable across streams and runs, so joins still work.",
        options: [streams, requiredPaths, key.spec]
    ) { options, _ in
        let secret = options[key]
        guard secret.reveal().count >= PseudonymizeTransform.minimumKeyLength else {
            throw ConfigError(issues: [
                ConfigIssue(
                    path: options.path + ".key",
                    "the key is \(secret.reveal().count) characters long; a pseudonym is only as hard to reverse as its key: use at least "
                        + "\(PseudonymizeTransform.minimumKeyLength) random characters (`openssl rand -hex 32`)")
            ])
        }
        return PseudonymizeTransform(
            paths: try paths(options, required: true) ?? [], key: secret, streams: options.strings("streams").map(Set.init))
    }

    /// `drop`
    public static let drop = Registry.TransformEntry(
        type: "drop", summary: "Removes fields from every record.", options: [streams, requiredPaths]
    ) { options, _ in
        DropTransform(paths: try paths(options, required: true) ?? [], streams: options.strings("streams").map(Set.init))
    }

    private static func paths(_ options: ComponentOptions, required: Bool) throws -> [[String]]? {
        guard let texts = options.strings("paths") else { return nil }
        var issues: [ConfigIssue] = []
        let parsed = texts.enumerated().compactMap { index, text -> [String]? in
            guard let keys = FieldPaths.parse(text) else {
                issues.append(
                    ConfigIssue(
                        path: "\(options.path).paths[\(index)]",
                        "expected keys joined by dots like \"variables.email\", got \(JSONValue.quoted(text)) (an empty key)"))
                return nil
            }
            return keys
        }
        if !issues.isEmpty { throw ConfigError(issues: issues) }
        return parsed
    }
}
