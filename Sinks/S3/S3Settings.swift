public import ConnectorHTTP
public import ConnectorKit
public import FilesSink

/// An `s3` sink's settings: a value built from validated options.
public struct S3Settings: Sendable {
    /// The bucket.
    public var bucket: String
    /// Prepended to every key (`exports/acme/`): objects are `<prefix><stream>/part-00000001.<ext>`.
    public var prefix: String
    /// The bucket's region (signing scope).
    public var region: String
    /// The endpoint (`https://s3.<region>.amazonaws.com` by default; MinIO, R2, GCS, Ceph: theirs).
    public var endpoint: String
    /// Address the bucket in the path (`endpoint/bucket/key`) rather than the host name.
    public var pathStyle: Bool
    /// The access key id.
    public var accessKeyID: String
    /// The secret access key.
    public var secretAccessKey: Secret
    /// The session token of temporary credentials.
    public var sessionToken: Secret?
    /// How parts are written.
    public var format: FileFormat
    /// A part's most bytes of records (uncompressed).
    public var maxFileBytes: Int
    /// Where parts are staged before upload (exactly once across crashes needs them on disk).
    public var stagingDirectory: String
    /// Bytes of one multipart-upload part; larger files are sent in parts of this size.
    public var partSize: Int = 16 << 20
    /// Attempts per request (5xx, throttling, broken connections).
    public var maxAttempts: Int = 8
    /// The backoff between attempts.
    public var retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(500), maxDelay: .seconds(30))
    /// The longest wait to connect.
    public var connectTimeout: Duration = .seconds(30)
    /// The longest one request (a part of `partSize`) may take.
    public var requestTimeout: Duration = .seconds(900)

    /// Creates settings.
    public init(
        bucket: String, prefix: String, region: String, endpoint: String, pathStyle: Bool, accessKeyID: String, secretAccessKey: Secret,
        sessionToken: Secret?, format: FileFormat, maxFileBytes: Int, stagingDirectory: String
    ) {
        self.bucket = bucket
        self.prefix = prefix
        self.region = region
        self.endpoint = endpoint
        self.pathStyle = pathStyle
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.format = format
        self.maxFileBytes = maxFileBytes
        self.stagingDirectory = stagingDirectory
    }
}
