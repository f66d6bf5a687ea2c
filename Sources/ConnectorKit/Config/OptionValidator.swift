import Foundation

/// Validates a component's JSON object against its option specs, collecting every problem.
package enum OptionValidator {
    /// Validates `object` (the component's members other than `type`) against `specs`.
    package static func validate(
        _ members: [(key: String, value: JSONValue)],
        specs: [OptionSpec],
        type: String,
        path: String,
        baseDirectory: String,
        issues: inout [ConfigIssue]
    ) -> ComponentOptions {
        var values: [String: JSONValue] = [:]
        var given = Set<String>()
        var seen = Set<String>()
        var suggested = Set<String>()
        let names = specs.map(\.name)
        for (key, value) in members where key != "type" {
            let memberPath = path + "." + key
            guard seen.insert(key).inserted else {
                issues.append(ConfigIssue(path: memberPath, "duplicate key"))
                continue
            }
            guard let spec = specs.first(where: { $0.name == key }) else {
                let suggestion = Suggestion.closest(to: key, in: names)
                // The suggestion already says where the value belongs: no second line for it.
                if let suggestion { suggested.insert(suggestion) }
                let hint = suggestion.map { "; did you mean \"\($0)\"?" } ?? ""
                let known = names.isEmpty ? "it takes no options" : "known keys: \(names.joined(separator: ", "))"
                issues.append(ConfigIssue(path: memberPath, "unknown key for \"\(type)\"\(hint) (\(known))"))
                continue
            }
            if case .object(let nested) = spec.type, case .object(let inner) = value {
                let before = issues.count
                let options = validate(inner, specs: nested, type: key, path: memberPath, baseDirectory: baseDirectory, issues: &issues)
                guard issues.count == before else { continue }
                var merged = options.values
                for member in spec.defaultValue?.objectValue ?? [] where merged[member.key] == nil { merged[member.key] = member.value }
                values[key] = .object(nested.compactMap { option in merged[option.name].map { (option.name, $0) } })
                given.insert(key)
                given.formUnion(options.given.map { key + "." + $0 })
                continue
            }
            if issues.contains(where: { $0.path == memberPath }) {
                // Already reported (an unset variable): one problem, one line.
                continue
            }
            if let problem = check(value, against: spec.type, secret: spec.type.isSecret) {
                issues.append(ConfigIssue(path: memberPath + problem.suffix, problem.message))
            } else {
                values[key] = value
                given.insert(key)
            }
        }
        for spec in specs where values[spec.name] == nil && !seen.contains(spec.name) && !suggested.contains(spec.name) {
            if spec.required {
                issues.append(ConfigIssue(path: path + "." + spec.name, "missing required key (expected \(spec.type.expectation))"))
            } else if let value = spec.defaultValue {
                values[spec.name] = value
            }
        }
        var options = ComponentOptions(type: type, path: path, baseDirectory: baseDirectory, values: values)
        options.given = given
        return options
    }

    /// Why `value` does not fit `type`, with the path suffix of the offending element
    /// (`[1]`), or nil when it fits.
    package static func check(_ value: JSONValue, against type: OptionSpec.ValueType, secret: Bool) -> (suffix: String, message: String)? {
        checkValue(value, against: type, secret: secret)
    }

    private static func checkValue(_ value: JSONValue, against type: OptionSpec.ValueType, secret: Bool) -> (
        suffix: String, message: String
    )? {
        if case .list(let element) = type, let elements = value.arrayValue {
            guard !elements.isEmpty else { return ("", "expected a non-empty array") }
            for (index, item) in elements.enumerated() {
                if let problem = checkValue(item, against: element, secret: secret) {
                    return ("[\(index)]" + problem.suffix, problem.message)
                }
            }
            if Set(elements).count != elements.count { return ("", "expected distinct values, got duplicates") }
            return nil
        }
        return checkScalar(value, against: type, secret: secret).map { ("", $0) }
    }

    private static func checkScalar(_ value: JSONValue, against type: OptionSpec.ValueType, secret: Bool) -> String? {
        func wrong() -> String { "expected \(type.expectation), got \(value.kindDescription)" }
        func shown(_ text: String) -> String { secret ? "the given value" : JSONValue.quoted(String(text.prefix(80))) }
        // Text that reaches a request, a file name or a log line never holds a control character
        // (a CR or LF would start a new header line on the wire).
        let control = "must not contain control characters (a line break, tab or NUL)"
        switch type {
        case .string:
            guard let text = value.stringValue else { return wrong() }
            return HTTPFieldRules.hasControlCharacter(text) ? control : nil
        case .secret:
            guard let text = value.stringValue else { return wrong() }
            if HTTPFieldRules.hasControlCharacter(text) { return control }
            return text.isEmpty ? "expected a non-empty string" : nil
        case .url:
            guard let text = value.stringValue else { return wrong() }
            if HTTPFieldRules.hasControlCharacter(text) || text.contains(" ") {
                return "expected an absolute http(s) URL without spaces or control characters (a line break, tab or NUL)"
            }
            return HTTPOrigin(text) == nil ? "expected an absolute http(s) URL like https://example.com, got \(shown(text))" : nil
        case .path:
            guard let text = value.stringValue else { return wrong() }
            if text.utf8.contains(0) { return "must not contain NUL" }
            return text.isEmpty ? "expected a non-empty path" : nil
        case .integer(let range):
            guard let int = value.intValue else { return value.doubleValue != nil ? "expected an integer, got \(value.jsonText)" : wrong() }
            if let range, !range.contains(int) { return "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(int)" }
            return nil
        case .number(let range):
            guard let number = value.doubleValue else { return wrong() }
            if let range, !range.contains(number) {
                return "expected a number from \(range.lowerBound) to \(range.upperBound), got \(value.jsonText)"
            }
            return nil
        case .boolean:
            return value.boolValue == nil ? wrong() : nil
        case .timestamp:
            guard let text = value.stringValue else { return wrong() }
            guard let time = Timestamp(iso8601: text) else {
                return "expected an ISO-8601 timestamp like 2026-01-01T00:00:00Z, got \(shown(text))"
            }
            guard Timestamp.validRange.contains(time) else {
                return
                    "expected a time from \(Timestamp.validRange.lowerBound.iso8601()) to \(Timestamp.validRange.upperBound.iso8601()), got \(shown(text))"
            }
            return nil
        case .duration(let range):
            guard let seconds = Duration.parseSeconds(value) else {
                return
                    "expected a duration like \"250ms\", \"90s\", \"30m\", \"2h\", \"7d\" or seconds as a number, got \(value.stringValue.map(shown) ?? value.jsonText)"
            }
            let bounds = range ?? Duration.defaultRange
            guard bounds.contains(seconds) else {
                return
                    "expected a duration from \(Duration.text(bounds.lowerBound)) to \(Duration.text(bounds.upperBound)), got \(value.stringValue.map(shown) ?? value.jsonText)"
            }
            return nil
        case .oneOf(let allowed):
            guard let text = value.stringValue else { return wrong() }
            guard allowed.contains(text) else {
                let hint = Suggestion.hint(for: text, in: allowed)
                return "expected one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), got \(shown(text))\(hint)"
            }
            return nil
        case .list:
            return wrong()
        case .object:
            return value.objectValue == nil ? wrong() : nil
        }
    }
}

extension OptionSpec.ValueType {
    var isSecret: Bool {
        if case .secret = self { return true }
        return false
    }

    /// What a person should write, for messages: "a string", "an integer from 100 to 10000".
    var expectation: String {
        switch self {
        case .string: "a string"
        case .secret: "a non-empty string"
        case .url: "an absolute http(s) URL"
        case .path: "a path"
        case .integer(let range): range.map { "an integer from \($0.lowerBound) to \($0.upperBound)" } ?? "an integer"
        case .number(let range): range.map { "a number from \($0.lowerBound) to \($0.upperBound)" } ?? "a number"
        case .boolean: "true or false"
        case .timestamp: "an ISO-8601 timestamp"
        case .duration(let range):
            range.map { "a duration from \(Duration.text($0.lowerBound)) to \(Duration.text($0.upperBound))" } ?? "a duration like \"2h\""
        case .oneOf(let allowed): "one of " + allowed.map { "\"\($0)\"" }.joined(separator: ", ")
        case .list(let element):
            "an array of \(element.expectation.replacingOccurrences(of: "^an? ", with: "", options: .regularExpression))s"
        case .object(let members): "an object with " + members.map(\.name).joined(separator: ", ")
        }
    }
}
