/// `{option}` placeholders in a definition's strings (`{conversations_cursor}_since`), replaced
/// by the job's option values; `{{` and `}}` stand for literal braces.
enum RestTemplate {
    /// The option names a template refers to.
    static func names(in text: String) -> [String] {
        var names: [String] = []
        _ = render(text) { name in
            names.append(name)
            return ""
        }
        return names
    }

    /// The text with every placeholder replaced.
    static func render(_ text: String, _ value: (String) -> String) -> String {
        guard text.contains("{") || text.contains("}") else { return text }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "{", next < text.endIndex, text[next] == "{" {
                out.append("{")
                index = text.index(after: next)
            } else if character == "}", next < text.endIndex, text[next] == "}" {
                out.append("}")
                index = text.index(after: next)
            } else if character == "{", let close = text[next...].firstIndex(of: "}") {
                out += value(String(text[next..<close]))
                index = text.index(after: close)
            } else {
                out.append(character)
                index = next
            }
        }
        return out
    }
}
