import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

/// Every entry under `root`: its path, type, size, mode and modification time (to the
/// nanosecond), so a file made and removed again still shows in its directory's time.
func listing(_ root: String) -> [String] {
    var entries: [String] = []
    func describe(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        entries.append(
            "\(path) mode \(String(info.st_mode, radix: 8)) size \(info.st_size) mtime \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)")
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return }
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() { describe(path + "/" + name) }
    }
    describe(root)
    return entries
}

@Suite("validate and check look without writing")
struct LookOnlyTests {
    @Test(
        "validate and check leave the file system as it was and say which directories run will create; run then creates them"
    )
    func nothingWritten() throws {
        let directory = TemporaryDirectory()
        let missing = directory.path + "/missing"
        let jobs = [
            // A SQLite database (with the checkpoint inside) in a directory that does not exist.
            try directory.write(
                "jobs/sqlite.json",
                #"{"source": {"type": "synthetic", "records": 30}, "sinks": [{"type": "sqlite", "path": "\#(missing)/dir/x.sqlite"}]}"#),
            // A files directory and an explicit checkpoint file, both under directories that do not exist.
            try directory.write(
                "jobs/files.json",
                #"{"source": {"type": "synthetic", "records": 30}, "sinks": [{"type": "files", "dir": "\#(missing)/files/out"}], "checkpoint": {"path": "\#(missing)/state/cp.json"}}"#
            ),
        ]
        let before = listing(directory.path)
        for job in jobs {
            let validated = try CLIHarness.run(["validate", job])
            #expect(validated.status == 0, "\(validated.stderr)")
            let checked = try CLIHarness.run(["check", job])
            #expect(checked.status == 0, "\(checked.stderr)")
            #expect(listing(directory.path) == before, "\(job): validate and check change nothing on disk")
            if job.hasSuffix("sqlite.json") {
                #expect(validated.stderr.contains("sinks[0].path: directory \(missing)/dir does not exist yet"), "\(validated.stderr)")
                #expect(checked.stdout.contains("directory \(missing)/dir does not exist yet: run creates it"), "\(checked.stdout)")
            } else {
                #expect(validated.stderr.contains("sinks[0].dir: directory \(missing)/files does not exist yet"), "\(validated.stderr)")
                #expect(validated.stderr.contains("checkpoint.path: directory \(missing)/state does not exist yet"), "\(validated.stderr)")
                #expect(checked.stdout.contains("directory \(missing)/files/out does not exist yet: run creates it"), "\(checked.stdout)")
                #expect(checked.stdout.contains("checkpoint \(missing)/state/cp.json: directory \(missing)/state does not exist yet"))
            }
        }
        // run creates what is missing; afterwards check still changes nothing (no -wal or -shm
        // left beside the database, no probe file in the output directory).
        for job in jobs {
            let run = try CLIHarness.run(["run", job, "--progress", "off"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: missing + "/dir/x.sqlite"))
        #expect(FileManager.default.fileExists(atPath: missing + "/state/cp.json"))
        let after = listing(directory.path)
        for job in jobs {
            let checked = try CLIHarness.run(["check", job])
            #expect(checked.status == 0, "\(checked.stderr)")
            #expect(checked.stdout.contains(job.hasSuffix("sqlite.json") ? "database writable" : "directory writable"), "\(checked.stdout)")
            #expect(try CLIHarness.run(["validate", job]).status == 0)
        }
        #expect(listing(directory.path) == after)
    }
}
