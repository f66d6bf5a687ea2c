import Foundation

/// Splits a vendor page into records in one validating pass over its bytes.
///
/// A page is a JSON object whose record array sits under one of a few keys (`data` or `items`);
/// every other top-level member (`meta`, `cursor`, `next_page_uri`) is small and is returned as a
/// ``JSONValue`` tree. Each record keeps its exact bytes.
public enum PageScanner {
    /// A scanned page.
    public struct Page: Sendable {
        /// The records, in page order.
        public var records: [Record]
        /// The key the record array was found under, or nil when the page had none.
        public var recordsKey: String?
        /// Every other top-level member.
        public var members: [String: JSONValue]
    }

    /// A record the scanner could not use: which one, and why.
    public struct RecordError: Error, Sendable, CustomStringConvertible {
        /// The record's index in the page.
        public var index: Int
        /// The record's id, when it was read before the problem.
        public var id: String?
        /// What was wrong.
        public var reason: String

        /// `record 12 (_id 5d8a…): reason`
        public var description: String {
            "record \(index)\(id.map { " (_id \($0))" } ?? ""): \(reason)"
        }
    }

    /// Scans a page.
    ///
    /// - Parameters:
    ///   - page: The response body.
    ///   - stream: The stream name to put on each record.
    ///   - recordKeys: The keys the record array may sit under, in order of preference.
    ///   - layout: Which fields to extract.
    /// - Returns: The records and the other top-level members.
    /// - Throws: ``JSONSyntaxError`` for invalid JSON; ``RecordError`` for a record that is not an
    ///   object or lacks a usable id or cursor.
    public static func scan(
        _ page: [UInt8],
        stream: String,
        recordKeys: [String],
        layout: RecordLayout
    ) throws -> Page {
        var records: [Record] = []
        var members: [String: JSONValue] = [:]
        var foundKey: String?
        let keys = RecordKeys(layout)
        try JSONReader.withReader(page) { reader in
            var object = try reader.beginObject()
            while let keySpan = try reader.nextMember(&object) {
                let key = reader.string(keySpan)
                // A page member given twice (two record arrays, two cursors) is ambiguous: which one is meant?
                if key == foundKey || members[key] != nil {
                    throw InvalidResponse("the page has \"\(key)\" twice: which one is meant is ambiguous")
                }
                if foundKey == nil, recordKeys.contains(key), try reader.peekKind() == .array {
                    foundKey = key
                    var array = try reader.beginArray()
                    while try reader.nextElement(&array) {
                        records.append(
                            try scanRecord(&reader, page: page, stream: stream, index: records.count, layout: layout, keys: keys))
                    }
                } else {
                    members[key] = try reader.readValue()
                }
            }
            try reader.finish()
        }
        return Page(records: records, recordsKey: foundKey, members: members)
    }

    static func scanRecord(
        _ reader: inout JSONReader,
        page: [UInt8],
        stream: String,
        index: Int,
        layout: RecordLayout,
        keys: RecordKeys
    ) throws -> Record {
        guard try reader.peekKind() == .object else {
            throw RecordError(index: index, id: nil, reason: "is \(try reader.readValue().kindDescription), not an object")
        }
        let start = reader.position
        var id: String?
        var cursor: Timestamp?
        var cursorProblem: String?
        var parent: String?
        // A field that identifies the record (id, cursor, parent) given twice makes the record
        // ambiguous: sinks would store one value and the raw JSON would say another. The page is
        // an invalid response (retried, then reported), never a record silently kept or dropped.
        var duplicate: Role?
        if keys.nested {
            var found = Found()
            try scanNested(&reader, keys.paths, &found, format: layout.cursorFormat)
            (id, cursor, cursorProblem, parent) = (found.id, found.cursor, found.cursorProblem, found.parent)
            duplicate = found.duplicate
        } else {
            var seen: UInt8 = 0
            var object = try reader.beginObject()
            while let key = try reader.nextMember(&object) {
                if reader.string(key, equalsUTF8: keys.id) {
                    if seen & 1 != 0 { duplicate = duplicate ?? .id }
                    seen |= 1
                    id = try readIdentifier(&reader)
                } else if let field = keys.cursor, reader.string(key, equalsUTF8: field) {
                    if seen & 2 != 0 { duplicate = duplicate ?? .cursor }
                    seen |= 2
                    (cursor, cursorProblem) = try readCursor(&reader, format: layout.cursorFormat)
                } else if let field = keys.parent, reader.string(key, equalsUTF8: field) {
                    if seen & 4 != 0 { duplicate = duplicate ?? .parent }
                    seen |= 4
                    parent = try readIdentifier(&reader)
                } else {
                    try reader.skipValue()
                }
            }
        }
        if let duplicate {
            let field =
                switch duplicate {
                case .id: layout.idField
                case .cursor: layout.cursorField ?? "cursor"
                case .parent: layout.parentField ?? "parent"
                }
            let record = RecordError(index: index, id: id, reason: "has \"\(field)\" twice: which value is meant is ambiguous")
            throw InvalidResponse("\(record)")
        }
        guard let id, !id.isEmpty else {
            throw RecordError(index: index, id: nil, reason: "has no usable \"\(layout.idField)\"")
        }
        if layout.cursorRequired, cursor == nil, let field = layout.cursorField {
            throw RecordError(index: index, id: id, reason: cursorProblem.map { "\"\(field)\" \($0)" } ?? "has no \"\(field)\"")
        }
        return Record(stream: stream, id: id, cursor: cursor, parentID: parent, json: page[start..<reader.position])
    }

