public import ConnectorKit

/// `{"type": "redact"}`: replaces each occurrence of personal data in string values with
/// `[REDACTED:<kind>]` (see ``PersonalDataDetector``).
///
/// By default it reads every string value of the record, nested ones included, except the
/// record's id, cursor and parent fields; `paths` narrows it to some fields (and what they hold),
/// `detect` to some kinds, `streams` to some streams. Only the bytes of an occurrence change;
/// a string with escapes is read decoded and its escapes outside an occurrence are kept.
public struct RedactTransform: RecordTransform {
    /// The kinds it redacts.
    public let detector: PersonalDataDetector
    /// The fields it reads (keys from the root; everything under each), or nil for every string.
    public let paths: [[String]]?
    /// The streams it changes, or nil for all.
    public let streams: Set<String>?

    /// Creates the transform.
    ///
    /// - Parameters:
    ///   - detect: The kinds to redact.
    ///   - paths: The fields to read, or nil for every string value.
    ///   - streams: The streams to change, or nil for all.
    public init(detect: Set<PersonalDataKind> = Set(PersonalDataKind.allCases), paths: [[String]]? = nil, streams: Set<String>? = nil) {
        detector = PersonalDataDetector(kinds: detect)
        self.paths = paths
        self.streams = streams
    }

    /// `redact`
    public var type: String { "redact" }

    /// The kinds and fields.
    public var settings: JSONValue {
        .object([
            ("detect", .array(PersonalDataKind.allCases.filter(detector.kinds.contains).map { .string($0.rawValue) })),
            ("paths", paths.map { .array($0.map { .string($0.joined(separator: ".")) }) } ?? .string("all")),
        ])
    }

    /// Refuses a path that is the stream's id, cursor or parent field.
    ///
    /// - Parameter stream: A stream it applies to.
    /// - Returns: The problems.
    public func issues(for stream: StreamDescriptor) -> [(suffix: String, message: String)] {
        PathRules.issues(paths ?? [], of: stream, transform: type, refusingAncestors: false)
    }

    /// Redacts the records' string values.
    ///
    /// - Parameters:
    ///   - records: The records.
    ///   - stream: Their stream.
    /// - Throws: ``ChatExportError`` for a record that does not read as JSON.
    public func apply(to records: inout [Record], of stream: StreamDescriptor) throws {
        var fields = FieldPaths()
        if let paths {
            for path in paths { fields.insert(path, target: true) }
        } else {
            fields.insert([], target: true)
        }
        for (path, _) in FieldPaths.identifying(stream) { fields.insert(path, protected: true) }
        try fields.withView { view in
            var walker = Walker(fields: view, detector: detector)
            try edit(&records, of: stream) { json, edits in
                try walker.value(&json, node: FieldPaths.root, target: paths == nil, edits: &edits)
            }
        }
    }

    private struct Walker {
        let fields: FieldPaths.View
        let detector: PersonalDataDetector
        var matches: [PersonalDataMatch] = []
        var decoded: [UInt8] = []
        var offsets: [Int] = []
        let replacements: [PersonalDataKind: [UInt8]] = Dictionary(
            uniqueKeysWithValues: PersonalDataKind.allCases.map { ($0, Array($0.replacement.utf8)) })

        init(fields: FieldPaths.View, detector: PersonalDataDetector) {
            self.fields = fields
            self.detector = detector
        }

        /// Walks a value; `node` is its place among the configured paths (nil: none), `target`
        /// whether strings under it are read.
        mutating func value(_ json: inout JSONBytes, node: Int?, target: Bool, edits: inout [RecordEdit]) throws {
            json.skipWhitespace()
            switch json.current {
            case 0x22:
                let (content, escaped) = try json.string()
                if target { detect(in: content, escaped: escaped, json, edits: &edits) }
            case 0x7B:
                guard target || node != nil else { return try json.skipValue() }
                try json.enter()
                json.i += 1
                json.skipWhitespace()
                if json.current == 0x7D {
                    json.i += 1
                    json.depth -= 1
                    return
                }
                while true {
                    json.skipWhitespace()
                    guard json.current == 0x22 else { throw json.malformed("expected a key") }
                    let (key, escaped) = try json.string()
                    try json.expect(0x3A, "':'")
                    let child = node.flatMap { fields.child(of: $0, key: key, escaped: escaped, in: json) }
                    if let child {
                        if fields.node(child).protected {
                            try json.skipValue()
                        } else {
                            try value(&json, node: child, target: target || fields.node(child).target, edits: &edits)
                        }
                    } else if target {
                        try value(&json, node: nil, target: true, edits: &edits)
                    } else {
                        try json.skipValue()
                    }
                    json.skipWhitespace()
                    if json.current == 0x2C {
                        json.i += 1
                        continue
                    }
                    try json.expect(0x7D, "'}'")
                    json.depth -= 1
                    return
                }
            case 0x5B:
                guard target || node != nil else { return try json.skipValue() }
                try json.array { try value(&$0, node: node, target: target, edits: &edits) }
                return
            default:
                _ = try json.scalar()
            }
        }

        private mutating func detect(in content: Range<Int>, escaped: Bool, _ json: JSONBytes, edits: inout [RecordEdit]) {
            guard content.count >= 6 else { return }
            matches.removeAll(keepingCapacity: true)
            let raw = UnsafeBufferPointer(start: json.p + content.lowerBound, count: content.count)
            if !escaped {
                detector.matches(in: raw, into: &matches)
                for match in matches {
                    edits.append(
                        RecordEdit(
                            range: (content.lowerBound + match.range.lowerBound)..<(content.lowerBound + match.range.upperBound),
                            replacement: replacements[match.kind] ?? []))
                }
                return
            }
            // Read decoded; each occurrence maps back onto the raw bytes it came from.
            decoded.removeAll(keepingCapacity: true)
            offsets.removeAll(keepingCapacity: true)
            JSONEscapes.decode(raw, into: &decoded, offsets: &offsets)
            decoded.withUnsafeBufferPointer { detector.matches(in: $0, into: &matches) }
            for match in matches {
                edits.append(
                    RecordEdit(
                        range: (content.lowerBound + offsets[match.range.lowerBound])..<(content.lowerBound
                            + offsets[match.range.upperBound]),
                        replacement: replacements[match.kind] ?? []))
            }
        }
    }
}
