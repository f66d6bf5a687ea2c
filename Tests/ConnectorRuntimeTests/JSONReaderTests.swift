import ConnectorKit
import Foundation
import Testing

@Suite("JSON reader")
struct JSONReaderTests {
    @Test(
        "accepts valid documents",
        arguments: [
            "{}", "[]", "0", "-0", "1.5e+10", "-12.25E-3", "true", "false", "null", "\"\"",
            " \n\t\r{ \"a\" : [ 1 , 2 , { \"b\" : null } ] } \n",
            "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00\"",
            "\"raw unicode: é ✓ 👋 请 مرحبا\"",
            "[[[[[[[[[[]]]]]]]]]]",
            "{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}}}",
            "1E400", "\"\\ud800\"",
        ]
    )
    func acceptsValid(_ text: String) throws {
        let value = try JSONValue.parse(text)
        // Every valid document survives a serialize/parse round trip unchanged.
        #expect(try JSONValue.parse(value.jsonText) == value)
    }

    @Test(
        "rejects invalid documents with the offending offset",
        arguments: [
            ("", 0), ("{", 1), ("[1,]", 3), ("[1 2]", 3), ("{\"a\" 1}", 5), ("{\"a\":1,}", 7), ("{a:1}", 1),
            ("01", 1), ("1.", 2), ("-", 1), ("1e", 2), ("+1", 0), (".5", 0), ("tru", 0), ("nul", 0),
            ("\"abc", 4), ("\"\\x\"", 1), ("\"\\u12G4\"", 1), ("\"a\u{01}b\"", 2), ("[1]]", 3), ("{} {}", 3),
            ("'single'", 0), ("[NaN]", 1), ("{\"a\":1 \"b\":2}", 7), ("[\"\\", 2),
        ]
    )
    func rejectsInvalid(_ text: String, offset: Int) {
        #expect {
            try JSONValue.parse(text)
        } throws: { error in
            (error as? JSONSyntaxError)?.offset == offset
        }
    }

    @Test("reports line and column of the error")
    func lineAndColumn() throws {
        let text = "{\n  \"a\": 1,\n  \"b\": tru\n}"
        let error = try #require(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
        #expect(error.line == 3)
        #expect(error.column == 8)
        #expect(error.description.contains("line 3, column 8"))
    }

    @Test(
        "rejects invalid UTF-8 inside strings",
        arguments: [[0xC3], [0xE2, 0x82], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF]])
    func rejectsInvalidUTF8(_ bad: [UInt8]) {
        let bytes: [UInt8] = [0x22] + bad + [0x22]
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(bytes) }
    }

    @Test(
        "finds the first special byte at every offset of the word-at-a-time string path",
        arguments: [
            // (bytes inserted, decoded text or nil when the string must be rejected)
            ([0x5C, 0x6E], "\n"), ([0x5C, 0x22], "\""), ([0xC3, 0xA9], "é"), ([0xF0, 0x9F, 0x91, 0x8B], "👋"),
            ([0x7F], "\u{7F}"), ([0x20], " "), ([0x01], nil), ([0x1F], nil), ([0xFF], nil), ([0xC3], nil), ([0x80], nil),
        ] as [([UInt8], String?)]
    )
    func specialByteAtEveryOffset(_ special: [UInt8], decoded: String?) throws {
        for length in 0..<20 {
            for offset in 0...length {
                let before = [UInt8](repeating: UInt8(ascii: "a"), count: offset)
                let after = [UInt8](repeating: UInt8(ascii: "b"), count: length - offset)
                let document: [UInt8] = [0x22] + before + special + after + [0x22]
                let expected = String(decoding: before, as: UTF8.self) + (decoded ?? "") + String(decoding: after, as: UTF8.self)
                if decoded != nil {
                    #expect(try JSONValue.parse(document) == .string(expected), "offset \(offset) of \(length)")
                } else {
                    let error = try #require(throws: JSONSyntaxError.self) { try JSONValue.parse(document) }
                    #expect(error.offset == offset + 1, "offset \(offset) of \(length)")
                }
                // The closing quote found at every distance from the end of the buffer.
                let unterminated: [UInt8] = [0x22] + before + after
                #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(unterminated) }
            }
        }
    }

    @Test("matches keys as bytes, escaped or not, and the empty key")
    func keyMatching() throws {
        try JSONReader.withReader(Array(#"{"_id":1,"\u005fid":2,"":3,"_i":4}"#.utf8)) { reader in
            var object = try reader.beginObject()
            var matches: [[Bool]] = []
            while let key = try reader.nextMember(&object) {
                matches.append([
                    reader.string(key, equalsUTF8: Array("_id".utf8)), reader.string(key, equals: "_id"),
                    reader.string(key, equalsUTF8: []), reader.string(key, equals: ""),
                ])
                try reader.skipValue()
            }
            #expect(
                matches == [
                    [true, true, false, false], [true, true, false, false], [false, false, true, true], [false, false, false, false],
                ])
        }
    }

    @Test("rejects nesting deeper than the limit instead of overflowing the stack")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: JSONReader.maximumDepth + 1) + String(repeating: "]", count: JSONReader.maximumDepth + 1)
        let error = try #require(throws: JSONSyntaxError.self) { try JSONValue.parse(deep) }
        #expect(error.reason.contains("nesting"))
        let ok = String(repeating: "[", count: JSONReader.maximumDepth) + String(repeating: "]", count: JSONReader.maximumDepth)
        _ = try JSONValue.parse(ok)
    }

    @Test("decodes escapes and surrogate pairs")
    func decodesEscapes() throws {
        let value = try JSONValue.parse("\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\\ud800x\"")
        #expect(value == .string("a\"b\\c/d\né😀\u{FFFD}x"))
    }

    @Test("random documents parse the same as Foundation's JSONSerialization", arguments: 0..<8)
    func fuzzAgainstFoundation(seed: UInt64) throws {
        var random = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ 1)
        for _ in 0..<60 {
            let value = RandomJSON.value(&random, depth: 0)
            let text = RandomJSON.render(value, &random)
            let mine = try JSONValue.parse(Array(text.utf8))
            let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            #expect(RandomJSON.equal(mine, foundation), "mismatch for \(text.prefix(200))")
            #expect(mine == value)
        }
    }

    @Test("truncated and corrupted documents are rejected exactly when Foundation rejects them", arguments: 0..<4)
    func fuzzInvalid(seed: UInt64) throws {
        var random = SplitMix64(seed: (1000 + seed) &* 0x2545_F491_4F6C_DD1D &+ 1)
        var compared = 0
        for _ in 0..<150 {
            let value = RandomJSON.value(&random, depth: 0)
            var bytes = Array(RandomJSON.render(value, &random).utf8)
            if random.next() % 2 == 0 {
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
            } else {
                let replacement: [UInt8] = [0x2C, 0x5D, 0x7D, 0x22, 0x3A, 0x5C, 0x20, 0x31, 0x7B, 0x01]
                bytes[Int(random.next() % UInt64(bytes.count))] = replacement[Int(random.next() % UInt64(replacement.count))]
            }
            let foundationAccepts = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            var mineError: JSONSyntaxError?
            do { _ = try JSONValue.parse(bytes) } catch let error as JSONSyntaxError { mineError = error }
            // Foundation departs from RFC 8259 in two known ways: it accepts a trailing comma
            // before '}' or ']', and it rejects lone UTF-16 surrogate escapes. Everything else must agree.
            if foundationAccepts, let mineError, RandomJSON.isTrailingComma(bytes, at: mineError.offset) { continue }
            if !foundationAccepts, mineError == nil, RandomJSON.hasLoneSurrogate(bytes) { continue }
            #expect((mineError == nil) == foundationAccepts, "disagreement on \(String(decoding: bytes, as: UTF8.self).prefix(300))")
            compared += 1
        }
        #expect(compared > 120)
    }

    @Test("a NUL byte anywhere is rejected", arguments: ["\u{0}2", "4\u{0}", "[1,\u{0}2]", "\"a\u{0}\""])
    func rejectsNUL(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
    }
}

