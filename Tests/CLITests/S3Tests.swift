import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import FilesSink
import Foundation
import Testing
import VendorSandbox

@testable import S3Sink

/// moto's S3 server on a loopback port, from the virtualenv `.ci/run` makes, with request
/// signing checked: IAM authentication is on after the few requests that create the test's
/// user, its access key and the bucket.
final class MotoServer: @unchecked Sendable {
    static let available = PartReaders.has("moto.server") && PartReaders.has("boto3")
    static let missing = "moto[server] \(PartReaders.missing)"

    let port: UInt16
    let accessKeyID: String
    let secretAccessKey: String
    let bucket = "chat-data"
    private let process: Process

    init() throws {
        port = try LoopbackPort.unused()
        process = Process()
        process.executableURL = URL(fileURLWithPath: PartReaders.python!)
        process.arguments = ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "4"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let port = self.port
        guard CLIHarness.waitUntil(limit: 60, { loopbackGet(port: port, path: "/moto-api/") != nil }) else {
            Self.stop(process)
            throw ChatExportError(.failure, "moto did not start on 127.0.0.1:\(port)")
        }
        let script = """
            import boto3, json, sys
            kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
            iam = boto3.client("iam", **kw)
            iam.create_user(UserName="exporter")
            iam.put_user_policy(UserName="exporter", PolicyName="all", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            key = iam.create_access_key(UserName="exporter")["AccessKey"]
            s3 = boto3.client("s3", **dict(kw, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]))
            s3.create_bucket(Bucket=sys.argv[2])
            print(key["AccessKeyId"], key["SecretAccessKey"])
            """
        let setup = try PartReaders.run(PartReaders.python!, ["-c", script, "http://127.0.0.1:\(port)", bucket])
        let words = setup.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard setup.status == 0, words.count == 2 else {
            Self.stop(process)
            throw ChatExportError(.failure, "moto setup failed: \(setup.stderr)")
        }
        accessKeyID = words[0]
        secretAccessKey = words[1]
    }

    deinit { Self.stop(process) }

    /// moto's server does not stop on SIGTERM: SIGKILL, then reaped.
    private static func stop(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The environment a job reads its credentials from.
    var environment: [String: String] { ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey] }

    /// An s3 sink's config.
    func sink(prefix: String = "exports/", format: String, maxFileBytes: Int = 65536) -> String {
        #"[{"type": "s3", "bucket": "\#(bucket)", "prefix": "\#(prefix)", "endpoint": "\#(endpoint)", "path_style": true, "format": "\#(format)", "max_file_bytes": \#(maxFileBytes)}]"#
    }

    /// Every object under `prefix`: key → bytes, as boto3 reads them.
    func objects(prefix: String) throws -> [String: [UInt8]] {
        let script = """
            import boto3, base64, json, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            out = {}
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[4], Prefix=sys.argv[5]):
                for item in page.get("Contents", []):
                    out[item["Key"]] = base64.b64encode(s3.get_object(Bucket=sys.argv[4], Key=item["Key"])["Body"].read()).decode()
            print(json.dumps(out))
            """
        let outcome = try PartReaders.run(PartReaders.python!, ["-c", script, endpoint, accessKeyID, secretAccessKey, bucket, prefix])
        guard outcome.status == 0, case .object(let members) = try JSONValue.parse(outcome.stdout) else {
            throw ChatExportError(.failure, "listing failed: \(outcome.stderr)")
        }
        return Dictionary(
            uniqueKeysWithValues: members.map { ($0.key, [UInt8](Data(base64Encoded: $0.value.stringValue ?? "") ?? Data())) })
    }

    /// The records of the `jsonl.gz` objects of a stream, decompressed by Python's gzip.
    func gzipRecords(prefix: String, stream: String) throws -> [String] {
        let objects = try objects(prefix: prefix + stream + "/").filter { $0.key.hasSuffix(".jsonl.gz") }
        let directory = TemporaryDirectory()
        var files: [String] = []
        for (key, bytes) in objects {
            let file = directory.path + "/" + (key as NSString).lastPathComponent
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            files.append(file)
        }
        return try PartReaders.gunzip(files.sorted())
    }
}

