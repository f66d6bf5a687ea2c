/// What a stream's stored state describes: the source type, the vendor instance, the bot, the
/// stream and how it is read. The runner stamps it on every state it stores and refuses to apply
/// a stored state to a stream whose identity differs, so a checkpoint made for one bot, API
/// version or cursor mode is never followed by another.
public struct StreamIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The config `type` of the source (`ada-v2`).
    public var source: String
    /// The vendor instance: host, and port when not the scheme's default (`acme.ada.support`).
    /// The scheme and a trailing slash do not count: they do not change whose data it is.
    public var instance: String?
    /// The bot inside the instance, where the API names one (DeepConverse's `bot_name`).
    public var bot: String?
    /// The stream.
    public var stream: String
    /// How the stream is read (`updated`, `created`), where that can change.
    public var cursor: String?
    /// The job's transforms that change the stream's records, and a fingerprint of their settings
    /// (`redact, pseudonymize #3f9a…`; never a key), or nil when none does.
    public var transforms: String?

    /// Creates an identity.
    ///
    /// - Parameters:
    ///   - source: The source's config `type`.
    ///   - instance: The vendor instance (see ``instance(of:)``).
    ///   - bot: The bot, if the API names one.
    ///   - stream: The stream.
    ///   - cursor: The cursor mode.
    public init(source: String, instance: String? = nil, bot: String? = nil, stream: String, cursor: String? = nil) {
        self.source = source
        self.instance = instance
        self.bot = bot
        self.stream = stream
        self.cursor = cursor
    }

    /// The instance part of a base URL: the host, with the port only when it is not the
    /// scheme's default.
    ///
    /// - Parameter baseURL: The configured base URL.
    /// - Returns: For example `acme.ada.support` or `127.0.0.1:8080`; the text itself when it is not a URL.
    public static func instance(of baseURL: String) -> String {
        HTTPOrigin(baseURL)?.instance ?? baseURL
    }

    /// The identity as stored: `{"source": …, "instance": …, "bot": …, "stream": …, "cursor": …}`.
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("source", .string(source))]
        if let instance { members.append(("instance", .string(instance))) }
        if let bot { members.append(("bot", .string(bot))) }
        members.append(("stream", .string(stream)))
        if let cursor { members.append(("cursor", .string(cursor))) }
        if let transforms { members.append(("transforms", .string(transforms))) }
        return .object(members)
    }

    /// Reads a stored identity.
    ///
    /// - Parameter json: The stored value.
    /// - Returns: nil when it is not an identity object.
    public init?(json: JSONValue) {
        guard let source = json["source"]?.stringValue, let stream = json["stream"]?.stringValue else { return nil }
        self.init(
            source: source, instance: json["instance"]?.stringValue, bot: json["bot"]?.stringValue, stream: stream,
            cursor: json["cursor"]?.stringValue)
        transforms = json["transforms"]?.stringValue
    }

    /// What differs from `stored`, one phrase per part (`source type: stored ada-v2, now ada-v1.4`).
    ///
    /// - Parameter stored: The identity in the checkpoint.
    /// - Returns: Empty when they describe the same stream.
    public func differences(from stored: StreamIdentity) -> [String] {
        func text(_ value: String?) -> String { value.map { JSONValue.quoted($0) } ?? "none" }
        var found: [String] = []
        if stored.source != source { found.append("source type: stored \(text(stored.source)), now \(text(source))") }
        if stored.instance != instance { found.append("vendor instance: stored \(text(stored.instance)), now \(text(instance))") }
        if stored.bot != bot { found.append("bot: stored \(text(stored.bot)), now \(text(bot))") }
        if stored.stream != stream { found.append("stream: stored \(text(stored.stream)), now \(text(stream))") }
        if stored.cursor != cursor { found.append("cursor: stored \(text(stored.cursor)), now \(text(cursor))") }
        if stored.transforms != transforms { found.append("transforms: stored \(text(stored.transforms)), now \(text(transforms))") }
        return found
    }

    /// `ada-v2 acme.ada.support messages (cursor created)`
    public var description: String {
        [source, instance, bot.map { "bot \($0)" }, stream, cursor.map { "(cursor \($0))" }, transforms.map { "(transforms \($0))" }]
            .compactMap { $0 }.joined(separator: " ")
    }
}
