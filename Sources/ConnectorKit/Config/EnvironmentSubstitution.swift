/// Replaces `${NAME}` in every string of a config with the environment variable `NAME`.
///
/// `$${` stands for a literal `${`. An unset variable is an issue naming it and the JSON path;
/// substituted values are never echoed.
public enum EnvironmentSubstitution {
    /// Substitutes variables throughout `value`.
    ///
    /// - Parameters:
    ///   - value: The config tree.
    ///   - environment: The variables.
    ///   - path: The JSON path of `value`.
    ///   - issues: Where problems are collected.
    /// - Returns: The tree with variables replaced.
    public static func apply(
        to value: JSONValue,
        environment: [String: String],
        path: String = "$",
        issues: inout [ConfigIssue]
    ) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(substitute(text, environment: environment, path: path, issues: &issues))
        case .array(let elements):
            return .array(elements.enumerated().map { apply(to: $1, environment: environment, path: "\(path)[\($0)]", issues: &issues) })
        case .object(let members):
            return .object(
                members.map {
                    ($0.key, apply(to: $0.value, environment: environment, path: JSONPath.member(path, $0.key), issues: &issues))
                })
        default:
            return value
        }
    }

    /// Substitutes variables in one string.
    ///
    /// - Parameters:
    ///   - text: The string.
    ///   - environment: The variables.
    ///   - path: The JSON path, for messages.
    ///   - issues: Where problems are collected.
    /// - Returns: The substituted string.
    public static func substitute(
        _ text: String,
        environment: [String: String],
        path: String,
        issues: inout [ConfigIssue]
    ) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[dollar...]
            if after.hasPrefix("$${") {
                out += "${"
                rest = after.dropFirst(3)
            } else if after.hasPrefix("${") {
                guard let close = after.firstIndex(of: "}") else {
                    issues.append(ConfigIssue(path: path, "unterminated \"${\" (write \"$${\" for a literal \"${\")"))
                    return text
                }
                let name = String(after[after.index(after.startIndex, offsetBy: 2)..<close])
                let valid = !name.isEmpty && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
                if !valid {
                    issues.append(ConfigIssue(path: path, "invalid variable name \(JSONValue.quoted("${" + name + "}"))"))
                } else if let value = environment[name] {
                    out += value
                } else {
                    issues.append(ConfigIssue(path: path, "environment variable \(name) is not set"))
                }
                rest = after[after.index(after: close)...]
            } else {
                out += "$"
                rest = after.dropFirst()
            }
        }
        return out + rest
    }
}

/// Building JSON paths for messages: `source.token`, `sinks[1].dir`.
package enum JSONPath {
    /// The path of member `key` of the object at `path`.
    package static func member(_ path: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.allSatisfy { $0 == "_" || $0 == "-" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        let base = path == "$" ? "" : path
        if plain { return base.isEmpty ? key : base + "." + key }
        return (base.isEmpty ? "$" : base) + "[" + JSONValue.quoted(key) + "]"
    }
}
