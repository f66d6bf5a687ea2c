/// Which fields of a record the scanner extracts (top-level ones, or paths into nested objects),
/// and how to read its cursor.
public struct RecordLayout: Sendable, Hashable {
    /// How a cursor field's value is written.
    public enum CursorFormat: Sendable, Hashable {
        /// ISO-8601 text (a zone-less value is UTC).
        case iso8601
        /// Epoch seconds or milliseconds (told apart by magnitude), or ISO-8601 text.
        case epochOrISO8601
    }

    /// The field holding the unique id (`_id`; `meta.id` for a nested one, in messages).
    public var idField: String
    /// The field holding the cursor timestamp, if the stream has one.
    public var cursorField: String?
    /// How the cursor is written.
    public var cursorFormat: CursorFormat
    /// Whether a record without a readable cursor is an error (otherwise its cursor is nil).
    public var cursorRequired: Bool
    /// The field holding the parent's id, if any.
    public var parentField: String?
    /// The keys from the record's root to the id (`["_id"]`, or `["meta", "id"]`).
    public var idPath: [String]
    /// The keys from the record's root to the cursor.
    public var cursorPath: [String]?
    /// The keys from the record's root to the parent's id.
    public var parentPath: [String]?

    /// Creates a layout.
    ///
    /// - Parameters:
    ///   - idField: The unique id field.
    ///   - cursorField: The cursor field.
    ///   - cursorFormat: How the cursor is written.
    ///   - cursorRequired: Whether a missing or unreadable cursor is an error.
    ///   - parentField: The parent id field.
    public init(
        idField: String = "_id",
        cursorField: String?,
        cursorFormat: CursorFormat = .iso8601,
        cursorRequired: Bool = true,
        parentField: String? = nil
    ) {
        self.idField = idField
        self.cursorField = cursorField
        self.cursorFormat = cursorFormat
        self.cursorRequired = cursorRequired
        self.parentField = parentField
        self.idPath = [idField]
        self.cursorPath = cursorField.map { [$0] }
        self.parentPath = parentField.map { [$0] }
    }

    /// Creates a layout whose fields may sit in nested objects.
    ///
    /// - Parameters:
    ///   - idPath: Keys from the record's root to the unique id.
    ///   - cursorPath: Keys to the cursor.
    ///   - cursorFormat: How the cursor is written.
    ///   - cursorRequired: Whether a missing or unreadable cursor is an error.
    ///   - parentPath: Keys to the parent's id.
    public init(
        idPath: [String], cursorPath: [String]?, cursorFormat: CursorFormat = .iso8601, cursorRequired: Bool = true,
        parentPath: [String]? = nil
    ) {
        self.init(
            idField: idPath.joined(separator: "."), cursorField: cursorPath?.joined(separator: "."), cursorFormat: cursorFormat,
            cursorRequired: cursorRequired, parentField: parentPath?.joined(separator: "."))
        self.idPath = idPath
        self.cursorPath = cursorPath
        self.parentPath = parentPath
    }
}
