/// How a stream's records map onto the vendor-neutral model of a chatbot conversation, declared
/// by its connector: SQL sinks build the `chat_conversations` and `chat_messages` views from it
/// (a union over every connector's tables in the database), reading the stored JSON as is.
public struct CanonicalMapping: Sendable, Hashable {
    /// What a stream's records are.
    public enum Kind: String, Sendable, Hashable {
        /// Conversations (`chat_conversations`).
        case conversation
        /// Messages (`chat_messages`).
        case message
    }

    /// A canonical column's type.
    public enum ColumnType: Sendable, Hashable {
        /// Text.
        case text
        /// A UTC time (ISO-8601 text in SQLite, `timestamptz` in PostgreSQL).
        case time
        /// A boolean.
        case boolean
        /// A number.
        case number
    }

    /// Where a canonical value comes from.
    public indirect enum Value: Sendable, Hashable {
        /// A column of the stream's table (`_id`, the cursor or parent column).
        case column(String)
        /// The first of these JSON paths that holds a value.
        case path([[String]])
        /// A constant text.
        case constant(String)
        /// Nothing known (NULL).
        case none
        /// The role of a message: the first rule that matches its record gives the role;
        /// `otherwise` when none does.
        case role(rules: [RoleRule], otherwise: String)
        /// Whether the JSON array at a path contains a text.
        case contains([String], String)
        /// A number at a path scaled from `min...max` to 0...1.
        case scaled([String], min: Double, max: Double)
        /// A language tag's primary subtag, lowercased (`en-US`, `en_us` and `EN` are all `en`);
        /// NULL for an empty value.
        case primarySubtag(Value)
    }

    /// A rule of ``Value/role(rules:otherwise:)``: when the value at ``path`` fits ``match``, the
    /// message has ``role``.
    public struct RoleRule: Sendable, Hashable {
        /// How a rule tests the value at its path. Only a JSON string equals a text; a number,
        /// boolean, object or array is none of the texts.
        public enum Match: Sendable, Hashable {
            /// The value is this text.
            case equals(String)
            /// The value is one of these texts.
            case oneOf([String])
            /// The value is present, not null, and none of these texts (an absent or null value
            /// does not match).
            case noneOf([String])
        }

        /// The JSON path tested.
        public var path: [String]
        /// How its value is tested.
        public var match: Match
        /// The role it gives.
        public var role: String

        /// Creates a rule.
        ///
        /// - Parameters:
        ///   - path: The JSON path tested.
        ///   - match: How its value is tested.
        ///   - role: The role it gives.
        public init(_ path: [String], _ match: Match, role: String) {
            self.path = path
            self.match = match
            self.role = role
        }

        /// Creates a rule that matches one text.
        ///
        /// - Parameters:
        ///   - path: The JSON path tested.
        ///   - equals: The text its value must be.
        ///   - role: The role it gives.
        public init(_ path: [String], equals: String, role: String) {
            self.init(path, .equals(equals), role: role)
        }
    }

    /// The columns of `chat_conversations`, in order, with their types.
    public static let conversationColumns: [(name: String, type: ColumnType)] = [
        ("vendor", .text), ("conversation_id", .text), ("started_at", .time), ("updated_at", .time), ("channel", .text),
        ("language", .text), ("language_tag", .text), ("is_escalated", .boolean), ("is_engaged", .boolean), ("csat_score", .number),
        ("csat_normalized", .number), ("end_user_id", .text),
    ]

    /// The columns of `chat_messages`, in order, with their types.
    public static let messageColumns: [(name: String, type: ColumnType)] = [
        ("vendor", .text), ("message_id", .text), ("conversation_id", .text), ("sent_at", .time), ("role", .text), ("text", .text),
        ("message_type", .text), ("intent", .text),
    ]

    /// What the stream's records are.
    public var kind: Kind
    /// The values by canonical column name (`vendor` is added from ``vendor``, and `language`
    /// becomes its primary subtag beside the vendor's value in `language_tag`); absent ones are NULL.
    public var values: [String: Value]

    /// The view a stream's rows join: `chat_conversations` or `chat_messages`.
    public var view: String { kind == .conversation ? "chat_conversations" : "chat_messages" }

    /// The canonical columns of ``kind``.
    public var columns: [(name: String, type: ColumnType)] {
        kind == .conversation ? Self.conversationColumns : Self.messageColumns
    }

    /// Creates a mapping.
    ///
    /// - Parameters:
    ///   - kind: Conversations or messages.
    ///   - vendor: The vendor's name in the `vendor` column (`ada`, `deepconverse`).
    ///   - values: The other columns.
    ///   - values: The other columns. A `language` is the vendor's value: the view shows its
    ///     primary subtag there and the value as given in `language_tag` (unless that is given).
    public init(_ kind: Kind, vendor: String, _ values: [String: Value]) {
        self.kind = kind
        var values = values.merging(["vendor": .constant(vendor)]) { $1 }
        if let language = values["language"], language != .none {
            if case .primarySubtag = language {
            } else {
                values["language_tag"] = values["language_tag"] ?? language
                values["language"] = .primarySubtag(language)
            }
        }
        self.values = values
    }
}
