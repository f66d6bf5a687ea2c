/// Maps a config `type` string to a factory for a source or a sink.
///
/// The CLI registers the built-ins; an embedding tool builds its own registry with its own
/// connectors. Registration is explicit: nothing is discovered at run time.
public struct Registry: Sendable {
    /// What a factory gets besides its options.
    public struct Context: Sendable {
        /// The job's logger.
        public var logger: ExportLogger
        /// The environment (for components that read more variables).
        public var environment: [String: String]
        /// Set when the run keeps its output apart from the job's regular output (a backfill of a
        /// chosen range): a sink that appends (files) writes a separate generation with this name.
        public var generation: String?

        /// Creates a context.
        ///
        /// - Parameters:
        ///   - logger: The job's logger.
        ///   - environment: The environment.
        ///   - generation: The name of a separate output generation, if the run needs one.
        public init(logger: ExportLogger, environment: [String: String], generation: String? = nil) {
            self.logger = logger
            self.environment = environment
            self.generation = generation
        }
    }

    /// A registered source type.
    public struct SourceEntry: Sendable {
        /// The config `type`.
        public var type: String
        /// One line for `chat-export list`.
        public var summary: String
        /// The options it takes.
        public var options: [OptionSpec]
        /// Builds the source from validated options; throws ``ConfigError`` for semantic problems.
        public var make: @Sendable (ComponentOptions, Context) throws -> any Source
        /// For a type whose options depend on one of them (`rest` and its `definition`): the
        /// entry to validate and build the component with, given its JSON object, its JSON path
        /// and the config file's directory; throws ``ConfigError`` with JSON paths.
        public var resolve: (@Sendable (_ object: JSONValue, _ path: String, _ baseDirectory: String) throws -> SourceEntry)?

        /// Creates an entry.
        ///
        /// - Parameters:
        ///   - type: The config `type`.
        ///   - summary: One line.
        ///   - options: The options.
        ///   - make: The factory.
        ///   - resolve: For options that depend on one of them, the concrete entry.
        public init(
            type: String,
            summary: String,
            options: [OptionSpec],
            resolve: (@Sendable (_ object: JSONValue, _ path: String, _ baseDirectory: String) throws -> SourceEntry)? = nil,
            make: @escaping @Sendable (ComponentOptions, Context) throws -> any Source
        ) {
            self.type = type
            self.summary = summary
            self.options = options
            self.resolve = resolve
            self.make = make
        }
    }

    /// A registered sink type.
    public struct SinkEntry: Sendable {
        /// The config `type`.
        public var type: String
        /// One line for `chat-export list`.
        public var summary: String
        /// The options it takes.
        public var options: [OptionSpec]
        /// Builds the sink from validated options; throws ``ConfigError`` for semantic problems.
        public var make: @Sendable (ComponentOptions, Context) throws -> any Sink

        /// Creates an entry.
        ///
        /// - Parameters:
        ///   - type: The config `type`.
        ///   - summary: One line.
        ///   - options: The options.
        ///   - make: The factory.
        public init(
            type: String,
            summary: String,
            options: [OptionSpec],
            make: @escaping @Sendable (ComponentOptions, Context) throws -> any Sink
        ) {
            self.type = type
            self.summary = summary
            self.options = options
            self.make = make
        }
    }

    /// A registered transform type (an element of a job's `transforms`).
    public struct TransformEntry: Sendable {
        /// The config `type`.
        public var type: String
        /// One line for `chat-export list`.
        public var summary: String
        /// The options it takes.
        public var options: [OptionSpec]
        /// Builds the transform from validated options; throws ``ConfigError`` for semantic problems.
        public var make: @Sendable (ComponentOptions, Context) throws -> any RecordTransform

        /// Creates an entry.
        ///
        /// - Parameters:
        ///   - type: The config `type`.
        ///   - summary: One line.
        ///   - options: The options.
        ///   - make: The factory.
        public init(
            type: String, summary: String, options: [OptionSpec],
            make: @escaping @Sendable (ComponentOptions, Context) throws -> any RecordTransform
        ) {
            self.type = type
            self.summary = summary
            self.options = options
            self.make = make
        }
    }

    /// Registered sources, in registration order.
    public private(set) var sources: [SourceEntry] = []
    /// Registered sinks, in registration order.
    public private(set) var sinks: [SinkEntry] = []
    /// Registered transforms, in registration order.
    public private(set) var transforms: [TransformEntry] = []

    /// Creates an empty registry.
    public init() {}

    /// Registers a source type, replacing one of the same type.
    ///
    /// - Parameter entry: The source entry.
    public mutating func register(_ entry: SourceEntry) {
        sources.removeAll { $0.type == entry.type }
        sources.append(entry)
    }

    /// Registers a sink type, replacing one of the same type.
    ///
    /// - Parameter entry: The sink entry.
    public mutating func register(_ entry: SinkEntry) {
        sinks.removeAll { $0.type == entry.type }
        sinks.append(entry)
    }

    /// Registers a transform type, replacing one of the same type.
    ///
    /// - Parameter entry: The transform entry.
    public mutating func register(_ entry: TransformEntry) {
        transforms.removeAll { $0.type == entry.type }
        transforms.append(entry)
    }

    /// The transform entry for `type`.
    ///
    /// - Parameter type: The config type.
    /// - Returns: The entry, or nil.
    public func transform(_ type: String) -> TransformEntry? { transforms.first { $0.type == type } }

    /// The source entry for `type`.
    ///
    /// - Parameter type: The config type.
    /// - Returns: The entry, or nil.
    public func source(_ type: String) -> SourceEntry? { sources.first { $0.type == type } }

    /// The sink entry for `type`.
    ///
    /// - Parameter type: The config type.
    /// - Returns: The entry, or nil.
    public func sink(_ type: String) -> SinkEntry? { sinks.first { $0.type == type } }
}
