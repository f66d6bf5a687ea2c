import ConnectorHTTP
public import ConnectorKit

extension RestDefinition {
    /// Option names a definition may not declare: the component's own keys and the HTTP
    /// options every vendor source takes.
    static var reservedOptions: Set<String> {
        Set(["type", "definition"] + HTTPOptions.specs(limits: RateLimits()).map(\.name))
    }

    /// Reads a definition, strictly.
    ///
    /// - Parameters:
    ///   - json: The definition's JSON.
    ///   - source: Where it came from, prefixed to every issue's path (`acme.json`).
    /// - Returns: The definition.
    /// - Throws: ``ConfigError`` listing every problem with its JSON path.
    public static func parse(_ json: JSONValue, source: String) throws -> RestDefinition {
        var parser = RestDefinitionParser(prefix: source + ":")
        let root = RestDefinitionParser.Node(value: json, path: "$")
        let keys = [
            "$schema", "name", "title", "summary", "documentation", "options", "base_url", "auth", "rate_limits", "errors", "range", "bot",
            "streams",
        ]
        guard let top = parser.members(root, known: keys, required: ["name", "options", "base_url", "auth", "range", "streams"]) else {
            throw ConfigError(issues: parser.issues)
        }
        let name = parser.nonEmptyString(top["name"]) ?? ""
        if !name.isEmpty, !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }), let node = top["name"] {
            parser.issue(node.path, "use letters, digits, '-', '_' and '.' only")
        }
        var definition = RestDefinition(
            name: name, title: parser.string(top["title"]) ?? name, summary: parser.string(top["summary"]) ?? "",
            options: [], baseURL: parser.nonEmptyString(top["base_url"]) ?? "", auth: .none, rateLimits: RateLimits(),
            errors: Errors(messagePaths: [], credentialStatuses: [], configStatuses: [:]),
            range: Range(), bot: parser.string(top["bot"]), streams: [])
        _ = parser.string(top["documentation"])
        _ = parser.string(top["$schema"])
        definition.options = parser.elements(top["options"], nonEmpty: false)?.compactMap { parser.option($0) } ?? []
        var seen = Set<String>()
        for (index, option) in definition.options.enumerated() where !seen.insert(option.name).inserted {
            parser.issue("options[\(index)].name", "option \(JSONValue.quoted(option.name)) is declared twice")
        }
        if let node = top["auth"] {
            definition.auth = parser.auth(node)
            definition.credentialLabel = parser.label(node) ?? definition.credentialLabel
        }
        if let node = top["rate_limits"] { definition.rateLimits = parser.rateLimits(node) }
        if let node = top["errors"] { definition.errors = parser.errors(node) }
        if let node = top["range"] { definition.range = parser.range(node) }
        let streamNodes = parser.elements(top["streams"]) ?? []
        definition.streams = streamNodes.compactMap { parser.stream($0) }
        // A `streams` option lists the definition's streams, all of them by default.
        let names = definition.streams.map(\.name)
        for index in definition.options.indices where definition.options[index].isStreams {
            definition.options[index].type = .list(.oneOf(names))
            definition.options[index].defaultValue = .array(names.map { .string($0) })
        }
        var streamNames = Set<String>()
        for (index, stream) in definition.streams.enumerated() where !streamNames.insert(stream.name).inserted {
            parser.issue("streams[\(index)].name", "stream \(JSONValue.quoted(stream.name)) is declared twice")
        }
        parser.crossCheck(definition)
        parser.bound(&definition)
        guard parser.issues.isEmpty else { throw ConfigError(issues: parser.issues) }
        return definition
    }
}

extension RestDefinitionParser {
    static let optionTypes = ["string", "secret", "url", "integer", "number", "boolean", "timestamp", "duration", "enum", "streams"]

