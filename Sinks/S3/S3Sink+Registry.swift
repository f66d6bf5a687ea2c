public import ConnectorKit
import FilesSink
import Foundation

/// `type: "s3"`: parts of JSON Lines, gzip JSON Lines or Parquet in any S3-compatible object
/// store, exactly once: the files sink's staging and positions, each finished part uploaded under
/// a key its number decides (see ``S3Publisher``).
public enum S3Sink {
    /// The options of `type: "s3"`, each declared once (schema, validation, value).
    public enum Options {
        /// `bucket`
        public static let bucket = OptionSpec("bucket", .string, required: true, summary: "The bucket.")
        /// `prefix`
        public static let prefix = Option.string(
            "prefix", default: "", summary: "Prepended to every key: objects are <prefix><stream>/part-00000001.<ext>.")
        /// `region`
        public static let region = Option.string("region", default: "us-east-1", summary: "The bucket's region.")
        /// `endpoint`
        public static let endpoint = OptionSpec(
            "endpoint", .url, summary: "The store's endpoint; default https://s3.<region>.amazonaws.com (MinIO, R2, GCS, Ceph: theirs).")
        /// `path_style`
        public static let pathStyle = Option.boolean(
            "path_style", default: false, summary: "Address the bucket in the path (endpoint/bucket/key), as MinIO and Ceph often need.")
        /// `format`
        public static let format = Option.oneOf(
            "format", FileFormat.allCases.map(\.rawValue), default: FileFormat.jsonlGzip.rawValue,
            summary: "How parts are written: jsonl.gz (default), parquet or jsonl.")
        /// `max_file_bytes`
        public static let maxFileBytes = Option.integer(
            "max_file_bytes", 1024...1 << 40, default: 128 * 1024 * 1024,
            summary: "Start a new part before its records would exceed this many bytes (uncompressed).")
        /// `access_key_id`
        public static let accessKeyID = OptionSpec(
            "access_key_id", .secret, summary: "The access key id; default $AWS_ACCESS_KEY_ID.")
        /// `secret_access_key`
        public static let secretAccessKey = OptionSpec(
            "secret_access_key", .secret, summary: "The secret access key; default $AWS_SECRET_ACCESS_KEY. Use \"${VARIABLE}\".")
        /// `session_token`
        public static let sessionToken = OptionSpec(
            "session_token", .secret, summary: "The session token of temporary credentials; default $AWS_SESSION_TOKEN.")
        /// `staging_dir`
        public static let stagingDirectory = OptionSpec(
            "staging_dir", .path,
            summary:
                "Where parts are staged before upload (kept across crashes); default .chat-export-s3/<bucket>/<prefix> beside the config.")
    }

