import Foundation

/// A uniquely named directory under the system's temporary directory, removed with everything
/// in it when the value is released. Tests use one per test for real files.
public final class TemporaryDirectory: Sendable {
    /// The directory's path.
    public let path: String

    /// Creates the directory.
    public init() {
        path = FileManager.default.temporaryDirectory.path + "/chat-export-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes a file inside the directory, creating intermediate directories.
    ///
    /// - Parameters:
    ///   - name: The file's path relative to the directory.
    ///   - text: Its content.
    /// - Returns: The file's absolute path.
    /// - Throws: A file system error.
    public func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
