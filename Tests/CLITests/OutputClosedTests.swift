import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

@Suite("A reader of standard output that goes away")
struct OutputClosedTests {
    @Test(
        "run JOB | head: a clean stop (exit 141, a plain message), the checkpoint covering exactly what was written; the next run prints the rest"
    )
    func head() throws {
        let directory = TemporaryDirectory()
        let total = 20_000
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "streams": ["messages"], "records": \#(total), "page_size": 100}, "sinks": [{"type": "stdout"}]}"#
        )
        // `head -n 5`: read five lines, then close the pipe while the job still writes.
        let process = Process()
        process.executableURL = CLIHarness.executable
        process.arguments = ["run", file, "--progress", "off"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var received = Data()
        while received.split(separator: UInt8(ascii: "\n")).count <= 5 {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received.append(chunk)
        }
        try out.fileHandleForReading.close()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 141, "\(stderr)")
        #expect(stderr.contains("standard output was closed by its reader"), "\(stderr)")
        #expect(!stderr.contains("error"), "\(stderr)")
        #expect(!stderr.contains("storage-failure"), "\(stderr)")

        let state = try JSONValue.parse(try CLIHarness.run(["state", "show", file, "--json"]).stdout)
        let committed = state["streams"]?["messages"]?["records"]?.intValue ?? -1
        #expect(committed >= 0 && committed < total)
        let rest = try CLIHarness.run(["run", file, "--progress", "off"])
        #expect(rest.status == 0, "\(rest.stderr)")
        // stdout keeps no position of its own: the next run prints exactly what the checkpoint does not cover.
        #expect(rest.stdout.split(separator: "\n").count == total - committed)
    }
}