/// Random JSON values and renderings with random whitespace and escapes.
enum RandomJSON {
    static let alphabet: [String] = [
        "a", "Z", "0", " ", "é", "👋", "请", "م", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "𝄞", "\u{7F}", "\u{FFFF}",
    ]

    static func string(_ random: inout SplitMix64) -> String {
        String((0..<Int(random.next() % 12)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }.joined())
    }

    static func value(_ random: inout SplitMix64, depth: Int) -> JSONValue {
        let choice = depth > 4 ? random.next() % 5 : random.next() % 7
        switch choice {
        case 0: return .null
        case 1: return .bool(random.next() % 2 == 0)
        case 2:
            let forms = ["0", "-1", "42", "3.25", "-0.5", "1e3", "2.5E-2", "123456789", "-9876.125"]
            return .number(forms[Int(random.next() % UInt64(forms.count))])
        case 3, 4: return .string(string(&random))
        case 5: return .array((0..<Int(random.next() % 5)).map { _ in value(&random, depth: depth + 1) })
        default:
            var keys = Set<String>()
            var members: [(key: String, value: JSONValue)] = []
            for _ in 0..<Int(random.next() % 5) {
                let key = string(&random)
                if keys.insert(key).inserted { members.append((key, value(&random, depth: depth + 1))) }
            }
            return .object(members)
        }
    }

