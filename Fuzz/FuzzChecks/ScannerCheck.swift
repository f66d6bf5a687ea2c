package import ConnectorKit
import Foundation

/// `PageScanner` and `JSONReader` on arbitrary bytes.
///
/// For any input: the scan ends (libFuzzer's `-timeout` catches a hang), and it either throws a
/// documented error (``JSONSyntaxError``, ``PageScanner/RecordError``, ``InvalidResponse``) or
/// returns records that are byte ranges of the input, in order and disjoint, each a JSON object
/// that parses on its own. `JSONValue.parse` agrees with the scan on whether the input is JSON.
/// Whenever Foundation's `JSONSerialization` reads the input too, ``Differential`` compares the
/// records, ids and cursors with what it finds.
package enum ScannerCheck {
    /// The layouts every input is scanned with: top-level ISO-8601 cursor (Ada), epoch-or-ISO
    /// cursor (DeepConverse), and nested fields (the general path).
    package static let layouts: [RecordLayout] = [
        RecordLayout(cursorField: "date_created", parentField: "conversation_id"),
        RecordLayout(cursorField: "time", cursorFormat: .epochOrISO8601, cursorRequired: false, parentField: "conversationId"),
        RecordLayout(idPath: ["meta", "id"], cursorPath: ["meta", "at"], cursorFormat: .epochOrISO8601, parentPath: ["parent"]),
    ]

    /// The keys a page's record array may sit under.
    package static let recordKeys = ["data", "items"]

    static func check(_ input: [UInt8]) throws {
        let tree = Result { try JSONValue.parse(input) }
        if case .failure(let error) = tree, !(error is JSONSyntaxError) {
            throw FuzzFinding("scanner", "JSONValue.parse threw \(type(of: error)), not JSONSyntaxError: \(error)")
        }
        let reference = Differential.foundation(input)
        for (number, layout) in layouts.enumerated() {
            let page: PageScanner.Page
            do {
                page = try PageScanner.scan(input, stream: "fuzz", recordKeys: recordKeys, layout: layout)
            } catch is JSONSyntaxError {
                if case .success(.object) = tree {
                    throw FuzzFinding("scanner", "layout \(number): the scan says invalid JSON, JSONValue.parse reads an object")
                }
                continue
            } catch is PageScanner.RecordError {
                continue
            } catch is InvalidResponse {
                continue
            } catch {
                throw FuzzFinding("scanner", "layout \(number): undocumented error \(type(of: error)): \(error)")
            }
            guard case .success(.object(let members)) = tree else {
                throw FuzzFinding("scanner", "layout \(number): the scan accepts a page JSONValue.parse refuses or that is not an object")
            }
            try checkRanges(page, input, number)
            if let key = page.recordsKey {
                guard case .array(let elements)? = members.first(where: { $0.key == key })?.value, elements.count == page.records.count
                else { throw FuzzFinding("scanner", "layout \(number): \(page.records.count) records, not the length of \"\(key)\"") }
            }
            if let reference { try Differential.compare(page, reference, layout: layout, label: "layout \(number)") }
        }
    }

    /// Every record is the input's bytes at its range: an object, in page order, disjoint.
    static func checkRanges(_ page: PageScanner.Page, _ input: [UInt8], _ number: Int) throws {
        var end = 0
        for (index, record) in page.records.enumerated() {
            let range = record.json.indices
            guard range.lowerBound >= end, range.upperBound <= input.count, !range.isEmpty else {
                throw FuzzFinding(
                    "scanner",
                    "layout \(number): record \(index) at \(range) is not a byte range of the \(input.count)-byte page after \(end)")
            }
            guard record.json.elementsEqual(input[range]) else {
                throw FuzzFinding("scanner", "layout \(number): record \(index)'s bytes differ from the page's at \(range)")
            }
            guard input[range.lowerBound] == UInt8(ascii: "{"), input[range.upperBound - 1] == UInt8(ascii: "}"),
                case .object? = try? JSONValue.parse(Array(record.json))
            else { throw FuzzFinding("scanner", "layout \(number): record \(index) is not one JSON object") }
            guard !record.id.isEmpty else { throw FuzzFinding("scanner", "layout \(number): record \(index) has an empty id") }
            if let cursor = record.cursor, !Timestamp.validRange.contains(cursor) {
                throw FuzzFinding("scanner", "layout \(number): record \(index)'s cursor \(cursor.microseconds) µs is outside 1970 to 9999")
            }
            end = range.upperBound
        }
    }
}
