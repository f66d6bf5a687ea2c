import Foundation

/// The default checkpoint store: one human-readable JSON file per job, replaced atomically
/// (temp file, fsync, rename, fsync of the directory) on every save, readable by its owner only.
///
/// Opening the store takes an exclusive lock on `<path>.lock` for the lifetime of the run, so a
/// second run of the same job fails at once with a clear message instead of interleaving. Temp
/// files a killed run left behind (`<path>.tmp-<pid>`) are removed on opening.
public actor FileCheckpointStore: CheckpointStore {
    /// What opening does with a checkpoint file that cannot be read.
    public enum CorruptFile: Sendable {
        /// Fail with a message saying how to recover (a run).
        case fail
        /// Move it aside to `<path>.corrupt-<UTC time>` and start empty (`state reset`).
        case setAside
    }

    /// The checkpoint file's path.
    public nonisolated let path: String
    private let lock: FileLock?
    private var states: [String: StreamState]
    private var values: [String: JSONValue]

    /// The checkpoint file's path.
    public nonisolated var location: String { path }

    /// Opens (and locks) the checkpoint file of a job; the file need not exist yet.
    ///
    /// - Parameters:
    ///   - path: The checkpoint file.
    ///   - corrupt: What to do with a file that cannot be read.
    ///   - logger: Where setting a corrupt file aside is reported.
    /// - Throws: ``ChatExportError/Code/checkpointLocked`` when another run holds the lock;
    ///   ``ChatExportError/Code/storageFailure`` when the file is unreadable or corrupt.
    public init(path: String, ifCorrupt corrupt: CorruptFile = .fail, logger: ExportLogger = .disabled) throws {
        try FileSystem.makeDirectories(FileSystem.directory(of: path))
        self.path = path
        self.lock = try FileLock(path: path + ".lock", purpose: "checkpoint \(path)")
        FileSystem.removeStaleTemporaryFiles(of: path)
        do {
            (states, values) = try FileCheckpointStore.readDocument(path: path)
        } catch let error as ChatExportError where corrupt == .setAside {
            let aside = path + ".corrupt-" + Timestamp.now.compactStamp
            guard rename(path, aside) == 0 else {
                throw ChatExportError(.storageFailure, "cannot move the corrupt checkpoint \(path) aside: \(FileSystem.errorText())")
            }
            logger.warning("\(error.message); moved it to \(aside) and starting from an empty checkpoint")
            (states, values) = ([:], [:])
        }
    }

    /// Reads a checkpoint file without locking it (for `state show`).
    ///
    /// - Parameter path: The checkpoint file.
    /// - Returns: States keyed by stream; empty when the file does not exist.
    /// - Throws: ``ChatExportError/Code/storageFailure`` when the file is corrupt.
    public static func read(path: String) throws -> [String: StreamState] {
        try readDocument(path: path).states
    }

    static func readDocument(path: String) throws -> (states: [String: StreamState], values: [String: JSONValue]) {
        guard let bytes = try FileSystem.readFile(path) else { return ([:], [:]) }
        let recovery = "; `chat-export state reset CONFIG` moves it aside and starts over"
        do {
            let document = try JSONValue.parse(bytes)
            return (try CheckpointFileFormat.decode(document), CheckpointFileFormat.decodeValues(document))
        } catch let error as JSONSyntaxError {
            throw ChatExportError(.storageFailure, "checkpoint \(path) is corrupt: \(error)\(recovery)")
        } catch let error as ChatExportError {
            throw ChatExportError(.storageFailure, "checkpoint \(path) is corrupt: \(error.message)\(recovery)")
        }
    }

    /// Every stream's state, as read at opening and updated by saves.
    ///
    /// - Returns: States keyed by stream.
    public func load() async throws -> [String: StreamState] { states }

    /// Replaces one stream's state and rewrites the file atomically.
    ///
    /// - Parameters:
    ///   - state: The new state.
    ///   - stream: The stream.
    /// - Throws: ``ChatExportError/Code/storageFailure``; the previous file then stays in place.
    public func save(_ state: StreamState, for stream: String) async throws {
        var next = states
        next[stream] = state
        try persist(next, values)
        states = next
    }

    /// The job-level values.
    ///
    /// - Returns: Values keyed by name.
    public func loadJobValues() async throws -> [String: JSONValue] { values }

    /// Replaces one job-level value and rewrites the file atomically.
    ///
    /// - Parameters:
    ///   - value: The value, or nil to remove it.
    ///   - key: Its name.
    /// - Throws: ``ChatExportError/Code/storageFailure``.
    public func saveJobValue(_ value: JSONValue?, for key: String) async throws {
        var next = values
        next[key] = value
        try persist(states, next)
        values = next
    }

    /// Forgets some or all streams and rewrites the file, keeping the replaced file as
    /// `<path>.bak`.
    ///
    /// - Parameter streams: The streams, or nil for all.
    /// - Throws: ``ChatExportError/Code/storageFailure``.
    public func reset(streams: Set<String>?) async throws {
        var next = states
        if let streams {
            for stream in streams { next[stream] = nil }
        } else {
            next = [:]
        }
        if let previous = try FileSystem.readFile(path) { try FileSystem.writeAtomically(previous, to: path + ".bak") }
        try persist(next, values)
        states = next
    }

    /// Releases the lock.
    public func close() async { lock?.release() }

    private func persist(_ states: [String: StreamState], _ values: [String: JSONValue]) throws {
        let text = CheckpointFileFormat.encode(states, values: values).serialized(pretty: true) + "\n"
        try FileSystem.writeAtomically(Array(text.utf8), to: path)
    }
}
