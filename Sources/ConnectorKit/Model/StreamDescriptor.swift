/// What a source says about one of its streams.
///
/// Sinks use it to shape storage: the cursor and parent become real columns, and ``fields`` (the
/// vendor's commonly used fields) become convenience views, so a new connector gets them without
/// touching any sink.
public struct StreamDescriptor: Sendable, Hashable {
    /// The stream name (`conversations`, `messages`).
    public var name: String
    /// One line about the stream.
    public var summary: String
    /// The vendor field the cursor comes from (for example `date_updated`).
    public var cursorField: String?
    /// The normalised column name for the cursor (for example `updated_at`).
    public var cursorColumn: String
    /// The vendor field holding the parent's id (for example `conversation_id`).
    public var parentField: String?
    /// The normalised column name for the parent id.
    public var parentColumn: String?
    /// The vendor's well-known fields, for views.
    public var fields: [FieldDescriptor]
    /// How the records map onto the vendor-neutral conversation model, if they do.
    public var canonical: CanonicalMapping?
    /// The keys from the record's root to its unique id (`["_id"]`; `["meta", "id"]` for a
    /// nested one): with the cursor and parent fields, what a transform may never change.
    public var idPath: [String] = ["_id"]
    /// The fields that identify the end user a record belongs to (Ada's `end_user_id` and
    /// `chatter_id`), each as keys from the record's root: how `chat-export forget` finds a
    /// person's records, and how later runs hold them back.
    public var endUserPaths: [[String]] = []

    /// Creates a descriptor.
    ///
    /// - Parameters:
    ///   - name: The stream name.
    ///   - summary: One line about the stream.
    ///   - cursorField: The vendor field the cursor comes from.
    ///   - cursorColumn: The normalised cursor column name.
    ///   - parentField: The vendor field holding the parent's id.
    ///   - parentColumn: The normalised parent column name.
    ///   - fields: Well-known fields.
    ///   - canonical: The mapping onto the conversation model.
    public init(
        name: String,
        summary: String,
        cursorField: String?,
        cursorColumn: String = "cursor_at",
        parentField: String? = nil,
        parentColumn: String? = nil,
        fields: [FieldDescriptor] = [],
        canonical: CanonicalMapping? = nil
    ) {
        self.name = name
        self.summary = summary
        self.cursorField = cursorField
        self.cursorColumn = cursorColumn
        self.parentField = parentField
        self.parentColumn = parentColumn ?? parentField
        self.fields = fields
        self.canonical = canonical
    }
}

extension StreamDescriptor {
    /// The descriptor with ``endUserPaths`` set.
    ///
    /// - Parameter paths: The fields that identify a record's end user, as keys from the root.
    /// - Returns: The descriptor.
    public func identifyingEndUsers(by paths: [[String]]) -> StreamDescriptor {
        var descriptor = self
        descriptor.endUserPaths = paths
        return descriptor
    }
}

/// A commonly used vendor field, declared by a connector for sinks that expose columns.
public struct FieldDescriptor: Sendable, Hashable {
    /// The value type of a field.
    public enum ValueType: String, Sendable, Hashable {
        /// Text.
        case text
        /// A whole number.
        case integer
        /// A floating-point number.
        case real
        /// A boolean.
        case boolean
        /// A timestamp.
        case timestamp
        /// A JSON object or array, kept as JSON text.
        case json
    }

    /// The column name.
    public var name: String
    /// The path of object keys from the record's root (for example `["csat", "score"]`).
    public var path: [String]
    /// The value type.
    public var type: ValueType

    /// Creates a field descriptor.
    ///
    /// - Parameters:
    ///   - name: The column name.
    ///   - path: The path of keys from the record's root.
    ///   - type: The value type.
    public init(_ name: String, path: [String]? = nil, type: ValueType = .text) {
        self.name = name
        self.path = path ?? [name]
        self.type = type
    }
}