    mutating func option(_ node: Node) -> RestDefinition.DeclaredOption? {
        guard
            let members = members(
                node, known: ["name", "type", "required", "default", "summary", "min", "max", "values"], required: ["name", "type"]),
            let name = nonEmptyString(members["name"]), let kind = oneOf(members["type"], Self.optionTypes)
        else { return nil }
        if RestDefinition.reservedOptions.contains(name), let nameNode = members["name"] {
            issue(nameNode.path, "\(JSONValue.quoted(name)) is reserved (every rest source has it)")
        }
        let type: OptionSpec.ValueType
        switch kind {
        case "string": type = .string
        case "secret": type = .secret
        case "url": type = .url
        case "integer":
            // One bound alone still bounds (the other side open); a max below the min is an error.
            let low = int(members["min"], Int.min...Int.max)
            let high = int(members["max"], Int.min...Int.max)
            if let low, let high, high < low, let node = members["max"] { issue(node.path, "is below min (\(low))") }
            type = .integer(low == nil && high == nil ? nil : (low ?? Int.min)...max(low ?? Int.min, high ?? Int.max))
        case "number":
            let low = number(members["min"])
            let high = number(members["max"])
            if let low, let high, high < low, let node = members["max"] {
                issue(node.path, "is below min (\(JSONValue.double(low).jsonText))")
            }
            type = .number(
                low == nil && high == nil
                    ? nil
                    : (low ?? -Double.greatestFiniteMagnitude)...max(
                        low ?? -Double.greatestFiniteMagnitude, high ?? Double.greatestFiniteMagnitude))
        case "boolean": type = .boolean
        case "timestamp": type = .timestamp
        case "duration": type = .duration(nil)
        case "enum":
            let values = strings(members["values"]) ?? []
            if members["values"] == nil { issue(JSONPath.member(node.path, "values"), "missing required key (the allowed values)") }
            type = .oneOf(values)
        default: type = .list(.string)
        }
        if kind != "integer", kind != "number", let extra = members["min"] ?? members["max"] {
            issue(extra.path, "only integer and number options have bounds")
        }
        if kind != "enum", let extra = members["values"] { issue(extra.path, "only enum options have values") }
        let required = bool(members["required"]) ?? false
        let defaultValue = members["default"]?.value
        if required, let node = members["default"] { issue(node.path, "a required option has no default") }
        if kind == "secret", let node = members["default"] { issue(node.path, "a secret has no default") }
        // A `streams` option's values and default are filled in once the streams are read.
        return .init(
            name: name, type: type, required: required, defaultValue: kind == "streams" ? nil : defaultValue,
            summary: string(members["summary"]) ?? "")
    }

    /// What `check` calls the credential (`auth.label`), if the definition says.
    mutating func label(_ auth: Node) -> String? {
        guard let value = auth.value["label"] else { return nil }
        return nonEmptyString(Node(value: value, path: JSONPath.member(auth.path, "label")))
    }

    mutating func auth(_ node: Node) -> RestDefinition.Auth {
        guard
            let members = members(node, known: ["type", "option", "name", "user_option", "password_option", "label"], required: ["type"]),
            let kind = oneOf(members["type"], ["none", "bearer", "header", "query", "basic"])
        else { return .none }
        func need(_ key: String) -> String? {
            if members[key] == nil { issue(JSONPath.member(node.path, key), "missing required key for \(kind) auth") }
            return nonEmptyString(members[key])
        }
        switch kind {
        case "bearer": return need("option").map { .bearer(option: $0) } ?? .none
        case "header":
            guard let name = need("name"), let option = need("option") else { return .none }
            if let problem = HTTPFieldRules.credentialHeaderProblem(name), let node = members["name"] {
                issue(node.path, problem)
                return .none
            }
            return .header(name: name, option: option)
        case "query":
            guard let name = need("name"), let option = need("option") else { return .none }
            return .queryParameter(name: name, option: option)
        case "basic":
            guard let user = need("user_option"), let password = need("password_option") else { return .none }
            return .basic(userOption: user, passwordOption: password)
        default: return .none
        }
    }

    mutating func rateLimits(_ node: Node) -> RateLimits {
        guard let members = members(node, known: ["per_endpoint_per_second", "per_minute", "per_day"]) else { return RateLimits() }
        let perSecond = number(members["per_endpoint_per_second"])
        if let perSecond, perSecond != 0, !(RateLimits.minimumPerSecond...1000).contains(perSecond),
            let node = members["per_endpoint_per_second"]
        {
            issue(node.path, "expected 0 (no limit) or a rate from \(RateLimits.minimumPerSecond) to 1000 requests per second")
        }
        return RateLimits(
            perEndpointPerSecond: perSecond.flatMap { $0 > 0 ? $0 : nil },
            perMinute: int(members["per_minute"], 0...1_000_000).flatMap { $0 > 0 ? $0 : nil },
            perDay: int(members["per_day"], 0...100_000_000).flatMap { $0 > 0 ? $0 : nil })
    }

