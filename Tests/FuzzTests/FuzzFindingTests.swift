import ConnectorKit
import Foundation
import Testing

@testable import FuzzChecks

@Suite("What an adversarial review of the fuzz targets found")
struct FuzzFindingTests {
    /// A nested id path whose first key is given twice: the scanner takes the id from the first
    /// copy, while Foundation (and PostgreSQL's json ->, which the views use) read the last copy,
    /// which has none. Only a leaf given twice is refused as ambiguous today.
    static let repeatedParent = #"{"data":[{"meta":{"id":"a","at":"2026-01-01T00:00:00Z"},"meta":{"x":1}}]}"#

    @Test("the scanner target's differential property holds on a record whose nested id path repeats its first key")
    func repeatedIntermediateKey() throws {
        #expect(throws: Never.self) { try FuzzTarget.scanner.check(Array(Self.repeatedParent.utf8)) }
    }

    @Test("the scanner refuses such a record as ambiguous (readers differ on which copy counts), as it does a repeated leaf")
    func repeatedIntermediateKeyRefused() throws {
        let layout = RecordLayout(
            idPath: ["meta", "id"], cursorPath: ["meta", "at"], cursorFormat: .epochOrISO8601, parentPath: ["parent"])
        #expect(throws: InvalidResponse.self) {
            try PageScanner.scan(Array(Self.repeatedParent.utf8), stream: "s", recordKeys: ["data"], layout: layout)
        }
    }

    @Test(
        "oneLine, the property behind every refusal and cron error, sees CR LF (one Swift Character, neither \"\\n\" nor \"\\r\")"
    )
    func oneLineSeesCRLF() {
        #expect(!oneLine("first line\r\nsecond line"))
    }
}
