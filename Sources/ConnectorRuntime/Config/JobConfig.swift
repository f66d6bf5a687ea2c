/// A job: one source, one or more sinks and a checkpoint location, built from a JSON config.
public struct JobConfig: Sendable {
    /// The source and its validated options.
    public var source: any Source
    /// The source's options (for `type`, messages and `spec`).
    public var sourceOptions: ComponentOptions
    /// The sinks, in config order.
    public var sinks: [any Sink]
    /// The sinks' options, in config order.
    public var sinkOptions: [ComponentOptions]
    /// The checkpoint file's path (resolved).
    public var checkpointPath: String
    /// The config file's path, when loaded from a file.
    public var file: String?
}