    mutating func errors(_ node: Node) -> RestDefinition.Errors {
        var errors = RestDefinition.Errors(messagePaths: [], credentialStatuses: [], configStatuses: [:])
        guard let members = members(node, known: ["message", "credentials", "config"]) else { return errors }
        for path in elements(members["message"]) ?? [] {
            guard let steps = elements(path) else { continue }
            errors.messagePaths.append(
                steps.compactMap { step in
                    if let key = step.value.stringValue { return .key(key) }
                    if let index = step.value.intValue, index >= 0 { return .index(index) }
                    issue(step.path, "expected a key (string) or an array index (whole number)")
                    return nil
                })
        }
        errors.credentialStatuses = statuses(members["credentials"]) ?? []
        if let config = members["config"], let pairs = config.value.objectValue {
            for (key, value) in pairs {
                let path = JSONPath.member(config.path, key)
                guard let status = Int(key), (400...599).contains(status) else {
                    issue(path, "expected an HTTP error status (400 to 599) as the key")
                    continue
                }
                errors.configStatuses[status] = nonEmptyString(Node(value: value, path: path))
            }
        } else if let config = members["config"] {
            issue(config.path, "expected an object of status → message, got \(config.value.kindDescription)")
        }
        return errors
    }

    mutating func range(_ node: Node) -> RestDefinition.Range {
        var range = RestDefinition.Range()
        guard
            let members = members(
                node,
                known: [
                    "start", "end", "lag", "window_days", "window_hours", "max_concurrent_windows", "lookback", "retention_days",
                    "retention_description",
                ])
        else { return range }
        range.start = nonEmptyString(members["start"])
        range.end = nonEmptyString(members["end"])
        range.lag = nonEmptyString(members["lag"])
        range.windowDays = nonEmptyString(members["window_days"])
        range.windowHours = nonEmptyString(members["window_hours"])
        range.maxConcurrentWindows = nonEmptyString(members["max_concurrent_windows"])
        range.lookback = nonEmptyString(members["lookback"])
        range.retentionDays = int(members["retention_days"], 1...100_000)
        range.retentionDescription = string(members["retention_description"])
        if members["window_days"] == nil {
            issue(JSONPath.member(node.path, "window_days"), "missing required key (the option holding the longest window in days)")
        }
        return range
    }

    mutating func stream(_ node: Node) -> RestDefinition.Stream? {
        let keys = [
            "name", "summary", "path", "query", "records", "id", "cursor", "cursor_tag", "parent", "bounds", "paging", "page_size",
            "lookback", "fields", "canonical", "end_users",
        ]
        guard let members = members(node, known: keys, required: ["name", "path", "records", "cursor", "bounds", "paging"]),
            let name = nonEmptyString(members["name"]), let path = nonEmptyString(members["path"]),
            let records = strings(members["records"]), let cursorNode = members["cursor"], let boundsNode = members["bounds"],
            let pagingNode = members["paging"]
        else { return nil }
        var query: [(name: String, value: String)] = []
        if let queryNode = members["query"] {
            if let pairs = queryNode.value.objectValue {
                for (key, value) in pairs {
                    if let text = string(Node(value: value, path: JSONPath.member(queryNode.path, key))) { query.append((key, text)) }
                }
            } else {
                issue(queryNode.path, "expected an object of parameter → value, got \(queryNode.value.kindDescription)")
            }
        }
        // The stream's name becomes a directory and a table: an identifier, never a path.
        if let problem = NameRules.streamNameProblem(name), let nameNode = members["name"] { issue(nameNode.path, problem) }
        guard let cursor = cursor(cursorNode), let bounds = bounds(boundsNode), let paging = paging(pagingNode) else { return nil }
        var pageSize: (parameter: String, option: String)?
        if let sizeNode = members["page_size"],
            let size = self.members(sizeNode, known: ["parameter", "option"], required: ["parameter", "option"]),
            let parameter = nonEmptyString(size["parameter"]), let option = nonEmptyString(size["option"])
        {
            pageSize = (parameter, option)
        }
        switch paging {
        case .lowerBound, .offset, .page:
            if pageSize == nil {
                issue(JSONPath.member(node.path, "page_size"), "this paging needs page_size (a full page means more follow)")
            }
        default: break
        }
        var parent: (path: [String], column: String)?
        if let parentNode = members["parent"], let fields = self.members(parentNode, known: ["field", "column"], required: ["field"]),
            let path = fieldPath(fields["field"])
        {
            parent = (path, nonEmptyString(fields["column"]) ?? path.joined(separator: "_"))
            if let column = parent?.column, let problem = NameRules.identifierProblem(column) {
                issue(fields["column"]?.path ?? JSONPath.member(parentNode.path, "column"), "the parent's column: " + problem)
            }
        }
        return RestDefinition.Stream(
            name: name, summary: string(members["summary"]) ?? "", path: path, query: query, records: records,
            idPath: members["id"].flatMap { fieldPath($0) } ?? ["_id"], cursor: cursor, cursorTag: nonEmptyString(members["cursor_tag"]),
            parent: parent, bounds: bounds, paging: paging, pageSize: pageSize, lookback: bool(members["lookback"]) ?? true,
            fields: (elements(members["fields"], nonEmpty: false) ?? []).compactMap { field($0) },
            canonical: members["canonical"].flatMap { canonical($0) },
            endUserPaths: (elements(members["end_users"]) ?? []).compactMap { fieldPath($0) })
    }

