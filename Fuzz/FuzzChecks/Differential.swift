public import ConnectorKit
import Foundation

/// The scanner against Foundation's `JSONSerialization`, an independent JSON parser: on a page
/// both read, the records, their ids, parents and cursors must be the same.
public enum Differential {
    /// A page as Foundation reads it.
    public struct Reference {
        /// The top-level object.
        package var root: [String: Any]

        /// A reading given as is (for tests of the comparison itself).
        package init(root: [String: Any]) { self.root = root }
    }

    /// Foundation's reading of `input`, or nil when it refuses it, when it is not an object, or
    /// when Foundation would read it in a way the scanner never does (a byte-order mark or NUL
    /// bytes: Foundation then guesses UTF-16 or UTF-32).
    public static func foundation(_ input: [UInt8]) -> Reference? {
        guard !input.contains(0), !input.starts(with: [0xEF, 0xBB, 0xBF]) else { return nil }
        guard let root = try? JSONSerialization.jsonObject(with: Data(input)) as? [String: Any] else { return nil }
        return Reference(root: root)
    }

    /// Compares a scanned page with Foundation's reading of it.
    ///
    /// - Parameters:
    ///   - page: The scanner's page.
    ///   - reference: Foundation's reading.
    ///   - layout: The layout scanned with.
    ///   - label: Names the case in a finding.
    /// - Throws: ``FuzzFinding`` naming the first difference.
    public static func compare(_ page: PageScanner.Page, _ reference: Reference, layout: RecordLayout, label: String) throws {
        let present = ScannerCheck.recordKeys.filter { reference.root[$0] is [Any] }
        // With both keys holding arrays, which one the scanner takes depends on member order,
        // which a dictionary does not keep.
        guard present.count <= 1 else { return }
        guard page.recordsKey == present.first else {
            throw FuzzFinding(
                "differential",
                "\(label): records under \(page.recordsKey ?? "nothing"), Foundation has an array under \(present.first ?? "nothing")")
        }
        guard let key = present.first, let elements = reference.root[key] as? [Any] else { return }
        guard elements.count == page.records.count else {
            throw FuzzFinding("differential", "\(label): \(page.records.count) records, Foundation reads \(elements.count)")
        }
        for (index, (record, element)) in zip(page.records, elements).enumerated() {
            guard let object = element as? [String: Any] else {
                throw FuzzFinding("differential", "\(label): record \(index) is an object to the scanner, not to Foundation")
            }
            guard let id = identifier(value(object, layout.idPath)), !id.isEmpty, id == record.id || sameNumber(id, record.id) else {
                throw FuzzFinding(
                    "differential",
                    "\(label): record \(index) has id \(JSONValue.quoted(record.id)), Foundation reads \(String(describing: value(object, layout.idPath)))"
                )
            }
            if let path = layout.parentPath {
                let expected = identifier(value(object, path))
                guard expected == record.parentID || (expected != nil && record.parentID.map { sameNumber(expected!, $0) } == true) else {
                    throw FuzzFinding(
                        "differential",
                        "\(label): record \(index) has parent \(String(describing: record.parentID)), Foundation reads \(String(describing: expected))"
                    )
                }
            }
            if let path = layout.cursorPath {
                let expected = cursor(value(object, path), layout.cursorFormat)
                guard expected == record.cursor else {
                    throw FuzzFinding(
                        "differential",
                        "\(label): record \(index) has cursor \(String(describing: record.cursor)), Foundation's value reads as \(String(describing: expected))"
                    )
                }
            }
        }
    }

    package static func value(_ object: [String: Any], _ path: [String]) -> Any? {
        var current: Any? = object
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    /// An id as the scanner keeps it: a string, or a number (compared by value).
    static func identifier(_ value: Any?) -> String? {
        switch value {
        case let text as String: text
        case let number as NSNumber where !isBoolean(number): "\(number.doubleValue)"
        default: nil
        }
    }

    /// Foundation reads `true` and `false` as `NSNumber`s whose type is `char`.
    static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    static func sameNumber(_ a: String, _ b: String) -> Bool {
        guard let x = Double(a), let y = Double(b) else { return false }
        return x == y
    }

    /// A cursor as the scanner reads it: ISO-8601 text, or (epoch format) a number or numeric text.
    package static func cursor(_ value: Any?, _ format: RecordLayout.CursorFormat) -> Timestamp? {
        switch value {
        case let text as String:
            // The scanner takes ISO-8601 times in 1970 to 9999 only, as it does epoch numbers.
            if let time = Timestamp(iso8601: text) { return Timestamp.validRange.contains(time) ? time : nil }
            guard format == .epochOrISO8601, let number = Double(text) else { return nil }
            return Timestamp(checkedEpochSecondsOrMilliseconds: number)
        case let number as NSNumber where format == .epochOrISO8601 && !isBoolean(number):
            return Timestamp(checkedEpochSecondsOrMilliseconds: number.doubleValue)
        default:
            return nil
        }
    }
}