@Suite("s3 sink against a real S3 server (moto), signatures checked", .enabled(if: MotoServer.available, "\(MotoServer.missing)"))
struct S3Tests {
    @Test("a full export in jsonl.gz: every record exactly as the vendor sent it, one object a part; a second run adds nothing")
    func gzipExport() throws {
        let moto = try MotoServer()
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", adaJob(sandbox, sinks: moto.sink(format: "jsonl.gz")))
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!outcome.stderr.contains(moto.secretAccessKey))
        let keys = try moto.objects(prefix: "exports/").keys.sorted()
        #expect(keys.count > 3)
        // The parts, and the record of which job they belong to.
        #expect(
            keys.allSatisfy {
                $0.hasPrefix("exports/messages/part-") || $0.hasPrefix("exports/conversations/part-")
                    || $0 == "exports/.chat-export-owner.json"
            }, "\(keys)")
        let records = try moto.gzipRecords(prefix: "exports/", stream: "messages")
        #expect(records.count == sandbox.dataset.adaMessages.count)
        #expect(records.sorted() == sandbox.dataset.adaMessages.map { String(decoding: $0.json, as: UTF8.self) }.sorted())
        let again = try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try moto.objects(prefix: "exports/").keys.sorted() == keys)
        // The local staging directory holds nothing once the parts are up.
        let staged = FileManager.default.subpaths(atPath: directory.path + "/.chat-export-s3/chat-data") ?? []
        #expect(!staged.contains { $0.hasSuffix(".inprogress") || $0.hasSuffix(".publishing") }, "\(staged)")
    }

    @Test(
        "parquet objects read back by pyarrow: the vendor's records, one row each",
        .enabled(if: PartReaders.pyarrow, "pyarrow \(PartReaders.missing)"))
    func parquetExport() throws {
        let moto = try MotoServer()
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write("job.json", adaJob(sandbox, sinks: moto.sink(prefix: "lake/", format: "parquet")))
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let objects = try moto.objects(prefix: "lake/messages/")
        var paths: [String] = []
        for (key, bytes) in objects {
            let path = directory.path + "/" + (key as NSString).lastPathComponent
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let rows = try PartReaders.pyarrowRows(paths.sorted(), cursor: "created_at", parent: "conversation_id")
        #expect(rows.map { $0[3] }.sorted() == sandbox.dataset.adaMessages.map { String(decoding: $0.json, as: UTF8.self) }.sorted())
    }

    @Test("kill -9 at random instants, uploads included, then a re-run: every record exactly once across the objects")
    func killNine() throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 4000, "page_size": 7, "page_delay": "2ms"}, "sinks": \#(moto.sink(format: "jsonl.gz", maxFileBytes: 16384))}"#
        )
        var random = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<8 {
            let running = try CLIHarness.start(["run", file, "--progress", "off"], environment: moto.environment)
            Thread.sleep(forTimeInterval: Double.random(in: 0.1...0.6, using: &random))
            running.signal(SIGKILL)
            let outcome = running.wait()
            if outcome.status == 128 + SIGKILL { kills += 1 }
        }
        #expect(kills >= 6)
        let final = try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment)
        #expect(final.status == 0, "\(final.stderr)")
        for stream in ["messages", "conversations"] {
            let ids = try moto.gzipRecords(prefix: "exports/", stream: stream).map { try JSONValue.parse($0)["_id"]?.stringValue ?? "" }
            #expect(ids.count == 4000, "\(stream)")
            #expect(Set(ids).count == 4000, "\(stream) has duplicates")
        }
    }

    @Test("a file larger than a part goes up as a multipart upload and reads back byte for byte")
    func multipart() async throws {
        let moto = try MotoServer()
        var settings = S3Settings(
            bucket: moto.bucket, prefix: "mp/", region: "us-east-1", endpoint: moto.endpoint, pathStyle: true,
            accessKeyID: moto.accessKeyID,
            secretAccessKey: Secret(moto.secretAccessKey), sessionToken: nil, format: .jsonl, maxFileBytes: 1 << 30,
            stagingDirectory: "/tmp")
        settings.partSize = 5 << 20
        let client = try S3Client(settings: settings, logger: .disabled)
        let directory = TemporaryDirectory()
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<(12 << 20) + 12_345).map { _ in UInt8.random(in: 0...255, using: &random) }
        let file = directory.path + "/big.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        try await client.upload(file: file, to: "mp/big.bin", contentType: "application/octet-stream")
        let stored = try moto.objects(prefix: "mp/")
        #expect(stored["mp/big.bin"] == bytes, "the object differs from the file (\(stored["mp/big.bin"]?.count ?? 0) bytes)")
    }

    @Test("wrong credentials exit 77 naming the bucket; a missing bucket exits 78; check writes a probe and says so")
    func refusals() throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let job = { (bucket: String) in
            #"{"source": {"type": "synthetic", "records": 10}, "sinks": [{"type": "s3", "bucket": "\#(bucket)", "endpoint": "\#(moto.endpoint)", "path_style": true}]}"#
        }
        let file = try directory.write("job.json", job(moto.bucket))
        var wrong = moto.environment
        wrong["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-of-this-key"
        let rejected = try CLIHarness.run(["run", file, "--progress", "off"], environment: wrong)
        #expect(rejected.status == 77, "\(rejected.stderr)")
        #expect(rejected.stderr.contains("bucket chat-data"), "\(rejected.stderr)")
        #expect(!rejected.stderr.contains("not-the-secret-of-this-key"))
        let missing = try directory.write("missing.json", job("no-such-bucket"))
        let absent = try CLIHarness.run(["run", missing, "--progress", "off"], environment: moto.environment)
        #expect(absent.status == 78, "\(absent.stderr)")
        #expect(absent.stderr.contains("no-such-bucket"), "\(absent.stderr)")
        let checked = try CLIHarness.run(["check", file], environment: moto.environment)
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(
            checked.stdout.contains("prefix listable and writable") || checked.stderr.contains("prefix listable and writable"),
            "\(checked.stdout)")
        let none = try CLIHarness.run(["validate", file], environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""])
        #expect(none.status == 78)
        #expect(none.stderr.contains("no credentials"), "\(none.stderr)")
    }
}

