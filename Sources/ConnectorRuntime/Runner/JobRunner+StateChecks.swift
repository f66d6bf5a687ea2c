import ConnectorKit
import Foundation

extension JobRunner {
    /// Refuses to resume `stream` from a state made for something else: another source type,
    /// vendor instance, bot or cursor mode, or a set of sinks that lacks one of this job's.
    ///
    /// States stored before identities were recorded carry none and are adopted as they are.
    func verify(_ stream: StreamDescriptor, against state: StreamState?) throws {
        guard let state, let stored = state.identity else { return }
        let recovery =
            "run `chat-export state reset CONFIG --stream \(stream.name)` or `chat-export run CONFIG --full-refresh` to export the stream again, "
            + "or give this job its own checkpoint path or table_prefix"
        let current = source.identity(of: stream)
        let differences = current.differences(from: stored)
        if differences.count == 1, current.transforms != stored.transforms {
            func text(_ value: String?) -> String { value.map { JSONValue.quoted($0) } ?? "none" }
            throw ChatExportError(
                .invalidConfig,
                "the records of stream \(stream.name) under the checkpoint in \(checkpoints.location) were made with other transforms "
                    + "(stored \(text(stored.transforms)), now \(text(current.transforms))); resuming would mix records transformed two ways: "
                    + "restore the transforms, or \(recovery)"
            )
        }
        guard differences.isEmpty else {
            throw ChatExportError(
                .invalidConfig,
                "the checkpoint of stream \(stream.name) in \(checkpoints.location) was made for another source (\(differences.joined(separator: "; "))); "
                    + "resuming from it would skip or misread that source's data: \(recovery)"
            )
        }
        let holder = (checkpoints as? any TransactionalCheckpointStore).map { JobRunner.canonicalSinkKey($0.sink.identity) }
        for sink in sinks where sink.replay != .atLeastOnce {
            let key = JobRunner.canonicalSinkKey(sink.identity)
            guard key != holder, state.sinkStates[key] == nil else { continue }
            throw ChatExportError(
                .invalidConfig,
                "sink \(sink.identity) is new to the checkpoint of stream \(stream.name) in \(checkpoints.location): resuming would give it only "
                    + "the records after \(state.updatedAt.iso8601()), not the \(state.records) already exported; \(recovery) "
                    + "(sinks that upsert absorb the repeats), or run the new sink as a job of its own"
            )
        }
    }

    /// The job's id from the checkpoint store, made and stored on its first run.
    func identifyJob() async throws -> JobIdentity {
        try await Self.identify(source: source, checkpoints: checkpoints, fullRefresh: fullRefresh)
    }

    /// The identity of the job whose checkpoint store is `checkpoints`: its id, made and stored
    /// the first time.
    static func identify(source: any Source, checkpoints: any CheckpointStore, fullRefresh: Bool) async throws -> JobIdentity {
        var id = try await checkpoints.loadJobValues()["id"]?.stringValue
        if id == nil {
            id = UUID().uuidString.lowercased()
            try await checkpoints.saveJobValue(id.map(JSONValue.string), for: "id")
        }
        let identity = source.streams.first.map { source.identity(of: $0) }
        let described = identity.map { identity in
            [identity.source, identity.instance, identity.bot.map { "bot \($0)" }].compactMap { $0 }.joined(separator: " ")
        }
        let instance = identity?.instance.map { instance in
            ([instance] + (identity?.bot.map { ["bot \($0)"] } ?? [])).joined(separator: " ")
        }
        return JobIdentity(
            id: id ?? "", checkpoint: checkpoints.location, source: described ?? "\(type(of: source))", fullRefresh: fullRefresh,
            instance: instance)
    }

    /// A state whose sink keys are in ``canonicalSinkKey(_:)`` form.
    static func canonicalSinkKeys(_ state: StreamState) -> StreamState {
        var state = state
        var keys: [String: JSONValue] = [:]
        for (key, value) in state.sinkStates { keys[canonicalSinkKey(key)] = value }
        state.sinkStates = keys
        return state
    }

    /// A sink identity with a relative path made absolute against the working directory, so a
    /// job run from another directory (or a state stored by an older build) names the same sink
    /// the same way: `files:out` → `files:/home/me/job/out`.
    static func canonicalSinkKey(_ identity: String) -> String {
        guard let colon = identity.firstIndex(of: ":") else { return identity }
        let kind = identity[..<colon]
        var rest = String(identity[identity.index(after: colon)...])
        var suffix = ""
        if let hash = rest.lastIndex(of: "#") {
            suffix = String(rest[hash...])
            rest = String(rest[..<hash])
        }
        guard !rest.isEmpty, !rest.hasPrefix("/"), !rest.contains("://") else { return identity }
        let absolute = (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(rest)
        return kind + ":" + (absolute as NSString).standardizingPath + suffix
    }
}
