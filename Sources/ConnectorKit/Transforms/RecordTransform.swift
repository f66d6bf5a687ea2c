/// A change a job makes to every record of some streams after the source and before any sink
/// (`"transforms": [{"type": "redact"}]`): redacting personal data, pseudonymizing identifiers,
/// dropping fields.
///
/// ## Implementation requirements
/// - Edit the record's raw bytes where they change and keep every other byte as the vendor sent
///   it; never re-serialise the record.
/// - Never change what identifies a record: its id, cursor or parent field (``StreamDescriptor``'s
///   ``StreamDescriptor/idPath``, ``StreamDescriptor/cursorField`` and
///   ``StreamDescriptor/parentField``). Refuse a configuration that names one in ``issues(for:)``.
/// - Be deterministic: the same record and settings give the same bytes in every run, so a
///   record read again is recognised and a join over a pseudonym holds.
/// - ``settings`` describes everything that changes the output and nothing secret (a key is
///   represented by a check value), so the checkpoint can record what made a stream's data.
public protocol RecordTransform: Sendable {
    /// The config `type` (`redact`).
    var type: String { get }

    /// The streams it changes, or nil for every stream.
    var streams: Set<String>? { get }

    /// Its settings as stored in the checkpoint's fingerprint: everything that changes its
    /// output, never a secret.
    var settings: JSONValue { get }

    /// What is wrong with applying it to `stream`: a path that names the stream's id, cursor or
    /// parent, for example.
    ///
    /// - Parameter stream: A stream of the job it applies to.
    /// - Returns: Problems, each with the JSON path suffix of the offending option (`.paths[1]`).
    func issues(for stream: StreamDescriptor) -> [(suffix: String, message: String)]

    /// Transforms records of `stream` in place.
    ///
    /// - Parameters:
    ///   - records: Records of `stream`, as the source read them (or as earlier transforms left them).
    ///   - stream: Their stream.
    /// - Throws: ``ChatExportError`` when a record cannot be read.
    func apply(to records: inout [Record], of stream: StreamDescriptor) throws
}

extension RecordTransform {
    /// Whether it changes the records of `stream`.
    ///
    /// - Parameter stream: A stream name.
    /// - Returns: True when ``streams`` is nil or holds it.
    public func applies(to stream: String) -> Bool { streams?.contains(stream) ?? true }
}

/// The transforms of a job, in order, and what they mean for the checkpoint.
public enum RecordTransforms {
    /// What the checkpoint records for the transforms that change `stream`: their types in order
    /// and a fingerprint of their settings (`redact, pseudonymize #3f9a0c1d5e7b2a64`), or nil
    /// when none does.
    ///
    /// - Parameters:
    ///   - transforms: The job's transforms.
    ///   - stream: The stream.
    /// - Returns: The stamp.
    public static func stamp(_ transforms: [any RecordTransform], for stream: String) -> String? {
        let applying = transforms.filter { $0.applies(to: stream) }
        guard !applying.isEmpty else { return nil }
        let settings = JSONValue.array(applying.map { .object([("type", .string($0.type)), ("settings", $0.settings)]) })
        // A fixed key: the fingerprint only tells settings apart, it protects nothing.
        let digest = SipHash(k0: 0x6368_6174_2d65_7870, k1: 0x7472_616e_7366_6f72).hash(Array(settings.serialized(pretty: false).utf8))
        let hex = String(digest, radix: 16)
        return applying.map(\.type).joined(separator: ", ") + " #" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
