/// Where a job keeps its per-stream state between runs.
///
/// ## Implementation requirements
/// - ``save(_:for:)`` is atomic: after a crash at any instant, ``load()`` returns either the old
///   or the new state of that stream, never a torn one.
/// - Saves of different streams may arrive concurrently.
/// - A store that guards a job (like ``FileCheckpointStore``) holds an exclusive lock from
///   opening until ``close()`` so two runs of one job cannot interleave.
public protocol CheckpointStore: Sendable {
    /// A description for messages (a file path), never a secret.
    var location: String { get }

    /// Reads every stream's state.
    ///
    /// - Returns: States keyed by stream name; empty on a first run.
    /// - Throws: ``ChatExportError`` when the stored state is unreadable.
    func load() async throws -> [String: StreamState]

    /// Atomically replaces one stream's state.
    ///
    /// - Parameters:
    ///   - state: The new state.
    ///   - stream: The stream name.
    /// - Throws: ``ChatExportError`` when it cannot be stored; the old state then remains.
    func save(_ state: StreamState, for stream: String) async throws

    /// Reads the job-level values kept beside the stream states: the job's id (which files
    /// directories it owns) and the requests spent per vendor instance and UTC day.
    ///
    /// - Returns: Values keyed by name; empty on a first run.
    /// - Throws: ``ChatExportError`` when the stored values are unreadable.
    func loadJobValues() async throws -> [String: JSONValue]

    /// Atomically replaces one job-level value.
    ///
    /// - Parameters:
    ///   - value: The new value, or nil to remove it.
    ///   - key: The value's name.
    /// - Throws: ``ChatExportError`` when it cannot be stored; the old value then remains.
    func saveJobValue(_ value: JSONValue?, for key: String) async throws

    /// Forgets the state of some or all streams (job-level values stay).
    ///
    /// - Parameter streams: The streams to forget, or nil for all.
    /// - Throws: ``ChatExportError``.
    func reset(streams: Set<String>?) async throws

    /// Releases the store (and its lock).
    func close() async
}