    mutating func cursor(_ node: Node) -> RestDefinition.Cursor? {
        guard let members = members(node, known: ["field", "column", "format"], required: ["field"]),
            let path = fieldPath(members["field"])
        else { return nil }
        let format = members["format"].map { oneOf($0, ["iso8601", "epoch_or_iso8601"]) } ?? "iso8601"
        let column = nonEmptyString(members["column"]) ?? "cursor_at"
        // A templated column is checked once its options are known (see RestSource.make).
        if !column.contains("{"), let problem = NameRules.identifierProblem(column), let node = members["column"] {
            issue(node.path, problem)
        }
        return .init(path: path, column: column, format: format == "epoch_or_iso8601" ? .epochOrISO8601 : .iso8601)
    }

    mutating func bounds(_ node: Node) -> RestDefinition.Bounds? {
        guard
            let members = members(
                node, known: ["start", "end", "format", "start_inclusive", "end_inclusive"], required: ["start", "end"]),
            let start = nonEmptyString(members["start"]), let end = nonEmptyString(members["end"])
        else { return nil }
        let format = members["format"].flatMap { oneOf($0, RestDefinition.TimeFormat.allCases.map(\.rawValue)) }
        return .init(
            start: start, end: end, format: format.flatMap(RestDefinition.TimeFormat.init(rawValue:)) ?? .iso8601,
            endInclusive: bool(members["end_inclusive"]) ?? false, startInclusive: bool(members["start_inclusive"]) ?? true)
    }

    mutating func paging(_ node: Node) -> RestDefinition.Paging? {
        guard
            let members = members(
                node, known: ["type", "next_link", "largest_page", "cursor", "parameter", "restart_on", "first"], required: ["type"]),
            let kind = oneOf(members["type"], ["lower_bound", "next_link", "cursor", "offset", "page"])
        else { return nil }
        let allowed: [String: [String]] = [
            "lower_bound": ["next_link", "largest_page"], "next_link": ["next_link"], "cursor": ["cursor", "parameter", "restart_on"],
            "offset": ["parameter"], "page": ["parameter", "first"],
        ]
        for (key, value) in members where key != "type" && !(allowed[kind] ?? []).contains(key) {
            issue(value.path, "\(kind) paging has no \(key)")
        }
        func need(_ key: String) -> Node? {
            if members[key] == nil { issue(JSONPath.member(node.path, key), "missing required key for \(kind) paging") }
            return members[key]
        }
        switch kind {
        case "lower_bound":
            let link = members["next_link"].flatMap { strings($0) }
            guard let largest = int(need("largest_page"), 1...10_000_000) else { return nil }
            return .lowerBound(nextLink: link, largestPage: largest)
        case "next_link":
            return strings(need("next_link")).map { .nextLink($0) }
        case "cursor":
            guard let path = strings(need("cursor")), let parameter = nonEmptyString(need("parameter")) else { return nil }
            return .cursor(path: path, parameter: parameter, restartOn: statuses(members["restart_on"]) ?? [])
        case "offset":
            return nonEmptyString(need("parameter")).map { .offset(parameter: $0) }
        default:
            guard let parameter = nonEmptyString(need("parameter")) else { return nil }
            return .page(parameter: parameter, first: int(members["first"], 0...1) ?? 1)
        }
    }

    /// A field's place in a record: a key, or keys into nested objects (`["meta", "id"]`).
    mutating func fieldPath(_ node: Node?) -> [String]? {
        guard let node else { return nil }
        if node.value.stringValue != nil { return nonEmptyString(node).map { [$0] } }
        return strings(node)
    }

    mutating func field(_ node: Node) -> FieldDescriptor? {
        guard let members = members(node, known: ["name", "path", "type"], required: ["name"]), let name = nonEmptyString(members["name"])
        else { return nil }
        let types = ["text", "integer", "real", "boolean", "timestamp", "json"]
        let type = members["type"].flatMap { oneOf($0, types) }.flatMap(FieldDescriptor.ValueType.init(rawValue:)) ?? .text
        if let problem = NameRules.identifierProblem(name), let node = members["name"] { issue(node.path, problem) }
        return FieldDescriptor(name, path: members["path"].flatMap { recordPath($0) }, type: type)
    }
}