    static func render(_ value: JSONValue, _ random: inout SplitMix64) -> String {
        func ws() -> String { ["", " ", "\n", "\t ", "\r\n  "][Int(random.next() % 5)] }
        switch value {
        case .string(let s): return renderString(s, &random)
        case .array(let elements):
            return "[" + ws() + elements.map { ws() + render($0, &random) + ws() }.joined(separator: ",") + "]"
        case .object(let members):
            return "{" + ws()
                + members.map { ws() + renderString($0.key, &random) + ws() + ":" + ws() + render($0.value, &random) }.joined(
                    separator: "," + ws()) + ws() + "}"
        default: return value.jsonText
        }
    }

    /// Renders a string, escaping some characters with \u (including surrogate pairs) at random.
    static func renderString(_ s: String, _ random: inout SplitMix64) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            let mustEscape = scalar == "\"" || scalar == "\\" || scalar.value < 0x20
            if mustEscape || random.next() % 4 == 0 {
                for unit in String(scalar).utf16 {
                    let hex = String(unit, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + (random.next() % 2 == 0 ? hex : hex.uppercased())
                }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Whether the byte at `offset` closes a container right after a comma (and whitespace).
    static func isTrailingComma(_ bytes: [UInt8], at offset: Int) -> Bool {
        guard offset < bytes.count, bytes[offset] == 0x7D || bytes[offset] == 0x5D else { return false }
        var index = offset - 1
        while index >= 0, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index -= 1 }
        return index >= 0 && bytes[index] == 0x2C
    }

    /// Whether the text holds a \\u escape of a UTF-16 surrogate that is not part of a pair.
    static func hasLoneSurrogate(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        let pattern = #"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"#
        let paired = text.replacingOccurrences(of: pattern, with: "", options: .regularExpression)
        return paired.range(of: #"\\u[dD][89a-fA-F][0-9a-fA-F]{2}"#, options: .regularExpression) != nil
    }

    /// Structural equality between our tree and Foundation's objects.
    static func equal(_ mine: JSONValue, _ theirs: Any) -> Bool {
        switch mine {
        case .null: return theirs is NSNull
        case .bool(let b):
            guard let number = theirs as? NSNumber else { return false }
            return number.boolValue == b
        case .number(let text):
            guard let number = theirs as? NSNumber, let double = Double(text) else { return false }
            return abs(number.doubleValue - double) <= abs(double) * 1e-12
        case .string(let s): return (theirs as? String) == s
        case .array(let elements):
            guard let array = theirs as? [Any], array.count == elements.count else { return false }
            return zip(elements, array).allSatisfy { equal($0, $1) }
        case .object(let members):
            guard let dictionary = theirs as? [String: Any], dictionary.count == members.count else { return false }
            return members.allSatisfy { member in dictionary[member.key].map { equal(member.value, $0) } ?? false }
        }
    }
}