    /// The registry entry for `type: "s3"`.
    public static let registryEntry = Registry.SinkEntry(
        type: "s3",
        summary: "Parts in an S3-compatible object store (AWS S3, GCS, R2, MinIO, Ceph): jsonl.gz, parquet or jsonl, exactly once.",
        options: [
            Options.bucket, Options.prefix.spec, Options.region.spec, Options.endpoint, Options.pathStyle.spec, Options.format.spec,
            Options.maxFileBytes.spec, Options.accessKeyID, Options.secretAccessKey, Options.sessionToken, Options.stagingDirectory,
        ],
        make: { options, context in
            var issues: [ConfigIssue] = []
            let bucket = options["bucket"]?.stringValue ?? ""
            if !isBucketName(bucket) {
                issues.append(
                    ConfigIssue(
                        path: options.path + ".bucket", "expected a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens"))
            }
            let prefix = options[Options.prefix]
            if prefix.hasPrefix("/") || prefix.contains("//") || prefix.contains(where: { $0.isNewline || $0 == "\0" })
                || prefix.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) || prefix.utf8.count > 512
            {
                issues.append(
                    ConfigIssue(
                        path: options.path + ".prefix",
                        "expected a key prefix without a leading /, empty, . or .. segments (at most 512 bytes)"))
            }
            let region = options[Options.region]
            if region.isEmpty || !region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
                issues.append(ConfigIssue(path: options.path + ".region", "expected a region name like us-east-1"))
            }
            let environment = context.environment
            func credential(_ spec: OptionSpec, _ variable: String) -> String? {
                options[spec.name]?.stringValue ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
            }
            let key = credential(Options.accessKeyID, "AWS_ACCESS_KEY_ID")
            let secret = credential(Options.secretAccessKey, "AWS_SECRET_ACCESS_KEY")
            if key == nil || secret == nil {
                issues.append(
                    ConfigIssue(
                        path: options.path + (key == nil ? ".access_key_id" : ".secret_access_key"),
                        "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the options access_key_id and secret_access_key"
                    ))
            }
            let endpoint = options["endpoint"]?.stringValue ?? "https://s3.\(region).amazonaws.com"
            let pathStyle = options[Options.pathStyle]
            if let problem = endpointProblem(endpoint, bucket: bucket, pathStyle: pathStyle) {
                issues.append(
                    ConfigIssue(path: options.path + (problem.option == "endpoint" ? ".endpoint" : ".path_style"), problem.message))
            }
            if !issues.isEmpty { throw ConfigError(issues: issues) }
            // One staging directory per bucket and prefix, as one set of objects belongs to one job.
            let staging = options.path("staging_dir") ?? (options.baseDirectory + "/.chat-export-s3/" + bucket + "/" + prefix)
            let settings = S3Settings(
                bucket: bucket, prefix: prefix, region: region, endpoint: endpoint, pathStyle: pathStyle,
                accessKeyID: key!, secretAccessKey: Secret(secret!),
                sessionToken: credential(Options.sessionToken, "AWS_SESSION_TOKEN").map(Secret.init),
                format: FileFormat(rawValue: options[Options.format]) ?? .jsonlGzip, maxFileBytes: options[Options.maxFileBytes],
                stagingDirectory: staging)
            let client = try S3Client(settings: settings, logger: context.logger)
            return FilesSink(
                settings: .init(
                    directory: staging, maxFileBytes: settings.maxFileBytes, generation: context.generation, format: settings.format),
                logger: context.logger, publisher: S3Publisher(client: client))
        }
    )

    /// What keeps requests from reaching the bucket as configured, and which option to change: an
    /// endpoint with a path (requests go to the host's root), a host that is an IP address or
    /// `localhost` addressed virtual-hosted (`bucket.127.0.0.1` resolves nowhere), a dotted bucket
    /// over HTTPS virtual-hosted (the certificate covers one label).
    static func endpointProblem(_ endpoint: String, bucket: String, pathStyle: Bool) -> (option: String, message: String)? {
        guard let components = URLComponents(string: endpoint), let host = components.host, !host.isEmpty else {
            return ("endpoint", "expected an http(s) URL like https://s3.us-east-1.amazonaws.com")
        }
        if !(components.path.isEmpty || components.path == "/") || components.query != nil || components.fragment != nil {
            return ("endpoint", "expected scheme://host[:port] without a path or query (requests go to the host's root), got \(endpoint)")
        }
        guard !pathStyle else { return nil }
        let isAddress = host == "localhost" || host.contains(":") || host.split(separator: ".").allSatisfy { Int($0) != nil }
        if isAddress {
            return (
                "path_style",
                "the endpoint's host \(host) is an address, so the bucket cannot be a name in front of it: set \"path_style\": true"
            )
        }
        if bucket.contains("."), components.scheme == "https" {
            return (
                "path_style",
                "a bucket name with dots does not match the store's TLS certificate when addressed by host name: set \"path_style\": true"
            )
        }
        return nil
    }

    /// S3's bucket naming rules (the common subset every compatible store accepts).
    static func isBucketName(_ name: String) -> Bool {
        (3...63).contains(name.count) && name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "-" }
            && name.first.map { $0.isLetter || $0.isNumber } == true && name.last.map { $0.isLetter || $0.isNumber } == true
            && !name.contains("..")
    }
}
