import ConnectorKit

/// Reads a definition's JSON strictly: unknown keys (with a did-you-mean), wrong types and
/// missing keys are issues naming their JSON path (`acme.json:streams[0].paging.type`).
struct RestDefinitionParser {
    /// Prefixed to every path (`acme.json:`).
    let prefix: String
    var issues: [ConfigIssue] = []

    init(prefix: String) { self.prefix = prefix }

    struct Node {
        var value: JSONValue
        var path: String
    }

    mutating func issue(_ path: String, _ message: String) { issues.append(ConfigIssue(path: prefix + path, message)) }

    /// The members of an object, after checking its keys.
    mutating func members(_ node: Node, known: [String], required: [String] = []) -> [String: Node]? {
        guard let members = node.value.objectValue else {
            issue(node.path, "expected an object, got \(node.value.kindDescription)")
            return nil
        }
        var out: [String: Node] = [:]
        for (key, value) in members {
            let path = JSONPath.member(node.path, key)
            guard known.contains(key) else {
                let hint = Suggestion.hint(for: key, in: known)
                issue(path, "unknown key\(hint) (known keys: \(known.joined(separator: ", ")))")
                continue
            }
            out[key] = Node(value: value, path: path)
        }
        for key in required where out[key] == nil && members.contains(where: { $0.key == key }) == false {
            issue(JSONPath.member(node.path, key), "missing required key")
        }
        return out
    }

    mutating func string(_ node: Node?) -> String? {
        guard let node else { return nil }
        guard let text = node.value.stringValue else {
            issue(node.path, "expected a string, got \(node.value.kindDescription)")
            return nil
        }
        // A NUL ends a C string: SQLite and PostgreSQL cannot hold it in a view, nor curl in a request.
        guard !text.unicodeScalars.contains("\u{0}") else {
            issue(node.path, "contains a NUL character (\\u0000), which no SQL text or HTTP request can carry")
            return nil
        }
        return text
    }

    mutating func nonEmptyString(_ node: Node?) -> String? {
        guard let text = string(node) else { return nil }
        if text.isEmpty, let node { issue(node.path, "must not be empty") }
        return text.isEmpty ? nil : text
    }

    mutating func int(_ node: Node?, _ range: ClosedRange<Int>) -> Int? {
        guard let node else { return nil }
        guard let value = node.value.intValue, range.contains(value) else {
            issue(node.path, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(node.value.compactText)")
            return nil
        }
        return value
    }

    mutating func number(_ node: Node?) -> Double? {
        guard let node else { return nil }
        guard let value = node.value.doubleValue else {
            issue(node.path, "expected a number, got \(node.value.kindDescription)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node?) -> Bool? {
        guard let node else { return nil }
        guard let value = node.value.boolValue else {
            issue(node.path, "expected true or false, got \(node.value.kindDescription)")
            return nil
        }
        return value
    }

    mutating func elements(_ node: Node?, nonEmpty: Bool = true) -> [Node]? {
        guard let node else { return nil }
        guard let elements = node.value.arrayValue else {
            issue(node.path, "expected an array, got \(node.value.kindDescription)")
            return nil
        }
        if nonEmpty, elements.isEmpty { issue(node.path, "expected at least one element") }
        return elements.enumerated().map { Node(value: $1, path: "\(node.path)[\($0)]") }
    }

    mutating func strings(_ node: Node?) -> [String]? {
        guard let elements = elements(node) else { return nil }
        let values = elements.compactMap { nonEmptyString($0) }
        return values.count == elements.count ? values : nil
    }

    /// Keys from a record's root to a value the SQL views read: non-empty strings without a
    /// double quote or a backslash, which SQLite's JSON paths cannot address (the value would read
    /// as NULL there and as itself in PostgreSQL).
    mutating func recordPath(_ node: Node?) -> [String]? {
        guard let keys = strings(node), let node else { return nil }
        if let index = keys.firstIndex(where: { $0.contains("\"") || $0.contains("\\") }) {
            issue("\(node.path)[\(index)]", "a key with a double quote (\") or a backslash (\\) cannot be read by SQLite's JSON paths")
            return nil
        }
        return keys
    }

    mutating func statuses(_ node: Node?) -> Set<Int>? {
        guard let elements = elements(node) else { return nil }
        return Set(elements.compactMap { int($0, 400...599) })
    }

    mutating func oneOf(_ node: Node?, _ values: [String]) -> String? {
        guard let node, let text = string(node) else { return nil }
        guard values.contains(text) else {
            let hint = Suggestion.hint(for: text, in: values)
            issue(node.path, "unknown value \(JSONValue.quoted(text))\(hint) (expected one of \(values.joined(separator: ", ")))")
            return nil
        }
        return text
    }
}

extension JSONValue {
    /// Short text of a value for messages.
    var compactText: String {
        switch self {
        case .string(let text): JSONValue.quoted(text)
        case .array, .object: kindDescription
        default: serialized(pretty: false)
        }
    }
}
