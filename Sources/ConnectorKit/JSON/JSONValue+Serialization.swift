extension JSONValue {
    /// The value as compact JSON text.
    public var jsonText: String { serialized(pretty: false) }

    /// The value as JSON text.
    ///
    /// - Parameter pretty: Indent with two spaces, one member or element a line.
    /// - Returns: The JSON text.
    public func serialized(pretty: Bool) -> String {
        var out = ""
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(to out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let elements):
            guard !elements.isEmpty else {
                out += "[]"
                return
            }
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                element.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .object(let members):
            guard !members.isEmpty else {
                out += "{}"
                return
            }
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSONValue.writeString(member.key, to: &out)
                out += pretty ? ": " : ":"
                member.value.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    /// Appends `s` as a JSON string literal, escaping quotes, backslashes and control characters.
    ///
    /// - Parameters:
    ///   - s: The text.
    ///   - out: Where to append.
    public static func writeString(_ s: String, to out: inout String) {
        out += "\""
        appendEscaped(s, controlsOnly: false, to: &out)
        out += "\""
    }

    /// Appends `s` with JSON escapes (`\n`, `\r`, `\t`, `\u00XX`) for its control characters and,
    /// unless `controlsOnly`, for quotes and backslashes; with `controlsOnly`, DEL (0x7F) is
    /// escaped too, so the text is one printable line.
    ///
    /// - Parameters:
    ///   - s: The text.
    ///   - controlsOnly: Whether to leave `"` and `\` as they are.
    ///   - out: Where to append.
    package static func appendEscaped(_ s: String, controlsOnly: Bool, to out: inout String) {
        var text = s
        text.withUTF8 { bytes in
            // Runs that need no escape are appended whole; only the bytes escaped are rewritten
            // (none of them occurs inside a multi-byte UTF-8 sequence).
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || (controlsOnly ? byte == 0x7F : byte == 0x22 || byte == 0x5C) else { continue }
                if start < index { out += String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) }
                switch byte {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                default:
                    let hex = String(byte, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                start = index + 1
            }
            if start < bytes.count { out += String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self) }
        }
    }

    /// `s` as a JSON string literal.
    ///
    /// - Parameter s: The text.
    /// - Returns: The quoted, escaped literal.
    public static func quoted(_ s: String) -> String {
        var out = ""
        writeString(s, to: &out)
        return out
    }
}
