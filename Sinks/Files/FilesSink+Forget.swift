public import ConnectorKit
import Foundation

extension FilesSink: ForgettingSink {
    /// The ids of the stream's records whose end-user fields hold one of the values, in every
    /// part the sink holds (published, staged, set aside, and at the publisher's destination).
    ///
    /// - Parameters:
    ///   - stream: The stream and the values.
    ///   - job: The job (the directory must be its own).
    /// - Returns: The ids.
    /// - Throws: ``ChatExportError`` when a part cannot be read.
    public func ids(matching stream: ForgetRequest.Stream, for job: JobIdentity) async throws -> Set<String> {
        try await settle([stream], for: job)
        var found = Set<String>()
        try await eachPart(of: stream.descriptor.name) { file, layout, _ in
            try PartRewriter.forEach(in: file, layout) { item in
                guard (try? stream.matches(item.json)) == true else { return }
                if let id = try? RecordFields.values(at: stream.descriptor.idPath, in: item.json).first { found.insert(id) }
            }
            return false
        }
        return found
    }

    /// Removes the matching records: every part that holds one is written again without it (to
    /// a temporary file renamed over the part, or uploaded over the object), children's streams
    /// first; a part that holds none is left as it is.
    ///
    /// First the parts the checkpoint covers but a killed run left staged are published, as the
    /// next run would, so no copy is missed.
    ///
    /// - Parameter request: What to remove.
    /// - Returns: Records removed, by stream.
    /// - Throws: ``ChatExportError``; every part replaced before stays replaced.
    public func forget(_ request: ForgetRequest) async throws -> [String: Int] {
        try await settle(request.streams, for: request.job)
        var counts: [String: Int] = [:]
        for stream in request.streams {
            var removed = 0
            try await eachPart(of: stream.descriptor.name) { file, layout, replace in
                var matching = 0
                var unreadable = 0
                try PartRewriter.forEach(in: file, layout) { item in
                    do {
                        if try stream.matches(item.json) { matching += 1 }
                    } catch {
                        unreadable += 1
                    }
                }
                if unreadable > 0 {
                    logger.warning(
                        "files sink: \(unreadable) lines of \(file) do not read as JSON (a run cut them short); left as they are")
                }
                guard matching > 0 else { return false }
                let output = FilesSink.forgetting(file)
                let count = try PartRewriter.rewrite(file, layout, to: output, rowGroupBytes: settings.maxFileBytes) { json in
                    (try? stream.matches(json)) == true
                }
                try await replace(output)
                removed += count
                request.stepCompleted("\(identity): \(file) without \(count) \(stream.descriptor.name)")
                return true
            }
            counts[stream.descriptor.name] = removed
        }
        return counts
    }

    /// The temporary file a part is rewritten into, beside it.
    static func forgetting(_ file: String) -> String {
        let name = (file as NSString).lastPathComponent
        return FileSystem.directory(of: file) + "/.forgetting-" + name
    }

    /// Publishes what the checkpoint covers but a killed run left staged (as the next run's
    /// `open` would), then takes the directory's lock for the forget.
    private func settle(_ streams: [ForgetRequest.Stream], for job: JobIdentity) async throws {
        try await claim(for: job)
        let staged = streams.filter { $0.sinkState != nil }
        if !staged.isEmpty {
            for stream in staged { try await open(stream.descriptor, restoring: stream.sinkState) }
            // Publishes the streams' committed parts and releases the lock; taken again below.
            try await finish(succeeded: true)
            try await claim(for: job)
        }
    }

    /// Calls `body` with every part of `stream`: here (published and staged parts, backfill
    /// generations, copies set aside under `.replaced-*`), then at the publisher's destination
    /// (fetched into a private directory). `body` says whether it wrote the part again to the
    /// file `replace` is handed, which then takes the part's place. Leftovers of a killed
    /// conversion or forget are removed on the way.
    private func eachPart(
        of stream: String, _ body: (String, PartRewriter.Layout, (String) async throws -> Void) async throws -> Bool
    ) async throws {
        let directory = settings.directory
        var roots = [directory + "/" + stream]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasPrefix(".replaced-") { roots.append(directory + "/" + name + "/" + stream) }
        for root in roots {
            for (file, layout) in localParts(in: root, depth: 0) {
                _ = try await body(file, layout) { output in
                    guard rename(output, file) == 0 else {
                        throw ChatExportError(.storageFailure, "files sink: cannot replace \(file): \(FileSystem.errorText())")
                    }
                    try FileSystem.syncDirectory(FileSystem.directory(of: file))
                }
            }
        }
        guard let publisher else { return }
        let work = directory + "/.forgetting"
        try FileSystem.makeDirectories(work)
        defer { try? FileManager.default.removeItem(atPath: work) }
        for part in try await publisher.storedParts(of: stream) {
            let file = work + "/" + (part.key as NSString).lastPathComponent
            try await publisher.download(part.key, to: file)
            _ = try await body(file, .published(part.format)) { output in
                try await publisher.replace(part.key, with: output, format: part.format)
                unlink(output)
            }
            unlink(file)
        }
    }

    /// The part files under `folder` (and its generation folders), sorted.
    private func localParts(in folder: String, depth: Int) -> [(String, PartRewriter.Layout)] {
        guard depth < 3 else { return [] }
        var found: [(String, PartRewriter.Layout)] = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        for name in names {
            let path = folder + "/" + name
            if name.hasPrefix(".forgetting-") || name.hasSuffix(".publishing") {
                // A rewrite or conversion a crash interrupted: the part itself is intact.
                unlink(path)
            } else if let (_, format) = FilesSink.partNumber(published: name) {
                found.append((path, .published(format)))
            } else if let (_, format) = FilesSink.partNumber(inProgress: name) {
                found.append((path, .staged(format)))
            } else {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                    found += localParts(in: path, depth: depth + 1)
                }
            }
        }
        return found
    }
}
