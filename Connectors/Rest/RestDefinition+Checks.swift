import ConnectorKit

extension RestDefinitionParser {
    /// A stream's mapping onto the conversation model:
    /// `{"kind": "message", "vendor": "acme", "columns": {"text": {"path": [["body"]]}, …}}`, each
    /// column one of `{"column": …}`, `{"path": [[…], …]}`, `{"constant": …}`, `null`,
    /// `{"role": [{"path": […], "equals": …, "role": …}], "otherwise": …}` (or `one_of` or
    /// `none_of` with a list of texts in place of `equals`),
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
            let paths = alternatives.compactMap { recordPath($0) }
            return paths.count == alternatives.count ? .path(paths) : nil
        }
        if let constant = members["constant"] { return string(constant).map { .constant($0) } }
        if let role = members["role"] {
            let rules = (elements(role) ?? []).compactMap { roleRule($0) }
            return .role(rules: rules, otherwise: string(members["otherwise"]) ?? "unknown")
        }
        if let contains = members["contains"] {
            guard let path = recordPath(contains), let value = string(members["value"]) else {
                if members["value"] == nil { issue(JSONPath.member(node.path, "value"), "missing required key (the text to look for)") }
                return nil
            }
            return .contains(path, value)
        }
        if let scaled = members["scaled"] {
            guard let path = recordPath(scaled), let low = number(members["min"]), let high = number(members["max"]) else {
                if members["min"] == nil || members["max"] == nil { issue(node.path, "scaled needs min and max") }
                return nil
            }
            return .scaled(path, min: low, max: high)
        }
        issue(node.path, "expected one of column, path, constant, role, contains or scaled (or null)")
        return nil
    }

    /// The most texts a role rule's `one_of` or `none_of` lists (each becomes part of the SQL of
    /// the model views).
    static let roleRuleTextLimit = 256

    /// A rule of a `role` column: `{"path": […], "role": …}` with exactly one of `"equals": text`,
    /// `"one_of": [text, …]` or `"none_of": [text, …]` (a present, non-null value that is none of
    /// them).
    mutating func roleRule(_ node: Node) -> CanonicalMapping.RoleRule? {
        let tests = ["equals", "one_of", "none_of"]
        guard let fields = members(node, known: ["path"] + tests + ["role"], required: ["path", "role"]) else { return nil }
        let path = recordPath(fields["path"])
        let name = nonEmptyString(fields["role"])
        let given = tests.filter { fields[$0] != nil }
        guard given.count == 1, let key = given.first, let test = fields[key] else {
            let problem = given.isEmpty ? "none given" : "given: \(given.joined(separator: ", "))"
            issue(node.path, "a rule tests its path with exactly one of equals, one_of or none_of (\(problem))")
            return nil
        }
        let match: CanonicalMapping.RoleRule.Match?
        switch key {
        case "equals": match = string(test).map { .equals($0) }
        case "one_of": match = texts(test).map { .oneOf($0) }
        default: match = texts(test).map { .noneOf($0) }
        }
        guard let path, let name, let match else { return nil }
        return CanonicalMapping.RoleRule(path, match, role: name)
    }

    /// A rule's list of texts: 1 to ``roleRuleTextLimit`` strings.
    private mutating func texts(_ node: Node) -> [String]? {
        guard let values = node.value.arrayValue else {
            issue(node.path, "expected an array of strings, got \(node.value.kindDescription)")
            return nil
        }
        guard !values.isEmpty else {
            issue(node.path, "expected at least one string (a rule that lists nothing would match everything or nothing)")
            return nil
        }
        guard values.count <= Self.roleRuleTextLimit else {
            issue(node.path, "at most \(Self.roleRuleTextLimit) strings, got \(values.count)")
            return nil
        }
        let nodes = elements(node, nonEmpty: false) ?? []
        let texts = nodes.compactMap { string($0) }
        return texts.count == nodes.count ? texts : nil
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
        if let problem = RestDefinition.baseURLProblem(definition.baseURL, options: definition.options) {
            issue("base_url", problem)
        }
        // Templates name options whose values are text.
        var templated: [(String, String)] = []
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

extension RestDefinition {
    /// The characters a fixed path after the base URL's option may hold: RFC 3986 path
    /// characters (unreserved, percent escapes, sub-delimiters, `:`, `@`, `/`).
    static let basePathCharacters = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=:@/")

    /// Why a definition's `base_url` is not allowed, or nil.
    ///
    /// The rule: `base_url` is exactly `{NAME}` or `{NAME}/fixed/path`, where `NAME` is an option
    /// of type `url` (the job's configured base URL) and the path holds only URL path characters
    /// and no other template. A definition can never name a host itself: the credentials go only
    /// to the origin the job configures.
    ///
    /// - Parameters:
    ///   - text: The definition's `base_url`.
    ///   - options: The definition's options.
    /// - Returns: The problem in words, or nil.
    static func baseURLProblem(_ text: String, options: [DeclaredOption]) -> String? {
        let rule =
            "must be \"{option}\" or \"{option}/path\" naming a url option (the job's base URL): "
            + "a definition cannot name a host, credentials go only to the origin the job configures"
        guard text.hasPrefix("{"), let close = text.firstIndex(of: "}") else { return rule + ", got \(JSONValue.quoted(text))" }
        let name = String(text[text.index(after: text.startIndex)..<close])
        guard let option = options.first(where: { $0.name == name }) else {
            let hint = Suggestion.hint(for: name, in: options.map(\.name))
            return "no option named \(JSONValue.quoted(name))\(hint)"
        }
        guard option.kind == "url" else { return "option \(JSONValue.quoted(name)) must be of type url; base_url " + rule }
        let path = text[text.index(after: close)...]
        guard path.isEmpty || (path.first == "/" && path.allSatisfy({ basePathCharacters.contains($0) })) else {
            return "after {\(name)} only a fixed path starting with \"/\" may follow (URL path characters, no templates); base_url " + rule
        }
        return nil
    }
}

extension RestDefinition {
    /// The bounds every definition's options get in the roles the runtime computes with, whatever
    /// the definition declares (an option without bounds gets these; one declaring wider ones is
    /// refused): a window of 1.44 minutes to 10 years, at most ``WindowPlanner/maximumConcurrency``
    /// windows at once, pages of 1 to 1,000,000 records. Durations (`lag`, `lookback`) are 0 to
    /// 366 days (``Duration/defaultRange``).
    static let roleBounds:
        (windowDays: ClosedRange<Double>, windowHours: ClosedRange<Double>, concurrency: ClosedRange<Int>, pageSize: ClosedRange<Int>) = (
            0.001...3660, 0.01...87_840, 1...WindowPlanner.maximumConcurrency, 1...1_000_000
        )
}

extension RestDefinitionParser {
    /// Gives the options the runtime computes with their global bounds, refusing declared bounds
    /// beyond them, and checks every default against its option's type.
    mutating func bound(_ definition: inout RestDefinition) {
        let bounds = RestDefinition.roleBounds
        var numbers: [String: (role: String, range: ClosedRange<Double>)] = [:]
        var integers: [String: (role: String, range: ClosedRange<Int>)] = [:]
        if let name = definition.range.windowDays { numbers[name] = ("range.window_days", bounds.windowDays) }
        if let name = definition.range.windowHours { numbers[name] = ("range.window_hours", bounds.windowHours) }
        if let name = definition.range.maxConcurrentWindows { integers[name] = ("range.max_concurrent_windows", bounds.concurrency) }
        for stream in definition.streams {
            if let size = stream.pageSize { integers[size.option] = ("page_size", bounds.pageSize) }
        }
        for index in definition.options.indices {
            let option = definition.options[index]
            let path = "options[\(index)]"
            switch option.type {
            case .number(let declared):
                guard let (role, limit) = numbers[option.name] else { break }
                if let declared, !(limit.contains(declared.lowerBound) && limit.contains(declared.upperBound)) {
                    issue(
                        path,
                        "\(JSONValue.quoted(option.name)) is the \(role) option: its min and max must lie within \(JSONValue.double(limit.lowerBound).jsonText) and \(JSONValue.double(limit.upperBound).jsonText), got \(JSONValue.double(declared.lowerBound).jsonText) to \(JSONValue.double(declared.upperBound).jsonText)"
                    )
                }
                definition.options[index].type = .number(declared ?? limit)
            case .integer(let declared):
                guard let (role, limit) = integers[option.name] else { break }
                if let declared, !(limit.contains(declared.lowerBound) && limit.contains(declared.upperBound)) {
                    issue(
                        path,
                        "\(JSONValue.quoted(option.name)) is the \(role) option: its min and max must lie within \(limit.lowerBound) and \(limit.upperBound), got \(declared.lowerBound) to \(declared.upperBound)"
                    )
                }
                definition.options[index].type = .integer(declared ?? limit)
            default: break
            }
            if let value = definition.options[index].defaultValue, !option.isStreams,
                let problem = OptionValidator.check(value, against: definition.options[index].type, secret: false)
            {
                issue(path + ".default", problem.message)
            }
        }
    }
}
