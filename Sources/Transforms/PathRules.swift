import ConnectorKit

/// What a transform may not touch: a record's id, cursor and parent fields.
enum PathRules {
    /// Problems with `paths` on `stream`: a path that is an identifying field, or (when
    /// `refusingAncestors`, for transforms that replace or remove a whole value) one that holds it.
    static func issues(
        _ paths: [[String]], of stream: StreamDescriptor, transform: String, refusingAncestors: Bool
    ) -> [(suffix: String, message: String)] {
        var found: [(suffix: String, message: String)] = []
        for (index, path) in paths.enumerated() {
            for (identifying, role) in FieldPaths.identifying(stream) {
                let exact = path == identifying
                guard exact || (refusingAncestors && identifying.starts(with: path)) else { continue }
                let field = JSONValue.quoted(identifying.joined(separator: "."))
                let how = exact ? "is" : "holds"
                found.append(
                    (
                        ".paths[\(index)]",
                        "\(JSONValue.quoted(path.joined(separator: "."))) \(how) the \(role) of stream \(stream.name) (\(field)), which identifies "
                            + "its records and may not be changed by a transform; \(transform) another field"
                    ))
                break
            }
        }
        return found
    }
}
