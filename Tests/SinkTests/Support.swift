import Foundation
import StdoutSink

/// A uniquely named directory, removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.path + "/chat-export-sink-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum StdoutSinkFactory {
    static func make(fd: Int32) -> StdoutSink { StdoutSink(fileDescriptor: fd) }
}
