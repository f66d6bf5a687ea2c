/// One vendor record: its raw JSON bytes exactly as the vendor sent them, plus the few fields the
/// runtime needs, extracted once by the scanner.
///
/// Records are never decoded into dictionaries nor re-serialized: sinks write ``json`` as is.
/// The bytes are a slice of the vendor's page buffer, so a page's records share one allocation.
public struct Record: Sendable {
    /// The stream the record belongs to (for example `messages`).
    public var stream: String
    /// The vendor's unique id (`_id`), used to drop page-boundary re-sends and to upsert.
    public var id: String
    /// The record's cursor timestamp (for example `date_created`), when it has one.
    public var cursor: Timestamp?
    /// The parent record's id (a message's conversation), when the stream has a parent.
    public var parentID: String?
    /// The record's JSON object, byte for byte as received.
    public var json: ArraySlice<UInt8>

    /// Creates a record.
    ///
    /// - Parameters:
    ///   - stream: The stream name.
    ///   - id: The vendor's unique id.
    ///   - cursor: The cursor timestamp.
    ///   - parentID: The parent record's id.
    ///   - json: The raw JSON object bytes.
    public init(stream: String, id: String, cursor: Timestamp?, parentID: String? = nil, json: ArraySlice<UInt8>) {
        self.stream = stream
        self.id = id
        self.cursor = cursor
        self.parentID = parentID
        self.json = json
    }

    /// The record's JSON as a string (for tests and diagnostics; sinks use ``json``).
    public var jsonText: String { String(decoding: json, as: UTF8.self) }
}
