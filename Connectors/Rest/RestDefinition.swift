public import ConnectorHTTP
public import ConnectorKit

/// A vendor's export API described in JSON instead of Swift: what a `rest` source requests and
/// how it reads the answers (`{"source": {"type": "rest", "definition": "acme.json", …}}`).
///
/// The runtime supplies everything else, and nothing here can switch its rails off:
/// credentials go only to the configured origin and never follow a redirect; both time bounds
/// are sent on every request, next links included; a cursor or link that repeats, a page that
/// does not advance, and a cursor missing from a page are errors; checkpoints resume inside a
/// window. `chat-export spec rest-definition` prints the format's JSON Schema.
public struct RestDefinition: Sendable {
    /// The definition's name, stored in checkpoints and identities (`ada-v2`, `acme-chat`).
    public var name: String
    /// A person's name for the API (`Ada Data Export v2`).
    public var title: String
    /// One line for `chat-export list` and `spec`.
    public var summary: String
    /// The options a job gives (typed, with defaults and bounds).
    public var options: [DeclaredOption]
    /// The base URL: `{option}` or `{option}/path`, the option of type `url` (the job's origin).
    public var baseURL: String
    /// How requests are authenticated.
    public var auth: Auth
    /// What `check` calls the credential it verified (`token`, `API key`): the auth's `label`.
    public var credentialLabel = "credentials"
    /// The vendor's documented limits (the defaults of `rate_limits`).
    public var rateLimits: RateLimits
    /// How error answers are read.
    public var errors: Errors
    /// The time range and its windows.
    public var range: Range
    /// A template naming the bot inside the instance, where the API has bots (`{bot_name}`):
    /// part of every checkpoint's identity.
    public var bot: String?
    /// The streams.
    public var streams: [Stream]

    /// An option a job gives, declared the way native connectors declare theirs.
    public struct DeclaredOption: Sendable {
        /// The option's key.
        public var name: String
        /// Its type (`streams` is a list of this definition's stream names).
        public var type: OptionSpec.ValueType
        /// Whether a job must give it.
        public var required: Bool
        /// Its value when absent.
        public var defaultValue: JSONValue?
        /// Documentation.
        public var summary: String

        /// Whether it selects streams (a list of the definition's stream names).
        var isStreams: Bool { kind == "streams" }

        /// Its type as a definition writes it (`timestamp`, `enum`, `streams`, …).
        var kind: String {
            switch type {
            case .string: "string"
            case .secret: "secret"
            case .url: "url"
            case .path: "path"
            case .integer: "integer"
            case .number: "number"
            case .boolean: "boolean"
            case .timestamp: "timestamp"
            case .duration: "duration"
            case .oneOf: "enum"
            case .list: "streams"
            case .object: "object"
            }
        }
    }

    /// How requests are authenticated; every credential is an option of type `secret`.
    public enum Auth: Sendable, Hashable {
        /// No credential.
        case none
        /// `Authorization: Bearer <option>`.
        case bearer(option: String)
        /// A header carrying the option's value.
        case header(name: String, option: String)
        /// A query parameter carrying the option's value (added as each request is sent, never stored).
        case queryParameter(name: String, option: String)
        /// `Authorization: Basic` from a user option and a password option.
        case basic(userOption: String, passwordOption: String)
    }

    /// How error answers are read.
    public struct Errors: Sendable {
        /// Where the message is, tried in order (`[["errors", 0, "message"], ["message"]]`);
        /// empty for the common shapes.
        public var messagePaths: [[PathStep]]
        /// Statuses meaning the credentials were rejected (401 and 403 always do).
        public var credentialStatuses: Set<Int>
        /// Statuses meaning the job's config is wrong, with what to tell the user (a template).
        public var configStatuses: [Int: String]
    }

    /// A step of a path into a JSON value: a member or an array element.
    public enum PathStep: Sendable, Hashable {
        /// An object member.
        case key(String)
        /// An array element.
        case index(Int)
    }

