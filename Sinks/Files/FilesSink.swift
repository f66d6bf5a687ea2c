public import ConnectorKit
import Foundation

/// Writes JSON Lines files under `dir/<stream>/`, one record per line, the record's bytes exactly
/// as the vendor sent them.
///
/// ## Publication and exactly-once
/// Records go to a hidden in-progress part, `dir/<stream>/.part-00000001.jsonl.inprogress`.
/// A part is **published** by renaming it to `part-00000001.jsonl` when it reaches
/// `max_file_bytes`, or when the run ends successfully. Published parts never change again.
///
/// Replay: **positional**. At every commit the sink fsyncs its part and returns its position
/// (part number, committed length, parts awaiting publication), which the runner stores inside
/// the stream's checkpoint. A part is renamed only after the checkpoint covering it is stored. On
/// the next run the sink restores that position: it truncates the in-progress part to the stored
/// length, deletes parts started after it, and finishes pending publications. So after a crash at
/// any instant and a re-run, every record appears exactly once across the published parts.
///
/// ## Ownership
/// A directory belongs to one job: the first run records the job's id in
/// `dir/.chat-export-owner.json`, and every run holds `dir/.chat-export.lock`. Another job is
/// refused (``ChatExportError/Code/invalidConfig``), a concurrent run is refused
/// (``ChatExportError/Code/checkpointLocked``), and a stream whose published parts no checkpoint
/// covers (its state was reset or deleted) is refused rather than exported again beside them:
/// `run --full-refresh` moves the old parts to `dir/.replaced-<UTC time>/<stream>/` and starts over.
///
/// ## Generations
/// A backfill (`run --since/--until`) writes a generation of its own, `dir/<stream>/<generation>/`
/// (see ``Settings/generation``), hidden until the run succeeds.
public actor FilesSink: Sink {
    /// The sink's settings.
    public struct Settings: Sendable, Hashable {
        /// The output directory.
        public var directory: String
        /// Rotate a part before it would exceed this size (a single larger record gets a part of its own).
        public var maxFileBytes: Int
        /// A separate generation of parts (a backfill): each stream writes into
        /// `dir/<stream>/.<generation>.inprogress/`, renamed to `dir/<stream>/<generation>/` when
        /// the run succeeds, beside the job's regular parts and never mixed with them.
        public var generation: String?
        /// How parts are published: JSON Lines, gzip JSON Lines or Parquet.
        public var format: FileFormat

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - directory: The output directory.
        ///   - maxFileBytes: The rotation size (of a part's uncompressed records).
        ///   - generation: A separate generation of parts, if the run needs one.
        ///   - format: How parts are published.
        public init(directory: String, maxFileBytes: Int = 128 * 1024 * 1024, generation: String? = nil, format: FileFormat = .jsonl) {
            self.directory = directory
            self.maxFileBytes = maxFileBytes
            self.generation = generation
            self.format = format
        }
    }

    struct Part: Sendable, Hashable {
        var number: Int
        var length: Int
    }

    struct StreamFiles {
        var directory: String
        var stream: StreamDescriptor
        var current: Part
        var fd: Int32 = -1
        var dirty = false
        var rotated: [Part] = []
        var awaitingPublication: [Part] = []
    }

    /// The settings.
    public let settings: Settings
    private var streams: [String: StreamFiles] = [:]
    /// Lines gathered for one `write(2)`, kept between batches so writing never needs a buffer the
    /// size of a vendor page.
    private var scratch: [UInt8] = []
    /// Bytes gathered before each `write(2)`.
    static let chunkBytes = 1 << 20
    let logger: ExportLogger
    var lock: FileLock?
    let publisher: (any PartPublisher)?

    /// `files:<dir>`, or the publisher's location.
    public nonisolated let identity: String
    /// Positions are restored from the checkpoint.
    public nonisolated var replay: SinkReplay { .positional }

    /// Creates a sink.
    ///
    /// - Parameters:
    ///   - settings: The settings.
    ///   - logger: Where warnings go.
    ///   - publisher: Where finished parts go instead of `dir/<stream>/` (the directory then only
    ///     stages them), or nil.
    public init(settings: Settings, logger: ExportLogger = .disabled, publisher: (any PartPublisher)? = nil) {
        self.settings = settings
        self.logger = logger
        self.publisher = publisher
        self.identity = publisher?.location ?? "files:" + settings.directory
    }

    /// The published part files of `stream`, sorted.
    ///
    /// - Parameters:
    ///   - directory: The sink's directory.
    ///   - stream: The stream.
    /// - Returns: Absolute paths.
    public static func publishedParts(directory: String, stream: String) -> [String] {
        let folder = directory + "/" + stream
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { partNumber(published: $0) != nil }.sorted().map { folder + "/" + $0 }
    }

    /// `dir/<stream>`, refusing a stream name that is not an identifier (``NameRules``): whatever a
    /// connector or definition names its streams, the sink never writes outside `dir`.
    static func folder(_ directory: String, _ stream: String) throws -> String {
        if let problem = NameRules.streamNameProblem(stream) {
            throw ChatExportError(
                .invalidConfig, "files sink: refusing to write stream \(JSONValue.quoted(stream)) under \(directory): \(problem)")
        }
        return directory + "/" + stream
    }

    /// Locks the directory for the run and checks (or records) which job owns it.
    ///
    /// - Parameter job: The running job.
    /// - Throws: ``ChatExportError/Code/checkpointLocked`` when another run uses the directory;
    ///   ``ChatExportError/Code/invalidConfig`` when another job, or this job's deleted
    ///   checkpoint, owns it.
    public func claim(for job: JobIdentity) async throws {
        let directory = settings.directory
        try FileSystem.makeDirectories(directory)
        let ownerFile = directory + "/.chat-export-owner.json"
        // Ownership first (written atomically, so readable without the lock): another job's
        // directory is a config problem (78) even while that job runs; the lock then tells a
        // busy directory (75).
        var owner = try FileSystem.readFile(ownerFile).flatMap { try? JSONValue.parse($0) }
        try checkOwner(owner, of: directory, for: job)
        if lock == nil { lock = try FileLock(path: directory + "/.chat-export.lock", purpose: "files directory \(directory)") }
        owner = try FileSystem.readFile(ownerFile).flatMap { try? JSONValue.parse($0) }
        do {
            try checkOwner(owner, of: directory, for: job)
        } catch {
            lock?.release()
            lock = nil
            throw error
        }
        let record = JSONValue.object([
            ("job", .string(job.id)), ("checkpoint", .string(job.checkpoint)), ("source", .string(job.source)),
            ("claimed_at", .string(Timestamp.now.iso8601())),
        ])
        let recordBytes = Array((record.serialized(pretty: true) + "\n").utf8)
        if owner?["job"]?.stringValue != job.id { try FileSystem.writeAtomically(recordBytes, to: ownerFile) }
        // The destination of the parts is the job's too: another job's objects under the same
        // prefix are never replaced.
        if let publisher {
            do {
                let remote = try await publisher.owner().flatMap { try? JSONValue.parse($0) }
                try checkOwner(remote, of: directory, for: job, place: publisher.location)
                if remote?["job"]?.stringValue != job.id { try await publisher.setOwner(recordBytes) }
            } catch {
                lock?.release()
                lock = nil
                throw error
            }
        }
    }

    private func checkOwner(_ owner: JSONValue?, of directory: String, for job: JobIdentity, place: String? = nil) throws {
        let place = place ?? "files directory \(directory)"
        if let owner, let id = owner["job"]?.stringValue, id != job.id {
            let checkpoint = owner["checkpoint"]?.stringValue ?? "unknown"
            let source = owner["source"]?.stringValue ?? "unknown"
            if checkpoint != job.checkpoint {
                throw ChatExportError(
                    .invalidConfig,
                    "\(place) belongs to another job (source \(source), checkpoint \(checkpoint)); two jobs in one place "
                        + "overwrite each other's parts: give this job its own dir (if that checkpoint is this job's, moved, point checkpoint.path at it)"
                )
            }
            if !job.fullRefresh {
                throw ChatExportError(
                    .invalidConfig,
                    "\(place) holds what this job exported under a checkpoint that no longer exists (\(checkpoint) was deleted or replaced); "
                        + "writing would export those records again beside them: run `chat-export run CONFIG --full-refresh` to set the old parts aside "
                        + "and export again, or move them out of \(directory)"
                )
            }
            if lock != nil {
                logger.warning("files sink: \(directory) belonged to this job's earlier checkpoint; taking it over for the full refresh")
            }
        }
    }

    /// Looks, changing nothing on disk: the directory must be writable, or creatable when it does
    /// not exist yet (`run` creates it, which is said).
    ///
    /// - Returns: `files:<dir>: directory writable`, or that `run` will create it.
    /// - Throws: ``ChatExportError`` naming the directory and the cause.
    public func check() async throws -> [CheckResult] {
        if let problem = FileSystem.writeProblem(at: settings.directory) {
            throw ChatExportError(.storageFailure, "files sink: cannot write in \(settings.directory): \(problem)")
        }
        // An object store is asked first (its probe object is deleted again); then the directory
        // the parts are written or staged in.
        let remote = try await publisher?.check() ?? []
        let staging = publisher == nil ? "directory" : "staging directory"
        guard FileSystem.exists(settings.directory) else {
            return remote + [CheckResult(subject: identity, detail: "\(staging) \(settings.directory) does not exist yet: run creates it")]
        }
        return remote + [CheckResult(subject: identity, detail: "\(staging) writable")]
    }

    /// Moves the stream's parts to `dir/.replaced-<UTC time>/<stream>/` for a full refresh.
    ///
    /// - Parameter stream: The stream.
    /// - Throws: ``ChatExportError`` when they cannot be moved.
    public func setAside(_ stream: StreamDescriptor) async throws {
        if let publisher, let aside = try await publisher.setAside(remoteName(stream.name), to: ".replaced-" + Timestamp.now.compactStamp) {
            logger.warning("files sink: full refresh of \(stream.name): moved its earlier parts to \(aside)")
        }
        let folder = try FilesSink.folder(settings.directory, stream.name)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        guard names.contains(where: { FilesSink.partNumber(published: $0) != nil || FilesSink.partNumber(inProgress: $0) != nil }) else {
            return
        }
        var aside = settings.directory + "/.replaced-" + Timestamp.now.compactStamp
        var attempt = 1
        while FileSystem.exists(aside + "/" + stream.name) {
            attempt += 1
            aside = settings.directory + "/.replaced-" + Timestamp.now.compactStamp + "-\(attempt)"
        }
        try FileSystem.makeDirectories(aside)
        guard rename(folder, aside + "/" + stream.name) == 0 else {
            throw ChatExportError(.storageFailure, "files sink: cannot move \(folder) aside to \(aside): \(FileSystem.errorText())")
        }
        try FileSystem.syncDirectory(settings.directory)
        logger.warning("files sink: full refresh of \(stream.name): moved its earlier parts to \(aside)/\(stream.name)")
    }

    /// Prepares `dir/<stream>/` and restores the stored position.
    ///
    /// - Parameters:
    ///   - stream: The stream.
    ///   - state: The position stored with the checkpoint, or nil for a fresh start.
    /// - Throws: ``ChatExportError`` when the directory cannot be prepared or committed data is missing.
    public func open(_ stream: StreamDescriptor, restoring state: JSONValue?) async throws {
        var folder = try FilesSink.folder(settings.directory, stream.name)
        if let generation = settings.generation {
            guard !generation.contains("/"), !generation.hasPrefix("."), !generation.utf8.contains(0) else {
                throw ChatExportError(
                    .invalidConfig, "files sink: generation \(JSONValue.quoted(generation)) is not a plain directory name")
            }
            folder += "/." + generation + ".inprogress"
        }
        try FileSystem.makeDirectories(folder)
        var names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        // A conversion a crash interrupted: its output is incomplete, the staged part is not.
        for name in names where name.hasSuffix(".publishing") { unlink(folder + "/" + name) }
        var published = Set(names.compactMap { FilesSink.partNumber(published: $0)?.number })
        // A staged part whose publication finished (converted, renamed) before its staging was removed.
        for name in names {
            if let (number, _) = FilesSink.partNumber(inProgress: name), published.contains(number) { unlink(folder + "/" + name) }
        }
        names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var inProgress: [Int: FileFormat] = [:]
        for name in names {
            if let (number, format) = FilesSink.partNumber(inProgress: name) { inProgress[number] = format }
        }
        var files: StreamFiles
        if let state, let part = state["part"]?.intValue, let length = state["length"]?.intValue {
            for pending in state["publish"]?.arrayValue ?? [] {
                guard let number = pending["part"]?.intValue, let size = pending["length"]?.intValue else { continue }
                if !published.contains(number), let format = inProgress[number] {
                    try await publish(Part(number: number, length: size), format: format, in: folder, stream: stream, truncate: true)
                    published.insert(number)
                    inProgress[number] = nil
                }
            }
            files = StreamFiles(directory: folder, stream: stream, current: Part(number: part, length: length))
            var publishedElsewhere = false
            if let publisher, inProgress[part] == nil, length > 0 {
                let name = remoteName(stream.name)
                for format in FileFormat.allCases where try await publisher.isPublished(number: part, format: format, stream: name) {
                    publishedElsewhere = true
                }
            }
            if published.contains(part) || publishedElsewhere, inProgress[part] == nil {
                // The previous run ended successfully and published this part: start the next one.
                files.current = Part(number: part + 1, length: 0)
            } else if let format = inProgress[part], format != settings.format {
                // Written in another format before the config changed: published as it was staged.
                if length > 0 {
                    try await publish(Part(number: part, length: length), format: format, in: folder, stream: stream, truncate: true)
                }
                inProgress[part] = nil
                files.current = Part(number: part + 1, length: 0)
                try FileSystem.syncDirectory(folder)
            } else if let format = inProgress[part], length > 0, let publisher,
                try await publisher.isPublished(number: part, format: format, stream: remoteName(stream.name))
            {
                // Uploaded when a run ended, then stopped before its staging was removed: the
                // object is the part, complete; it never changes, so the next part begins.
                unlink(path(folder, inProgress: part, format: format))
                inProgress[part] = nil
                files.current = Part(number: part + 1, length: 0)
            } else if inProgress[part] != nil {
                try reopen(&files, truncatingTo: length)
            } else if length > 0 {
                throw ChatExportError(
                    .storageFailure,
                    "files sink: \(path(folder, inProgress: part)) is missing but the checkpoint says it holds \(length) committed bytes; "
                        + "restore it, or reset the stream's state to export it again"
                )
            }
            for (stale, format) in inProgress where stale > files.current.number {
                unlink(path(folder, inProgress: stale, format: format))
            }
        } else {
            if let publisher, try await publisher.publishedCount(of: remoteName(stream.name)) > 0 {
                throw ChatExportError(
                    .invalidConfig,
                    "\(publisher.location) holds published parts of stream \(stream.name) but the checkpoint has no position for it "
                        + "(it was reset, deleted or made without this sink): writing would export those records again beside them; "
                        + "run `chat-export run CONFIG --full-refresh` to set the old parts aside and export again, or move them")
            }
            if !published.isEmpty {
                throw ChatExportError(
                    .invalidConfig,
                    "files sink: \(folder) holds \(published.count) published parts but the checkpoint has no position for stream \(stream.name) "
                        + "(it was reset, deleted or made without this sink): writing would export those records again beside them; "
                        + "run `chat-export run CONFIG --full-refresh` to set the old parts aside and export again, or move them out of \(folder)"
                )
            }
            for (stale, format) in inProgress.sorted(by: { $0.key < $1.key }) {
                logger.warning("files sink: removing \(path(folder, inProgress: stale, format: format)), which no checkpoint covers")
                unlink(path(folder, inProgress: stale, format: format))
            }
            let next = (inProgress.keys.max() ?? 0) + 1
            files = StreamFiles(directory: folder, stream: stream, current: Part(number: next, length: 0))
        }
        streams[stream.name] = files
    }

    /// Appends the batch's records to the in-progress part, rotating by size.
    ///
    /// - Parameter batch: The records.
    /// - Throws: ``ChatExportError`` on a write failure (disk full, …).
    public func write(_ batch: RecordBatch) async throws {
        guard var files = streams[batch.stream] else {
            throw ChatExportError(.failure, "files sink: stream \(batch.stream) was not opened")
        }
        defer { streams[batch.stream] = files }
        var buffer: [UInt8] = []
        swap(&buffer, &scratch)
        defer {
            buffer.removeAll(keepingCapacity: true)
            scratch = buffer
        }
        buffer.reserveCapacity(FilesSink.chunkBytes + 64 * 1024)
        let format = settings.format
        let syncedAt = Timestamp.now.microseconds
        for record in batch.records {
            let size = record.json.count + 1
            if files.current.length + buffer.count > 0, files.current.length + buffer.count + size > settings.maxFileBytes {
                try append(&buffer, to: &files)
                try rotate(&files)
            }
            format.stage(record, syncedAt: syncedAt, to: &buffer)
            if buffer.count >= FilesSink.chunkBytes { try append(&buffer, to: &files) }
        }
        try append(&buffer, to: &files)
    }

    /// fsyncs the in-progress part and returns the position to store with the checkpoint.
    ///
    /// - Parameter commit: The stream being committed.
    /// - Returns: `{"part": N, "length": L, "publish": [{"part": …, "length": …}]}`
    /// - Throws: ``ChatExportError`` when the data cannot be made durable.
    public func commit(_ commit: SinkCommit) async throws -> JSONValue? {
        guard var files = streams[commit.stream] else { return nil }
        if files.fd >= 0, files.dirty {
            guard fsync(files.fd) == 0 else {
                throw ChatExportError(
                    .storageFailure,
                    "files sink: cannot sync \(path(files.directory, inProgress: files.current.number)): \(FileSystem.errorText())")
            }
            files.dirty = false
        }
        if !files.rotated.isEmpty { try FileSystem.syncDirectory(files.directory) }
        files.awaitingPublication += files.rotated
        files.rotated = []
        streams[commit.stream] = files
        let pending = files.awaitingPublication.map { JSONValue.object([("part", .integer($0.number)), ("length", .integer($0.length))]) }
        return .object([
            ("part", .integer(files.current.number)),
            ("length", .integer(files.current.length)),
            ("publish", .array(pending)),
        ])
    }

    /// Publishes the parts that the stored checkpoint now covers.
    ///
    /// - Parameter commit: The committed stream.
    /// - Throws: ``ChatExportError`` when a rename fails.
    public func checkpointSaved(_ commit: SinkCommit) async throws {
        guard var files = streams[commit.stream], !files.awaitingPublication.isEmpty else { return }
        for part in files.awaitingPublication {
            try await publish(part, format: settings.format, in: files.directory, stream: files.stream, truncate: false)
        }
        try FileSystem.syncDirectory(files.directory)
        files.awaitingPublication = []
        streams[commit.stream] = files
    }

    /// On success publishes every in-progress part; on failure only closes files.
    ///
    /// - Parameter succeeded: Whether the run succeeded.
    /// - Throws: ``ChatExportError`` when publishing fails.
    public func finish(succeeded: Bool) async throws {
        for (name, var files) in streams {
            if files.fd >= 0 {
                if succeeded, files.dirty { fsync(files.fd) }
                close(files.fd)
                files.fd = -1
            }
            if succeeded, files.current.length > 0 {
                try await publish(files.current, format: settings.format, in: files.directory, stream: files.stream, truncate: false)
                try FileSystem.syncDirectory(files.directory)
            }
            if succeeded, let generation = settings.generation {
                let parent = settings.directory + "/" + name
                let finished = parent + "/" + generation
                guard rename(files.directory, finished) == 0 else {
                    throw ChatExportError(
                        .storageFailure, "files sink: cannot rename \(files.directory) to \(finished): \(FileSystem.errorText())")
                }
                try FileSystem.syncDirectory(parent)
            }
            streams[name] = files
        }
        streams = [:]
        lock?.release()
        lock = nil
    }

    // MARK: - Parts

    private func append(_ buffer: inout [UInt8], to files: inout StreamFiles) throws {
        guard !buffer.isEmpty else { return }
        if files.fd < 0 { try reopen(&files, truncatingTo: files.current.length) }
        guard JSONLines.writeAll(fd: files.fd, buffer) else {
            let reason = FileSystem.errorText()
            throw ChatExportError(
                .storageFailure, "files sink: cannot write \(path(files.directory, inProgress: files.current.number)): \(reason)")
        }
        files.current.length += buffer.count
        files.dirty = true
        buffer.removeAll(keepingCapacity: true)
    }

    private func rotate(_ files: inout StreamFiles) throws {
        if files.fd >= 0 {
            guard fsync(files.fd) == 0 else {
                throw ChatExportError(
                    .storageFailure,
                    "files sink: cannot sync \(path(files.directory, inProgress: files.current.number)): \(FileSystem.errorText())")
            }
            close(files.fd)
            files.fd = -1
        }
        files.dirty = false
        files.rotated.append(files.current)
        files.current = Part(number: files.current.number + 1, length: 0)
    }

    private func reopen(_ files: inout StreamFiles, truncatingTo length: Int) throws {
        let file = path(files.directory, inProgress: files.current.number)
        let fd = Glibc.open(file, O_WRONLY | O_CREAT | O_CLOEXEC, FileSystem.fileMode)
        guard fd >= 0 else { throw ChatExportError(.storageFailure, "files sink: cannot open \(file): \(FileSystem.errorText())") }
        var info = stat()
        fstat(fd, &info)
        if Int(info.st_size) < length {
            close(fd)
            throw ChatExportError(
                .storageFailure, "files sink: \(file) holds \(info.st_size) bytes but the checkpoint says \(length) were committed")
        }
        guard ftruncate(fd, off_t(length)) == 0, lseek(fd, 0, SEEK_END) >= 0 else {
            close(fd)
            throw ChatExportError(.storageFailure, "files sink: cannot truncate \(file): \(FileSystem.errorText())")
        }
        files.fd = fd
        files.current.length = length
    }

    /// Publishes a staged part: a rename for JSON Lines; otherwise a conversion into a
    /// temporary file, renamed into place, then the staging removed.
    private func publish(_ part: Part, format: FileFormat, in folder: String, stream: StreamDescriptor, truncate: Bool) async throws {
        let source = path(folder, inProgress: part.number, format: format)
        if truncate { _ = Glibc.truncate(source, off_t(part.length)) }
        let target = path(folder, published: part.number, format: format)
        if let publisher {
            // Converted beside the staging (unless it is already the published form), sent, then both removed.
            var file = source
            if format != .jsonl {
                file = folder + "/.part-" + FilesSink.digits(part.number) + "." + format.fileExtension + ".publishing"
                try format.convert(staging: source, to: file, stream: stream, rowGroupBytes: settings.maxFileBytes)
            }
            try await publisher.publish(file: file, number: part.number, format: format, stream: remoteName(stream.name))
            if file != source { unlink(file) }
            unlink(source)
            return
        }
        if format != .jsonl {
            let temporary = folder + "/.part-" + FilesSink.digits(part.number) + "." + format.fileExtension + ".publishing"
            try format.convert(staging: source, to: temporary, stream: stream, rowGroupBytes: settings.maxFileBytes)
            guard rename(temporary, target) == 0 else {
                throw ChatExportError(.storageFailure, "files sink: cannot publish \(temporary): \(FileSystem.errorText())")
            }
            try FileSystem.syncDirectory(folder)
            unlink(source)
            return
        }
        guard rename(source, target) == 0 else {
            throw ChatExportError(.storageFailure, "files sink: cannot publish \(source): \(FileSystem.errorText())")
        }
    }

    /// Where a publisher puts a stream's parts: `<stream>`, or `<stream>/<generation>` for a backfill.
    private func remoteName(_ stream: String) -> String {
        settings.generation.map { stream + "/" + $0 } ?? stream
    }

    private func path(_ folder: String, inProgress number: Int, format: FileFormat? = nil) -> String {
        folder + "/.part-" + FilesSink.digits(number) + "." + (format ?? settings.format).fileExtension + ".inprogress"
    }

    private func path(_ folder: String, published number: Int, format: FileFormat) -> String {
        folder + "/part-" + FilesSink.digits(number) + "." + format.fileExtension
    }

    static func digits(_ number: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, 8 - text.count)) + text
    }

    /// `part-00000001.<ext>`: the part's number and format.
    static func partNumber(published name: String) -> (number: Int, format: FileFormat)? {
        guard name.hasPrefix("part-") else { return nil }
        return numbered(name.dropFirst(5))
    }

    /// `.part-00000001.<ext>.inprogress`: the part's number and format.
    static func partNumber(inProgress name: String) -> (number: Int, format: FileFormat)? {
        guard name.hasPrefix(".part-"), name.hasSuffix(".inprogress") else { return nil }
        return numbered(name.dropFirst(6).dropLast(11))
    }

    private static func numbered(_ rest: Substring) -> (number: Int, format: FileFormat)? {
        guard let dot = rest.firstIndex(of: "."), let number = Int(rest[..<dot]),
            let format = FileFormat(rawValue: String(rest[rest.index(after: dot)...]))
        else { return nil }
        return (number, format)
    }
}