    /// A layout's field names as UTF-8, so keys are matched without building strings.
    struct RecordKeys {
        let id: [UInt8]
        let cursor: [UInt8]?
        let parent: [UInt8]?
        /// Whether a field sits in a nested object (the slower, general scan).
        let nested: Bool
        /// Every wanted field's path, for the general scan.
        let paths: [(Role, ArraySlice<[UInt8]>)]

        init(_ layout: RecordLayout) {
            id = Array((layout.idPath.first ?? layout.idField).utf8)
            cursor = (layout.cursorPath?.first ?? layout.cursorField).map { Array($0.utf8) }
            parent = (layout.parentPath?.first ?? layout.parentField).map { Array($0.utf8) }
            var paths: [(Role, ArraySlice<[UInt8]>)] = [(.id, ArraySlice(layout.idPath.map { Array($0.utf8) }))]
            if let path = layout.cursorPath { paths.append((.cursor, ArraySlice(path.map { Array($0.utf8) }))) }
            if let path = layout.parentPath { paths.append((.parent, ArraySlice(path.map { Array($0.utf8) }))) }
            self.paths = paths
            nested = paths.contains { $0.1.count > 1 }
        }
    }

    /// Which extracted field a path leads to.
    enum Role {
        case id, cursor, parent
    }

    /// What the general scan found.
    struct Found {
        var id: String?
        var cursor: Timestamp?
        var cursorProblem: String?
        var parent: String?
        /// The roles found so far, and the first one found twice.
        var seen: Set<Role> = []
        var duplicate: Role?
    }

    /// Reads the object at the reader, descending into members that lead to a wanted field.
    static func scanNested(
        _ reader: inout JSONReader, _ wanted: [(Role, ArraySlice<[UInt8]>)], _ found: inout Found, format: RecordLayout.CursorFormat
    ) throws {
        var object = try reader.beginObject()
        // The keys on the way to a wanted field already walked at this level: given twice, the
        // record is as ambiguous as with a leaf given twice (JSON readers differ on which copy counts).
        var walked: [ArraySlice<UInt8>] = []
        while let key = try reader.nextMember(&object) {
            let matching = wanted.filter { path in path.1.first.map { reader.string(key, equalsUTF8: $0) } ?? false }
            if matching.isEmpty {
                try reader.skipValue()
            } else if let leaf = matching.first(where: { $0.1.count == 1 }) {
                if !found.seen.insert(leaf.0).inserted { found.duplicate = found.duplicate ?? leaf.0 }
                switch leaf.0 {
                case .id: found.id = try readIdentifier(&reader)
                case .cursor: (found.cursor, found.cursorProblem) = try readCursor(&reader, format: format)
                case .parent: found.parent = try readIdentifier(&reader)
                }
            } else {
                let name = matching[0].1.first.map { ArraySlice($0) } ?? []
                if walked.contains(name) {
                    found.duplicate = found.duplicate ?? matching[0].0
                } else {
                    walked.append(name)
                }
                if try reader.peekKind() == .object {
                    try scanNested(&reader, matching.map { ($0.0, $0.1.dropFirst()) }, &found, format: format)
                } else {
                    try reader.skipValue()
                }
            }
        }
    }

    /// Reads an id written as a string or an integer; null and anything else read as nil.
    private static func readIdentifier(_ reader: inout JSONReader) throws -> String? {
        switch try reader.peekKind() {
        case .string: return reader.string(try reader.readString())
        case .number: return String(decoding: reader.bytes(try reader.readNumber()), as: UTF8.self)
        default:
            try reader.skipValue()
            return nil
        }
    }

    private static func readCursor(
        _ reader: inout JSONReader,
        format: RecordLayout.CursorFormat
    ) throws -> (Timestamp?, String?) {
        switch try reader.peekKind() {
        case .string:
            let span = try reader.readString()
            let parsed: Timestamp? =
                span.hasEscapes
                ? Timestamp(iso8601: reader.string(span)) : Timestamp.parseISO8601(reader.bytes(span.range))
            if let parsed {
                // As for epoch numbers: a time outside 1970 to 9999 is not one a window can hold.
                guard Timestamp.validRange.contains(parsed) else {
                    return (nil, "is outside 1970 to 9999: \(JSONValue.quoted(String(reader.string(span).prefix(64))))")
                }
                return (parsed, nil)
            }
            if format == .epochOrISO8601, let number = Double(reader.string(span)) {
                guard let time = Timestamp(checkedEpochSecondsOrMilliseconds: number) else {
                    return (nil, "is not a timestamp: \(JSONValue.quoted(String(reader.string(span).prefix(64)))) (outside 1970 to 9999)")
                }
                return (time, nil)
            }
            return (nil, "is not a timestamp: \(JSONValue.quoted(String(reader.string(span).prefix(64))))")
        case .number where format == .epochOrISO8601:
            let text = String(decoding: reader.bytes(try reader.readNumber()), as: UTF8.self)
            guard let number = Double(text), let time = Timestamp(checkedEpochSecondsOrMilliseconds: number) else {
                return (nil, "is not a timestamp: \(text.prefix(64)) (outside 1970 to 9999)")
            }
            return (time, nil)
        default:
            let value = try reader.readValue()
            return (nil, value == .null ? "is null" : "is \(value.kindDescription), not a timestamp")
        }
    }
}
