import ConnectorKit
import ConnectorTesting
import Foundation
import Testing

@testable import SQLiteSink

/// Runs `body(index)` on `count` threads released at the same instant and returns what each threw.
func atOnce(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [String] {
    /// The threads' shared state, guarded by its condition.
    final class Gate: @unchecked Sendable {
        let condition = NSCondition()
        var open = false
        var failures: [String] = []
    }
    let gate = Gate()
    let done = DispatchGroup()
    for index in 0..<count {
        done.enter()
        Thread.detachNewThread {
            gate.condition.lock()
            while !gate.open { gate.condition.wait() }
            gate.condition.unlock()
            do {
                try body(index)
            } catch {
                gate.condition.withLock { gate.failures.append("\(error)") }
            }
            done.leave()
        }
    }
    gate.condition.withLock {
        gate.open = true
        gate.condition.broadcast()
    }
    done.wait()
    return gate.condition.withLock { gate.failures }
}

@Suite("SQLite connections racing on one file")
struct SQLiteConcurrencyTests {
    let directory = TemporaryDirectory()

    /// Switching a new file to WAL needs an exclusive lock; SQLite answers BUSY at once, without
    /// calling the busy handler, to the second of two connections that would wait on each other.
    @Test("connections opening one fresh file at the same instant: every one opens within the busy timeout (200 files × 16)")
    func freshFile() {
        var failures: [String] = []
        for round in 0..<200 {
            let path = directory.path + "/fresh-\(round).sqlite"
            failures += atOnce(16) { _ in
                let connection = try SQLiteConnection(path: path, busyTimeout: 10)
                connection.close()
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.first ?? "")")
    }
}
