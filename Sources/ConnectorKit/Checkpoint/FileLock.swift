import Foundation

/// An exclusive advisory lock (`flock`) on a file, released on ``release()`` or process exit,
/// including `kill -9`.
package final class FileLock: @unchecked Sendable {
    private var fd: Int32
    /// The lock file's path.
    package let path: String

    /// Takes the lock without waiting.
    ///
    /// - Throws: ``ChatExportError/Code/checkpointLocked`` when another process holds it.
    package init(path: String, purpose: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, FileSystem.fileMode)
        guard fd >= 0 else {
            throw ChatExportError(.storageFailure, "cannot open lock file \(path): \(FileSystem.errorText())")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? FileSystem.readFile(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let pid = holder.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            throw ChatExportError(
                .checkpointLocked,
                "\(purpose) is locked by another run\(pid.isEmpty ? "" : " (pid \(pid))") (lock file \(path)); "
                    + "wait for it to finish or stop it"
            )
        }
        ftruncate(fd, 0)
        _ = FileSystem.writeAll(fd: fd, Array("\(getpid())\n".utf8))
    }

    /// Releases the lock.
    package func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