extension FilesSink {
    /// The options of `type: "files"`, each declared once (schema, validation, value).
    public enum Options {
        /// `dir`
        public static let directory = OptionSpec(
            "dir", .path, required: true, summary: "The output directory; relative to the config file's directory.")
        /// `max_file_bytes`
        public static let maxFileBytes = Option.integer(
            "max_file_bytes", 1024...1 << 40, default: 128 * 1024 * 1024,
            summary: "Start a new part before its records would exceed this many bytes (uncompressed).")
        /// `format`
        public static let format = Option.oneOf(
            "format", FileFormat.allCases.map(\.rawValue), default: FileFormat.jsonl.rawValue,
            summary:
                "How parts are written: jsonl, jsonl.gz (one gzip member a part) or parquet (_id, cursor, parent, data as JSON, synced_at)."
        )
    }

    /// The registry entry for `type: "files"`.
    public static let registryEntry = Registry.SinkEntry(
        type: "files",
        summary: "JSON Lines, gzip JSON Lines or Parquet files under dir/<stream>/, published atomically, rotated by size, exactly once.",
        options: [Options.directory, Options.maxFileBytes.spec, Options.format.spec],
        make: { options, context in
            FilesSink(
                settings: Settings(
                    directory: options.path("dir") ?? ".", maxFileBytes: options[Options.maxFileBytes], generation: context.generation,
                    format: FileFormat(rawValue: options[Options.format]) ?? .jsonl),
                logger: context.logger
            )
        }
    )
}
