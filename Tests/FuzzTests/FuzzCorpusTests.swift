import ConnectorKit
import Foundation
import FuzzChecks
import Testing

/// The repository's `Fuzz/` directory (the tests may run from any directory).
let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz").standardized.path

/// The files of `Fuzz/<kind>/<target>/`, sorted.
func fuzzInputs(_ kind: String, _ target: FuzzTarget) -> [String] {
    let directory = "\(fuzzDirectory)/\(kind)/\(target.rawValue)"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 }
}

@Suite("Fuzz targets: the seed corpus and every input a fuzzer found replay cleanly")
struct FuzzCorpusTests {
    @Test("every seed of every target holds the target's properties", arguments: FuzzTarget.allCases)
    func seeds(_ target: FuzzTarget) throws {
        let files = fuzzInputs("Corpus", target)
        #expect(files.count >= 4, "Fuzz/Corpus/\(target.rawValue) holds the seeds")
        try replay(files, target)
    }

    @Test(
        "every input a fuzzer found (Fuzz/Regressions) now holds the properties it broke",
        arguments: FuzzTarget.allCases.filter { !fuzzInputs("Regressions", $0).isEmpty })
    func regressions(_ target: FuzzTarget) throws {
        try replay(fuzzInputs("Regressions", target), target)
    }

    /// Each file through the target's checks: none may find anything.
    func replay(_ files: [String], _ target: FuzzTarget) throws {
        for file in files {
            let bytes = try #require(FileManager.default.contents(atPath: file), "\(file)")
            #expect(throws: Never.self, "\(file)") { try target.check(Array(bytes)) }
        }
    }

    @Test("the checks can fail: a scanner that disagrees with Foundation, a refusal without issues or paths")
    func checksBite() throws {
        let page = try PageScanner.scan(
            Array(#"{"data":[{"_id":"1","date_created":"2026-01-01T00:00:00Z"}]}"#.utf8), stream: "s", recordKeys: ["data"],
            layout: RecordLayout(cursorField: "date_created"))
        let agreeing = Differential.Reference(root: ["data": [["_id": "1", "date_created": "2026-01-01T00:00:00Z"]]])
        #expect(throws: Never.self) {
            try Differential.compare(page, agreeing, layout: RecordLayout(cursorField: "date_created"), label: "")
        }
        for different: [String: Any] in [
            ["data": [["_id": "2", "date_created": "2026-01-01T00:00:00Z"]]],
            ["data": [["_id": "1", "date_created": "2026-01-01T00:00:01Z"]]],
            ["data": [] as [Any]],
            ["items": [["_id": "1"]]],
        ] {
            #expect(throws: FuzzFinding.self, "\(different)") {
                try Differential.compare(
                    page, Differential.Reference(root: different), layout: RecordLayout(cursorField: "date_created"), label: "")
            }
        }
        #expect(throws: FuzzFinding.self) { try checkRefusal(ConfigError(issues: []), "t") }
        #expect(throws: FuzzFinding.self) { try checkRefusal(ConfigError(issues: [ConfigIssue(path: "", "x")]), "t") }
    }
}
