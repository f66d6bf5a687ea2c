package import Foundation

/// POSIX file helpers with durable semantics, shared by the checkpoint store and file sinks.
///
/// Everything they create holds customer data: files are created `0600` and directories `0700`
/// (a stricter umask still applies).
package enum FileSystem {
    /// The mode of files the tool creates.
    package static let fileMode: mode_t = 0o600
    /// The mode of directories the tool creates.
    package static let directoryMode: Int = 0o700

    /// The text of `errno` (or of `code`).
    package static func errorText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    /// Creates `path` and its parents if missing.
    package static func makeDirectories(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: directoryMode])
        } catch {
            // Another process (a job starting at the same instant) may have just made it.
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { return }
            throw ChatExportError(.storageFailure, "cannot create directory \(path): \(describe(error))")
        }
    }

    /// The parent directory of `path` ("." for a bare name).
    package static func directory(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    /// Writes `bytes` to `path` atomically and durably: a temp file in the same directory,
    /// fsync, rename over `path`, fsync of the directory.
    package static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let directory = directory(of: path)
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw ChatExportError(.storageFailure, "cannot write \(temp): \(errorText())") }
        var ok = true
        var failure = ""
        if !writeAll(fd: fd, bytes) {
            ok = false
            failure = errorText()
        } else if fsync(fd) != 0 {
            ok = false
            failure = errorText()
        }
        close(fd)
        guard ok else {
            unlink(temp)
            throw ChatExportError(.storageFailure, "cannot write \(temp): \(failure)")
        }
        guard rename(temp, path) == 0 else {
            let text = errorText()
            unlink(temp)
            throw ChatExportError(.storageFailure, "cannot replace \(path): \(text)")
        }
        try syncDirectory(directory)
    }

    /// Removes the temp files ``writeAtomically(_:to:)`` left for `path` when a run was killed
    /// mid-write. Call it while holding the lock that guards `path`.
    package static func removeStaleTemporaryFiles(of path: String) {
        let directory = directory(of: path)
        let prefix = (path as NSString).lastPathComponent + ".tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(prefix) {
            unlink(directory + "/" + name)
        }
    }

    /// Writes every byte of `bytes` to `fd`, retrying short writes and `EINTR`.
    ///
    /// - Returns: `false` on an error, with `errno` set.
    package static func writeAll(fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }

    /// fsyncs a directory so a rename or creation in it survives a power loss.
    package static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ChatExportError(.storageFailure, "cannot open directory \(path): \(errorText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw ChatExportError(.storageFailure, "cannot sync directory \(path): \(errorText())")
        }
    }

    /// Reads a whole file, or nil if it does not exist.
    package static func readFile(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw ChatExportError(.storageFailure, "cannot read \(path): \(errorText())")
        }
        defer { close(fd) }
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ChatExportError(.storageFailure, "cannot read \(path): \(errorText())")
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// Whether something exists at `path`.
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Why the tool could not create or write `path` (a file or a directory, with whatever parents
    /// it lacks), or nil when it can. Looks only; changes nothing (for `validate`).
    package static func writeProblem(at path: String) -> String? {
        var info = stat()
        if stat(path, &info) == 0 {
            let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            if access(path, W_OK) != 0 { return "\(path) is not writable: \(errorText())" }
            // A file is replaced by renaming a new one into its directory (or journalled there).
            if !isDirectory, access(directory(of: path), W_OK | X_OK) != 0 {
                return "\(directory(of: path)) is not writable: \(errorText())"
            }
            return nil
        }
        var ancestor = directory(of: path)
        while stat(ancestor, &info) != 0 {
            let parent = directory(of: ancestor)
            if parent == ancestor { return "no existing directory above \(path)" }
            ancestor = parent
        }
        if (info.st_mode & S_IFMT) != S_IFDIR { return "\(ancestor) is not a directory, so \(path) cannot be created" }
        if access(ancestor, W_OK | X_OK) != 0 { return "cannot create \(path): \(ancestor) is not writable: \(errorText())" }
        return nil
    }

    /// A short text for an error, without Foundation's noise.
    package static func describe(_ error: any Error) -> String {
        if let error = error as? ChatExportError { return error.message }
        if let error = error as? CocoaError, let underlying = error.userInfo[NSUnderlyingErrorKey] as? POSIXError {
            return errorText(underlying.code.rawValue)
        }
        return "\(error)"
    }
}
