/// The default checkpoint store: one human-readable JSON file per job, replaced atomically
/// (temp file, fsync, rename, fsync of the directory) on every save.
///
/// Opening the store takes an exclusive lock on `<path>.lock` for the lifetime of the run, so a
/// second run of the same job fails at once with a clear message instead of interleaving.
public actor FileCheckpointStore: CheckpointStore {
    /// The checkpoint file's path.
    public nonisolated let path: String
    private let lock: FileLock?
    private var states: [String: StreamState]

    /// The checkpoint file's path.
    public nonisolated var location: String { path }

    /// Opens (and locks) the checkpoint file of a job; the file need not exist yet.
    ///
    /// - Parameter path: The checkpoint file.
    /// - Throws: ``ChatExportError/Code/checkpointLocked`` when another run holds the lock;
    ///   ``ChatExportError/Code/storageFailure`` when the file is unreadable or corrupt.
    public init(path: String) throws {
        try FileSystem.makeDirectories(FileSystem.directory(of: path))
        self.path = path
        self.lock = try FileLock(path: path + ".lock", purpose: "checkpoint \(path)")
        self.states = try FileCheckpointStore.read(path: path)
    }

    /// Reads a checkpoint file without locking it (for `state show`).
    ///
    /// - Parameter path: The checkpoint file.
    /// - Returns: States keyed by stream; empty when the file does not exist.
    /// - Throws: ``ChatExportError/Code/storageFailure`` when the file is corrupt.
    public static func read(path: String) throws -> [String: StreamState] {
        guard let bytes = try FileSystem.readFile(path) else { return [:] }
        do {
            return try CheckpointFileFormat.decode(try JSONValue.parse(bytes))
        } catch let error as JSONSyntaxError {
            throw ChatExportError(.storageFailure, "checkpoint \(path) is corrupt: \(error)")
        } catch let error as ChatExportError {
            throw ChatExportError(.storageFailure, "checkpoint \(path) is corrupt: \(error.message)")
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
        try persist(next)
        states = next
    }

    /// Forgets some or all streams and rewrites the file.
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
        try persist(next)
        states = next
    }

    /// Releases the lock.
    public func close() async { lock?.release() }

    private func persist(_ states: [String: StreamState]) throws {
        let text = CheckpointFileFormat.encode(states).serialized(pretty: true) + "\n"
        try FileSystem.writeAtomically(Array(text.utf8), to: path)
    }
}
