import ConnectorRuntime

extension RestDefinitionParser {
    /// A stream's mapping onto the conversation model:
    /// `{"kind": "message", "vendor": "acme", "columns": {"text": {"path": [["body"]]}, …}}`, each
    /// column one of `{"column": …}`, `{"path": [[…], …]}`, `{"constant": …}`, `null`,
    /// `{"role": [{"path": […], "equals": …, "role": …}], "otherwise": …}`,
    /// `{"contains": […], "value": …}`, `{"scaled": […], "min": …, "max": …}`.
    mutating func canonical(_ node: Node) -> CanonicalMapping? {
        guard let members = members(node, known: ["kind", "vendor", "columns"], required: ["kind", "vendor", "columns"]),
            let kindText = oneOf(members["kind"], ["conversation", "message"]), let kind = CanonicalMapping.Kind(rawValue: kindText),
            let vendor = nonEmptyString(members["vendor"]), let columnsNode = members["columns"]
        else { return nil }
        let names = (kind == .conversation ? CanonicalMapping.conversationColumns : CanonicalMapping.messageColumns).map(\.name)
            .filter { $0 != "vendor" }
        guard let columns = self.members(columnsNode, known: names) else { return nil }
        var values: [String: CanonicalMapping.Value] = [:]
        for (name, column) in columns {
            if let value = canonicalValue(column) { values[name] = value }
        }
        return CanonicalMapping(kind, vendor: vendor, values)
    }

    mutating func canonicalValue(_ node: Node) -> CanonicalMapping.Value? {
        if node.value == .null { return CanonicalMapping.Value.none }
        guard
            let members = members(
                node, known: ["column", "path", "constant", "role", "otherwise", "contains", "value", "scaled", "min", "max"])
        else { return nil }
        if let column = members["column"] { return nonEmptyString(column).map { .column($0) } }
        if let path = members["path"] {
            guard let alternatives = elements(path) else { return nil }
            let paths = alternatives.compactMap { strings($0) }
            return paths.count == alternatives.count ? .path(paths) : nil
        }
        if let constant = members["constant"] { return string(constant).map { .constant($0) } }
        if let role = members["role"] {
            var rules: [CanonicalMapping.RoleRule] = []
            for rule in elements(role) ?? [] {
                guard let fields = self.members(rule, known: ["path", "equals", "role"], required: ["path", "equals", "role"]),
                    let path = strings(fields["path"]), let equals = string(fields["equals"]), let name = nonEmptyString(fields["role"])
                else { continue }
                rules.append(.init(path, equals: equals, role: name))
            }
            return .role(rules: rules, otherwise: string(members["otherwise"]) ?? "unknown")
        }
        if let contains = members["contains"] {
            guard let path = strings(contains), let value = string(members["value"]) else {
                if members["value"] == nil { issue(JSONPath.member(node.path, "value"), "missing required key (the text to look for)") }
                return nil
            }
            return .contains(path, value)
        }
        if let scaled = members["scaled"] {
            guard let path = strings(scaled), let low = number(members["min"]), let high = number(members["max"]) else {
                if members["min"] == nil || members["max"] == nil { issue(node.path, "scaled needs min and max") }
                return nil
            }
            return .scaled(path, min: low, max: high)
        }
        issue(node.path, "expected one of column, path, constant, role, contains or scaled (or null)")
        return nil
    }

    /// Checks what refers to options: each names a declared option of a fitting type.
    mutating func crossCheck(_ definition: RestDefinition) {
        let options = Dictionary(definition.options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func check(_ name: String?, _ path: String, _ kinds: [String]) {
            guard let name else { return }
            guard let option = options[name] else {
                let hint = Suggestion.hint(for: name, in: Array(options.keys))
                issue(path, "no option named \(JSONValue.quoted(name))\(hint)")
                return
            }
            if !kinds.contains(option.kind) {
                issue(path, "option \(JSONValue.quoted(name)) must be of type \(kinds.joined(separator: " or "))")
            }
        }
        switch definition.auth {
        case .none: break
        case .bearer(let option), .header(_, let option), .queryParameter(_, let option):
            check(option, "auth.option", ["secret"])
        case .basic(let user, let password):
            check(user, "auth.user_option", ["string", "secret"])
            check(password, "auth.password_option", ["secret"])
        }
        let range = definition.range
        check(range.start, "range.start", ["timestamp"])
        check(range.end, "range.end", ["timestamp"])
        check(range.lag, "range.lag", ["duration"])
        check(range.lookback, "range.lookback", ["duration"])
        check(range.windowDays, "range.window_days", ["number"])
        check(range.windowHours, "range.window_hours", ["number"])
        check(range.maxConcurrentWindows, "range.max_concurrent_windows", ["integer"])
        if range.start == nil, range.retentionDays == nil {
            issue("range", "name a start option or give retention_days (where a first run starts)")
        }
        // Templates name options whose values are text.
        var templated: [(String, String)] = [(definition.baseURL, "base_url")]
        if let bot = definition.bot { templated.append((bot, "bot")) }
        for (index, stream) in definition.streams.enumerated() {
            let path = "streams[\(index)]"
            templated += [
                (stream.summary, path + ".summary"), (stream.path, path + ".path"), (stream.cursor.path.joined(), path + ".cursor.field"),
                (stream.cursor.column, path + ".cursor.column"), (stream.bounds.start, path + ".bounds.start"),
                (stream.bounds.end, path + ".bounds.end"),
            ]
            if let tag = stream.cursorTag { templated.append((tag, path + ".cursor_tag")) }
            templated += stream.query.map { ($0.value, path + ".query." + $0.name) }
            if let size = stream.pageSize {
                check(size.option, path + ".page_size.option", ["integer"])
            }
        }
        for (status, message) in definition.errors.configStatuses { templated.append((message, "errors.config.\(status)")) }
        for (text, path) in templated {
            for name in RestTemplate.names(in: text) {
                check(name, path, ["string", "url", "enum"])
            }
        }
    }
}