    /// The time range a run covers and how it is cut into windows. Each value names an option.
    public struct Range: Sendable {
        /// The option holding where a first run starts (nil: the oldest retained data).
        public var start: String?
        /// The option holding where reading ends.
        public var end: String?
        /// The option holding how far behind now to stop.
        public var lag: String?
        /// The option holding the longest window in days.
        public var windowDays: String?
        /// The option holding the window in hours (instead of days), if offered.
        public var windowHours: String?
        /// The option holding how many windows of a stream are read at once.
        public var maxConcurrentWindows: String?
        /// The option holding how far before its checkpoint a re-run reads again.
        public var lookback: String?
        /// How many days back the vendor keeps data, if it says (requests never go further).
        public var retentionDays: Int?
        /// How to say so in a warning ("the 12 months Ada keeps").
        public var retentionDescription: String?
    }

    /// One stream: where it is, how its records look, how it pages.
    public struct Stream: Sendable {
        /// Its name (the table's).
        public var name: String
        /// One line (a template).
        public var summary: String
        /// The path below the base URL (a template).
        public var path: String
        /// Fixed query parameters, values as templates (`bot_name`).
        public var query: [(name: String, value: String)]
        /// The top-level keys that may hold the record array, in order (`["data", "items"]`).
        public var records: [String]
        /// The keys from the record's root to its unique id (`["_id"]`, `["meta", "id"]`).
        public var idPath: [String]
        /// The cursor field (a template), its column, and its format.
        public var cursor: Cursor
        /// A tag stored with the checkpoint (a template, like `{conversations_cursor}`): a change
        /// of it is refused instead of misapplied. Also the identity's cursor mode.
        public var cursorTag: String?
        /// The keys to the parent's id, and its column.
        public var parent: (path: [String], column: String)?
        /// The time bounds every request carries.
        public var bounds: Bounds
        /// How pages follow one another inside a window.
        public var paging: Paging
        /// The page size's query parameter and the option holding it.
        public var pageSize: (parameter: String, option: String)?
        /// Whether the stream is read again for records shown late (the range's `lookback`);
        /// true unless the definition says `false`.
        public var lookback: Bool
        /// Well-known fields, as typed view columns.
        public var fields: [FieldDescriptor]
        /// The mapping onto the conversation model, if any.
        public var canonical: CanonicalMapping?
        /// The fields that identify a record's end user (`end_user_id`), for `forget`.
        public var endUserPaths: [[String]] = []
    }

    /// A stream's cursor: the time each record is read by.
    public struct Cursor: Sendable {
        /// The keys from the record's root to it (templates).
        public var path: [String]
        /// The table column it becomes (a template).
        public var column: String
        /// How it is written.
        public var format: RecordLayout.CursorFormat
    }

    /// The time bounds of a request.
    public struct Bounds: Sendable {
        /// The start parameter (a template).
        public var start: String
        /// The end parameter (a template).
        public var end: String
        /// How times are written in the query.
        public var format: TimeFormat
        /// Whether the vendor's end includes its own instant (then one unit less is sent).
        public var endInclusive: Bool
        /// Whether the vendor's start includes its own instant (otherwise one unit less is sent).
        public var startInclusive: Bool
    }

    /// How a time is written in a query.
    public enum TimeFormat: String, Sendable, CaseIterable {
        /// UTC ISO-8601 ending in `Z`, with microseconds only when needed.
        case iso8601
        /// Whole Unix seconds (windows are rounded outwards to whole seconds).
        case epochSeconds = "epoch_seconds"
        /// Unix milliseconds.
        case epochMilliseconds = "epoch_milliseconds"
    }

    /// How pages follow one another inside a window.
    public enum Paging: Sendable {
        /// An advancing inclusive lower bound (the start parameter), from the vendor's next link
        /// when `nextLink` is set, else from the last record's time while pages are full;
        /// records at the boundary are dropped by id, and a tie longer than a page is read again
        /// in one page of `largestPage`.
        case lowerBound(nextLink: [String]?, largestPage: Int)
        /// The vendor's next link (absolute, rooted or relative), absent or null at the end.
        case nextLink([String])
        /// An opaque cursor in the body, sent back as `parameter`, null at the end; a stored
        /// cursor answered by one of `restartOn` restarts its window.
        case cursor(path: [String], parameter: String, restartOn: Set<Int>)
        /// An offset (records skipped) sent as `parameter`, while pages are full.
        case offset(parameter: String)
        /// A page number sent as `parameter`, from `first`, while pages are full.
        case page(parameter: String, first: Int)
    }
}