@Suite("S3 request signing and retries")
struct S3SigningTests {
    @Test("Signature Version 4 matches AWS's published example (GET Object with a Range header)")
    func publishedExample() {
        let signer = SignatureV4(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), sessionToken: nil,
            region: "us-east-1")
        let headers = signer.sign(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", query: [], headers: [("Range", "bytes=0-9")],
            payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            now: Timestamp(iso8601: "2013-05-24T00:00:00Z")!)
        let authorization = headers.first { $0.0 == "authorization" }?.1
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test("503 SlowDown and 500 are retried with backoff; 403 AccessDenied is not, and is a config error naming the bucket")
    func retries() async throws {
        let settings = S3Settings(
            bucket: "chat-data", prefix: "p/", region: "us-east-1", endpoint: "http://127.0.0.1:1", pathStyle: true, accessKeyID: "AKID",
            secretAccessKey: Secret("secret-secret"), sessionToken: nil, format: .jsonlGzip, maxFileBytes: 1 << 20, stagingDirectory: "/tmp"
        )
        var fast = settings
        fast.retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
        let answers = LockedCounter()
        let transport = ScriptedTransport { _ in
            switch answers.next() {
            case 1:
                VendorHTTPResponse(status: 503, body: Array("<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>".utf8))
            case 2: VendorHTTPResponse(status: 500, body: Array("<Error><Code>InternalError</Code></Error>".utf8))
            default: VendorHTTPResponse(status: 200)
            }
        }
        let client = try S3Client(settings: fast, logger: .disabled, transport: transport)
        try await client.put("p/x", body: [1, 2, 3], contentType: "application/octet-stream")
        #expect(answers.value == 3)
        let denied = try S3Client(
            settings: fast, logger: .disabled,
            transport: ScriptedTransport { _ in
                VendorHTTPResponse(status: 403, body: Array("<Error><Code>AccessDenied</Code><Message>no</Message></Error>".utf8))
            })
        await #expect(throws: ChatExportError.self) { try await denied.put("p/x", body: [], contentType: "text/plain") }
        do {
            try await denied.put("p/x", body: [], contentType: "text/plain")
        } catch let error as ChatExportError {
            #expect(error.code == .invalidConfig)
            #expect(error.message.contains("bucket chat-data"))
        }
    }
}

/// A counter safe to bump from any thread.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    /// Increments and returns the new value.
    func next() -> Int {
        lock.withLock {
            count += 1
            return count
        }
    }

    /// The current value.
    var value: Int { lock.withLock { count } }
}
