import ConnectorHTTP
import ConnectorKit
import ConnectorTesting
import Foundation
import Testing
import VendorSandbox

@testable import FilesSink
@testable import S3Sink

/// Adversarial review of issue 26 (formats, s3 sink): each test states the behaviour the issue or
/// README promises; a failing one is a defect.
@Suite("formats and the s3 sink")
struct FormatsReviewTests {
    static let messages = StreamDescriptor(
        name: "messages", summary: "", cursorField: "created_at", cursorColumn: "created_at", parentField: "conversation_id",
        parentColumn: "conversation_id")

    static func record(_ id: String, _ text: String = "x") -> Record {
        let json = #"{"_id":"\#(id)","t":"\#(text)"}"#
        return Record(
            stream: "messages", id: id, cursor: Timestamp(microseconds: 1_790_000_000_000_000), parentID: "c1",
            json: ArraySlice(Array(json.utf8)))
    }

    static let job = JobIdentity(id: "review-job", checkpoint: "/tmp/review-checkpoint", source: "synthetic", fullRefresh: false)

    /// One run of the sink: open from `state`, write `records` in one batch, commit, save, finish.
    static func runOnce(_ sink: FilesSink, _ records: [Record], from state: JSONValue?) async throws -> JSONValue? {
        try await sink.claim(for: job)
        try await sink.open(messages, restoring: state)
        try await sink.write(RecordBatch(stream: "messages", records: records, checkpoint: Checkpoint(.null)))
        let commit = SinkCommit(stream: "messages", sequence: 1, checkpoint: Checkpoint(.null))
        let position = try await sink.commit(commit)
        try await sink.checkpointSaved(commit)
        try await sink.finish(succeeded: true)
        return position
    }

    @Test(
        "parquet: an _id longer than 65535 bytes is published whole (the staging frame stores a u16 length)",
        .enabled(if: PartReaders.pyarrow, "pyarrow \(PartReaders.missing)"))
    func longIdentifier() async throws {
        let directory = TemporaryDirectory()
        let id = String(repeating: "é", count: 40_000)  // 80,000 bytes: cut at 65,535 it ends inside a character
        let sink = FilesSink(settings: .init(directory: directory.path + "/out", format: .parquet))
        _ = try await Self.runOnce(sink, [Self.record(id), Self.record("short")], from: nil)
        let parts = try PartReaders.parts(directory.path + "/out/messages", "parquet")
        let script = """
            import sys, pyarrow.parquet as pq
            t = pq.read_table(sys.argv[1], columns=["_id"])
            for v in t.column("_id").chunk(0).cast("binary").to_pylist(): print(len(v))
            """
        let outcome = try PartReaders.run(PartReaders.python!, ["-c", script] + parts)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.split(separator: "\n") == ["80000", "5"], "lengths of _id as published: \(outcome.stdout)")
        if PartReaders.duckdb {
            let duck = try PartReaders.run(
                PartReaders.python!,
                [
                    "-c",
                    "import duckdb,sys; print(duckdb.connect().execute('SELECT max(length(_id)) FROM read_parquet(?)', [sys.argv[1]]).fetchone())",
                ] + parts)
            #expect(duck.status == 0, "DuckDB cannot read the part: \(duck.stderr.suffix(300))")
        }
    }
}

/// A transport that passes requests to a real one, and can lose the answers to PUTs of one key:
/// the object is stored, the client hears a broken connection (a proxy or NAT dropping it).
final class LosingTransport: HTTPTransport, @unchecked Sendable {
    let inner: any HTTPTransport
    private let lock = NSLock()
    private var losing: String?

    init(_ inner: any HTTPTransport) { self.inner = inner }

    func lose(_ suffix: String?) { lock.withLock { losing = suffix } }

    func send(_ request: VendorHTTPRequest) async throws -> VendorHTTPResponse {
        let response = try await inner.send(request)
        let suffix = lock.withLock { losing }
        if let suffix, request.method == "PUT", request.url.hasSuffix(suffix) {
            throw HTTPTransportError(.connection, "connection broke (test)")
        }
        return response
    }
}

@Suite("s3 sink against moto", .enabled(if: MotoServer.available, "\(MotoServer.missing)"))
struct S3ReviewTests {
    func settings(_ moto: MotoServer, staging: String, prefix: String = "exports/") -> S3Settings {
        var settings = S3Settings(
            bucket: moto.bucket, prefix: prefix, region: "us-east-1", endpoint: moto.endpoint, pathStyle: true,
            accessKeyID: moto.accessKeyID, secretAccessKey: Secret(moto.secretAccessKey), sessionToken: nil, format: .jsonl,
            maxFileBytes: 1 << 20, stagingDirectory: staging)
        settings.maxAttempts = 2
        settings.retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
        return settings
    }

    @Test("a published object never changes: the answer to the final part's upload lost, then a re-run with new records")
    func publishedObjectIsImmutable() async throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let staging = directory.path + "/staging"
        let settings = settings(moto, staging: staging)
        let transport = LosingTransport(try CurlTransport())
        func sink() throws -> FilesSink {
            FilesSink(
                settings: .init(directory: staging, maxFileBytes: settings.maxFileBytes, format: .jsonl),
                publisher: S3Publisher(client: try S3Client(settings: settings, logger: .disabled, transport: transport)))
        }
        // Run 1: two records; the upload of part 1 reaches the store but its answers are lost.
        transport.lose("part-00000001.jsonl")
        var state: JSONValue?
        do {
            state = try await FormatsReviewTests.runOnce(
                try sink(), [FormatsReviewTests.record("a"), FormatsReviewTests.record("b")], from: nil)
        } catch {}
        // runOnce threw in finish: the position stored is the last commit's.
        state = .object([
            ("part", .integer(1)), ("length", .integer(2 * (#"{"_id":"a","t":"x"}"#.utf8.count + 1))), ("publish", .array([])),
        ])
        let first = try moto.objects(prefix: "exports/messages/")
        #expect(first.count == 1, "\(first.keys)")
        let published = first["exports/messages/part-00000001.jsonl"] ?? []
        // Run 2: a new record.
        transport.lose(nil)
        _ = try await FormatsReviewTests.runOnce(try sink(), [FormatsReviewTests.record("c")], from: state)
        let second = try moto.objects(prefix: "exports/messages/")
        #expect(
            second["exports/messages/part-00000001.jsonl"] == published,
            "part 1 changed after it was published: \(String(decoding: second["exports/messages/part-00000001.jsonl"] ?? [], as: UTF8.self))"
        )
        let lines = second.keys.sorted().flatMap { String(decoding: second[$0]!, as: UTF8.self).split(separator: "\n") }
        #expect(lines.count == 3, "\(lines)")
    }

    @Test("a crash after part 1's upload, before its staging is removed: a re-run leaves the object as published")
    func crashAfterUploadBeforeUnlink() async throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let staging = directory.path + "/staging"
        let settings = settings(moto, staging: staging)
        func sink() throws -> FilesSink {
            FilesSink(
                settings: .init(directory: staging, maxFileBytes: settings.maxFileBytes, format: .jsonl),
                publisher: S3Publisher(client: try S3Client(settings: settings, logger: .disabled)))
        }
        let state = try await FormatsReviewTests.runOnce(try sink(), [FormatsReviewTests.record("a")], from: nil)
        let published = try moto.objects(prefix: "exports/messages/")["exports/messages/part-00000001.jsonl"] ?? []
        #expect(!published.isEmpty)
        // The state a kill -9 leaves between `publisher.publish` returning and `unlink(source)`.
        try Data(published).write(to: URL(fileURLWithPath: staging + "/messages/.part-00000001.jsonl.inprogress"))
        _ = try await FormatsReviewTests.runOnce(try sink(), [FormatsReviewTests.record("b")], from: state)
        let after = try moto.objects(prefix: "exports/messages/")
        #expect(after["exports/messages/part-00000001.jsonl"] == published, "part 1 was replaced by a different object")
    }

    @Test("one config, two s3 sinks into one bucket under different prefixes (jsonl.gz and parquet): validate accepts it, so run runs it")
    func twoSinksOneBucket() throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let sinks =
            "[" + moto.sink(prefix: "raw/", format: "jsonl.gz").dropFirst().dropLast() + ", "
            + moto.sink(prefix: "lake/", format: "parquet").dropFirst().dropLast() + "]"
        let file = try directory.write("job.json", #"{"source": {"type": "synthetic", "records": 50}, "sinks": \#(sinks)}"#)
        let valid = try CLIHarness.run(["validate", file], environment: moto.environment)
        #expect(valid.status == 0, "\(valid.stderr)")
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try !moto.objects(prefix: "raw/").isEmpty)
        #expect(try !moto.objects(prefix: "lake/").isEmpty)
    }

    @Test("two jobs beside each other writing one bucket under their own prefixes both run")
    func twoJobsOneBucket() throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let acme = try directory.write(
            "acme.json", #"{"source": {"type": "synthetic", "records": 50}, "sinks": \#(moto.sink(prefix: "acme/", format: "jsonl.gz"))}"#)
        let globex = try directory.write(
            "globex.json",
            #"{"source": {"type": "synthetic", "records": 50, "seed": 2}, "sinks": \#(moto.sink(prefix: "globex/", format: "jsonl.gz"))}"#)
        let first = try CLIHarness.run(["run", acme, "--progress", "off"], environment: moto.environment)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try CLIHarness.run(["run", globex, "--progress", "off"], environment: moto.environment)
        #expect(second.status == 0, "\(second.stderr)")
    }

    @Test(
        "prefixes validate accepts are written as given (spaces, unicode, + and =); dot segments, which a client rewrites, are refused",
        arguments: [
            "exports/./daily/", "exports/../x/", "a b/ü+=&/", "x%2Fy/",
        ])
    func oddPrefixes(prefix: String) throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 20}, "sinks": \#(moto.sink(prefix: prefix, format: "jsonl"))}"#)
        let valid = try CLIHarness.run(["validate", file], environment: moto.environment)
        if prefix.contains("./") {
            #expect(valid.status == 78, "\(valid.stderr)")
            #expect(valid.stderr.contains("sinks[0].prefix"), "\(valid.stderr)")
            return
        }
        #expect(valid.status == 0, "\(valid.stderr)")
        let outcome = try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment)
        #expect(outcome.status == 0, "\(prefix): \(outcome.stderr)")
        let keys = try moto.objects(prefix: prefix).keys.sorted()
        #expect(keys.contains(prefix + "messages/part-00000001.jsonl"), "\(prefix): \(keys)")
    }

    @Test("a job whose first run found nothing does not overwrite another job's part 1 under the same prefix: the other is refused")
    func emptyFirstRunThenOverwrite() throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let a = TemporaryDirectory()
        let b = TemporaryDirectory()
        _ = directory
        let config = { (records: Int, seed: Int) in
            #"{"source": {"type": "synthetic", "records": \#(records), "seed": \#(seed), "streams": ["messages"]}, "sinks": \#(moto.sink(prefix: "shared/", format: "jsonl"))}"#
        }
        let jobA = try a.write("job.json", config(0, 1))
        #expect(try CLIHarness.run(["run", jobA, "--progress", "off"], environment: moto.environment).status == 0)
        let jobB = try b.write("job.json", config(30, 2))
        let runB = try CLIHarness.run(["run", jobB, "--progress", "off"], environment: moto.environment)
        // The prefix is job A's (its owner record): B is refused, naming it.
        #expect(runB.status == 78, "\(runB.stderr)")
        #expect(runB.stderr.contains("s3://chat-data/shared/ belongs to another job"), "\(runB.stderr)")
        let before = try moto.objects(prefix: "shared/")
        let jobA2 = try a.write("job.json", config(40, 1))
        let runA = try CLIHarness.run(["run", jobA2, "--progress", "off"], environment: moto.environment)
        let after = try moto.objects(prefix: "shared/")
        for (key, bytes) in before {
            #expect(after[key] == bytes, "job A (exit \(runA.status)) replaced job B's \(key): \(runA.stderr.suffix(300))")
        }
    }
}

extension MotoServer {
    /// A second user whose policy allows only `actions` on the bucket and its objects: its credentials.
    func user(_ name: String, actions: [String], deny: [String] = ["s3:NoSuchAction"]) throws -> [String: String] {
        let script = """
            import boto3, json, sys
            kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            iam = boto3.client("iam", **kw)
            iam.create_user(UserName=sys.argv[4])
            iam.put_user_policy(UserName=sys.argv[4], PolicyName="some", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": json.loads(sys.argv[6]),
                 "Resource": ["arn:aws:s3:::" + sys.argv[5], "arn:aws:s3:::" + sys.argv[5] + "/*"]},
                {"Effect": "Deny", "Action": json.loads(sys.argv[7]), "Resource": "*"}]}))
            key = iam.create_access_key(UserName=sys.argv[4])["AccessKey"]
            print(key["AccessKeyId"], key["SecretAccessKey"])
            """
        let list = "[" + actions.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let denied = "[" + deny.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let outcome = try PartReaders.run(
            PartReaders.python!, ["-c", script, endpoint, accessKeyID, secretAccessKey, name, bucket, list, denied])
        let words = outcome.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard outcome.status == 0, words.count == 2 else { throw ChatExportError(.failure, "user setup failed: \(outcome.stderr)") }
        return ["AWS_ACCESS_KEY_ID": words[0], "AWS_SECRET_ACCESS_KEY": words[1]]
    }
}

@Suite("s3 permissions, check and secrets", .enabled(if: MotoServer.available, "\(MotoServer.missing)"))
struct S3PermissionReviewTests {
    @Test("check passes only when run can run: credentials without s3:ListBucket")
    func checkCoversRun() throws {
        let moto = try MotoServer()
        let environment = try moto.user("writer", actions: ["s3:PutObject", "s3:DeleteObject", "s3:GetObject"])
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 20}, "sinks": \#(moto.sink(format: "jsonl.gz"))}"#)
        let checked = try CLIHarness.run(["check", file], environment: environment)
        let ran = try CLIHarness.run(["run", file, "--progress", "off"], environment: environment)
        #expect(
            checked.status != 0 || ran.status == 0,
            "check said \(checked.status) but run exits \(ran.status): \(ran.stderr.split(separator: "\n").last ?? "")")
    }

    @Test("the secret key appears in nothing the binary writes, debug logs included")
    func secretsNowhere() throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", #"{"source": {"type": "synthetic", "records": 300}, "sinks": \#(moto.sink(format: "parquet", maxFileBytes: 4096))}"#
        )
        var outputs: [String] = []
        for arguments in [["--log-level", "debug", "run", file, "--progress", "off"], ["check", file], ["validate", file]] {
            let outcome = try CLIHarness.run(arguments, environment: moto.environment)
            outputs += [outcome.stdout, outcome.stderr]
        }
        var wrong = moto.environment
        wrong["AWS_ACCESS_KEY_ID"] = "AKIAWRONGWRONGWRONG1"
        let rejected = try CLIHarness.run(["--log-level", "debug", "run", file, "--progress", "off"], environment: wrong)
        outputs += [rejected.stdout, rejected.stderr]
        for path in FileManager.default.subpaths(atPath: directory.path) ?? [] {
            if let data = FileManager.default.contents(atPath: directory.path + "/" + path) {
                outputs.append(String(decoding: data, as: UTF8.self))
            }
        }
        #expect(!outputs.contains { $0.contains(moto.secretAccessKey) })
    }
}

@Suite("s3 client against scripted odd servers")
struct S3OddServerReviewTests {
    static func client(_ transport: ScriptedTransport) throws -> S3Client {
        var settings = S3Settings(
            bucket: "chat-data", prefix: "p/", region: "us-east-1", endpoint: "http://127.0.0.1:1", pathStyle: true, accessKeyID: "AKID",
            secretAccessKey: Secret("secret-secret"), sessionToken: nil, format: .jsonlGzip, maxFileBytes: 1 << 20, stagingDirectory: "/tmp"
        )
        settings.partSize = 1024
        settings.retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
        return try S3Client(settings: settings, logger: .disabled, transport: transport)
    }

    @Test("the answer to CompleteMultipartUpload lost, the retry told NoSuchUpload: not a config error (78)")
    func completeAnswerLost() async throws {
        let directory = TemporaryDirectory()
        let file = directory.path + "/part"
        try Data(repeating: 65, count: 1025).write(to: URL(fileURLWithPath: file))
        let completes = LockedCounter()
        let transport = ScriptedTransport { request in
            if request.method == "POST", request.url.contains("uploads") {
                return VendorHTTPResponse(
                    status: 200, body: Array("<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>".utf8))
            }
            if request.method == "PUT" { return VendorHTTPResponse(status: 200, headers: ["ETag": "\"e\""]) }
            if request.method == "POST" {
                if completes.next() == 1 { throw HTTPTransportError(.connection, "connection to 127.0.0.1:1 broke (test)") }
                return VendorHTTPResponse(status: 404, body: Array("<Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>".utf8))
            }
            return VendorHTTPResponse(status: 204)
        }
        do {
            try await Self.client(transport).upload(file: file, to: "p/s/part-00000001.jsonl.gz", contentType: "application/gzip")
        } catch let error as ChatExportError {
            #expect(error.code != .invalidConfig, "\(error.code): \(error.message)")
        }
    }

    @Test("an odd server's error message reaches logs and errors on one line and bounded, as vendor messages do")
    func hostileMessage() async throws {
        let handler = InMemoryLogHandler()
        var settings = S3Settings(
            bucket: "chat-data", prefix: "p/", region: "us-east-1", endpoint: "http://127.0.0.1:1", pathStyle: true, accessKeyID: "AKID",
            secretAccessKey: Secret("secret-secret"), sessionToken: nil, format: .jsonlGzip, maxFileBytes: 1 << 20, stagingDirectory: "/tmp"
        )
        settings.retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
        settings.maxAttempts = 2
        let message = "slow down\n2026-01-01T00:00:00.000Z error   forged line" + String(repeating: "x", count: 1 << 20)
        let transport = ScriptedTransport { _ in
            VendorHTTPResponse(status: 503, body: Array("<Error><Code>SlowDown</Code><Message>\(message)</Message></Error>".utf8))
        }
        let client = try S3Client(settings: settings, logger: ExportLogger(handler: handler), transport: transport)
        var thrown = ""
        do { try await client.put("p/x", body: [1], contentType: "text/plain") } catch let error as ChatExportError {
            thrown = error.message
        }
        for text in handler.events.map(\.message) + [thrown] {
            #expect(!text.contains("\n"), "a server's newline starts a forged log line")
            #expect(text.utf8.count < 4096, "a server's message of \(text.utf8.count) bytes in one line")
        }
    }

    @Test("an endpoint with a path (a store behind a gateway) is either refused or used, never silently dropped: refused at validate")
    func endpointPath() throws {
        let problem = S3Sink.endpointProblem("https://gateway.example/minio/api", bucket: "chat-data", pathStyle: true)
        #expect(problem?.option == "endpoint")
    }

    @Test("the client, given such an endpoint anyway, never drops its path silently either")
    func endpointPathClient() throws {
        let settings = S3Settings(
            bucket: "chat-data", prefix: "p/", region: "us-east-1", endpoint: "https://gateway.example/minio/api", pathStyle: true,
            accessKeyID: "AKID", secretAccessKey: Secret("secret-secret"), sessionToken: nil, format: .jsonlGzip, maxFileBytes: 1 << 20,
            stagingDirectory: "/tmp")
        guard
            let client = try? S3Client(
                settings: settings, logger: .disabled, transport: ScriptedTransport { _ in VendorHTTPResponse(status: 200) })
        else { return }
        let url = client.address("p/k", query: []).url
        #expect(
            url.hasPrefix("https://gateway.example/minio/api/") || url.hasPrefix("https://gateway.example/chat-data/"),
            "requests go to \(url)")
    }

    @Test("an IP-address endpoint without path_style (MinIO on 127.0.0.1) is refused at validate, with the option to set")
    func ipEndpointVirtualHosted() throws {
        #expect(S3Sink.endpointProblem("http://127.0.0.1:9000", bucket: "chat-data", pathStyle: false)?.option == "path_style")
        #expect(S3Sink.endpointProblem("http://127.0.0.1:9000", bucket: "chat-data", pathStyle: true) == nil)
        #expect(S3Sink.endpointProblem("https://s3.amazonaws.com", bucket: "chat.data", pathStyle: false)?.option == "path_style")
    }

    @Test("the client addresses a virtual-hosted bucket in front of the endpoint's host")
    func virtualHostedAddress() throws {
        let settings = S3Settings(
            bucket: "chat-data", prefix: "p/", region: "us-east-1", endpoint: "http://127.0.0.1:9000", pathStyle: false,
            accessKeyID: "AKID", secretAccessKey: Secret("secret-secret"), sessionToken: nil, format: .jsonlGzip, maxFileBytes: 1 << 20,
            stagingDirectory: "/tmp")
        let client = try S3Client(
            settings: settings, logger: .disabled, transport: ScriptedTransport { _ in VendorHTTPResponse(status: 200) })
        let host = client.address("p/k", query: []).host
        #expect(host == "chat-data.127.0.0.1:9000")
    }

    @Test("200 with an error inside on CompleteMultipartUpload: a failure, and the upload is aborted")
    func completeErrorInBody() async throws {
        let directory = TemporaryDirectory()
        let file = directory.path + "/part"
        try Data(repeating: 65, count: 3000).write(to: URL(fileURLWithPath: file))
        let transport = ScriptedTransport { request in
            if request.method == "POST", request.url.contains("uploads") {
                return VendorHTTPResponse(
                    status: 200, body: Array("<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>".utf8))
            }
            if request.method == "PUT" { return VendorHTTPResponse(status: 200, headers: ["ETag": "\"e\""]) }
            if request.method == "POST" {
                return VendorHTTPResponse(
                    status: 200, body: Array("\n\n<Error><Code>InternalError</Code><Message>x</Message></Error>".utf8))
            }
            return VendorHTTPResponse(status: 204)
        }
        await #expect(throws: ChatExportError.self) {
            try await Self.client(transport).upload(file: file, to: "p/k", contentType: "application/gzip")
        }
        #expect(transport.requests.contains { $0.method == "DELETE" && $0.url.contains("uploadId=u1") })
        #expect(transport.requests.filter { $0.method == "PUT" }.count == 3)
    }
}

extension MotoServer {
    /// key → (size, sha256 hex) of every object under `prefix`.
    func digests(prefix: String) throws -> [String: String] {
        let script = """
            import boto3, hashlib, json, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            out = {}
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[4], Prefix=sys.argv[5]):
                for item in page.get("Contents", []):
                    body = s3.get_object(Bucket=sys.argv[4], Key=item["Key"])["Body"].read()
                    out[item["Key"]] = "%d %s" % (len(body), hashlib.sha256(body).hexdigest())
            print(json.dumps(out))
            """
        let outcome = try PartReaders.run(PartReaders.python!, ["-c", script, endpoint, accessKeyID, secretAccessKey, bucket, prefix])
        guard outcome.status == 0, case .object(let members) = try JSONValue.parse(outcome.stdout) else {
            throw ChatExportError(.failure, "listing failed: \(outcome.stderr)")
        }
        return Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value.stringValue ?? "") })
    }
}

@Suite("s3 uploads, formats and refreshes against moto", .enabled(if: MotoServer.available, "\(MotoServer.missing)"))
struct S3UploadReviewTests {
    @Test("uploads at the multipart threshold: 16 MiB - 1, exactly 16 MiB, 16 MiB + 1, 32 MiB + 5 arrive byte for byte")
    func multipartBoundary() async throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let settings = S3Settings(
            bucket: moto.bucket, prefix: "m/", region: "us-east-1", endpoint: moto.endpoint, pathStyle: true,
            accessKeyID: moto.accessKeyID, secretAccessKey: Secret(moto.secretAccessKey), sessionToken: nil, format: .jsonl,
            maxFileBytes: 1 << 20, stagingDirectory: directory.path)
        let client = try S3Client(settings: settings, logger: .disabled)
        var expected: [String: String] = [:]
        var generator = SplitMix64(seed: 7)
        for size in [(16 << 20) - 1, 16 << 20, (16 << 20) + 1, (32 << 20) + 5] {
            var bytes = [UInt8](repeating: 0, count: size)
            for index in stride(from: 0, to: size, by: 8) { bytes[index] = UInt8(truncatingIfNeeded: generator.next()) }
            let file = directory.path + "/f\(size)"
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            try await client.upload(file: file, to: "m/f\(size)", contentType: "application/octet-stream")
            expected["m/f\(size)"] = "\(size) " + SignatureV4.hex(SignatureV4.sha256(bytes))
        }
        #expect(try moto.digests(prefix: "m/") == expected)
    }

    @Test(
        "format changed between runs (jsonl.gz staged, then parquet): every record exactly once across the objects",
        .enabled(if: PartReaders.pyarrow, "pyarrow \(PartReaders.missing)"))
    func formatChange() throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let job = { (format: String, fail: String) in
            #"{"source": {"type": "synthetic", "records": 400, "page_size": 10, "streams": ["messages"]\#(fail)}, "sinks": \#(moto.sink(format: format, maxFileBytes: 4096))}"#
        }
        let file = try directory.write("job.json", job("jsonl.gz", #", "fail_after_pages": 7"#))
        let failed = try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment)
        #expect(failed.status == 75, "\(failed.stderr)")
        _ = try directory.write("job.json", job("parquet", ""))
        let ran = try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment)
        #expect(ran.status == 0, "\(ran.stderr)")
        var ids = try moto.gzipRecords(prefix: "exports/", stream: "messages").map { try JSONValue.parse($0)["_id"]?.stringValue ?? "" }
        var paths: [String] = []
        for (key, bytes) in try moto.objects(prefix: "exports/messages/") where key.hasSuffix(".parquet") {
            let path = directory.path + "/" + (key as NSString).lastPathComponent
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        ids += try PartReaders.pyarrowRows(paths.sorted(), cursor: "created_at", parent: "conversation_id").map { $0[0] }
        #expect(ids.count == 400)
        #expect(Set(ids).count == 400)
    }

    @Test("full refresh: the old objects set aside, the new ones hold every record exactly once")
    func fullRefresh() throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json",
            #"{"source": {"type": "synthetic", "records": 300, "page_size": 10, "streams": ["messages"]}, "sinks": \#(moto.sink(format: "jsonl.gz", maxFileBytes: 4096))}"#
        )
        #expect(try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment).status == 0)
        let before = try moto.digests(prefix: "exports/messages/")
        let refreshed = try CLIHarness.run(["run", file, "--progress", "off", "--full-refresh"], environment: moto.environment)
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        let ids = try moto.gzipRecords(prefix: "exports/", stream: "messages").map { try JSONValue.parse($0)["_id"]?.stringValue ?? "" }
        #expect(ids.count == 300)
        #expect(Set(ids).count == 300)
        let aside = try moto.digests(prefix: "exports/.replaced-")
        #expect(Set(aside.values) == Set(before.values), "\(aside.keys.sorted())")
    }
}

@Suite("Parquet edge cases read by pyarrow and DuckDB")
struct ParquetEdgeReviewTests {
    static func write(_ rows: [ParquetWriter.Row], to path: String) throws {
        var file: [UInt8] = []
        let writer = try ParquetWriter(cursorColumn: "created_at", parentColumn: "conversation_id", level: 1, rowGroupBytes: 1 << 20) {
            file += $0
        }
        for row in rows { try writer.append(row) }
        try writer.finish()
        try Data(file).write(to: URL(fileURLWithPath: path))
    }

    @Test(
        "zero rows, one 5 MiB record, empty strings, all-null cursor and parent: readable, counts and statistics right",
        .enabled(if: PartReaders.pyarrow && PartReaders.duckdb, "pyarrow, duckdb \(PartReaders.missing)"))
    func edges() throws {
        let directory = TemporaryDirectory()
        let huge = #"{"_id":"h","t":""# + String(repeating: "ü", count: 5 << 19) + #""}"#
        let cases: [(String, [ParquetWriter.Row])] = [
            ("empty", []),
            ("huge", [.init(id: ArraySlice("h".utf8), cursor: 1, parent: ArraySlice("c".utf8), data: ArraySlice(huge.utf8), syncedAt: 2)]),
            ("blank", [.init(id: [], cursor: nil, parent: [], data: ArraySlice("{}".utf8), syncedAt: 0)]),
            (
                "nulls",
                (0..<3000).map {
                    .init(id: ArraySlice("i\($0)".utf8), cursor: nil, parent: nil, data: ArraySlice("{}".utf8), syncedAt: Int64($0))
                }
            ),
        ]
        for (name, rows) in cases {
            let path = directory.path + "/\(name).parquet"
            try Self.write(rows, to: path)
            let script = """
                import sys, duckdb, pyarrow.parquet as pq
                f = pq.ParquetFile(sys.argv[1]); t = f.read()
                md = f.metadata
                stats = [(md.row_group(g).column(c).statistics.null_count if md.row_group(g).column(c).statistics else None)
                         for g in range(md.num_row_groups) for c in range(md.num_columns)]
                print(t.num_rows, sum(len(x or "") for x in t.column("data").to_pylist()), t.column("created_at").null_count, t.column("conversation_id").null_count)
                print(duckdb.connect().execute("SELECT count(*), count(created_at), count(conversation_id), sum(length(data)) FROM read_parquet(?)", [sys.argv[1]]).fetchone())
                print(stats)
                """
            let outcome = try PartReaders.run(PartReaders.python!, ["-c", script, path])
            #expect(outcome.status == 0, "\(name): \(outcome.stderr.suffix(400))")
            let nulls = rows.filter { $0.cursor == nil }.count
            let parents = rows.filter { $0.parent == nil }.count
            let characters = rows.reduce(0) { $0 + String(decoding: $1.data, as: UTF8.self).count }
            #expect(outcome.stdout.hasPrefix("\(rows.count) \(characters) \(nulls) \(parents)\n"), "\(name): \(outcome.stdout.prefix(300))")
        }
    }
}

extension ParquetEdgeReviewTests {
    @Test(
        "the time columns' min/max statistics are usable by pyarrow (the spec: min_value/max_value need column_orders)",
        .enabled(if: PartReaders.pyarrow, "pyarrow \(PartReaders.missing)"))
    func statisticsUsable() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/s.parquet"
        try Self.write(
            (0..<10).map { .init(id: ArraySlice("i\($0)".utf8), cursor: Int64($0), parent: nil, data: ArraySlice("{}".utf8), syncedAt: 5) },
            to: path)
        let script = """
            import sys, pyarrow.parquet as pq
            s = pq.ParquetFile(sys.argv[1]).metadata.row_group(0).column(1).statistics
            print(s.has_min_max, s.min if s.has_min_max else None, s.max if s.has_min_max else None)
            """
        let outcome = try PartReaders.run(PartReaders.python!, ["-c", script, path])
        #expect(
            outcome.stdout.hasPrefix("True 1970-01-01 00:00:00+00:00 1970-01-01 00:00:00.000009+00:00"),
            "\(outcome.stdout)\(outcome.stderr)")
    }
}

extension S3ReviewTests {
    @Test("run --since/--until into an s3 sink: the range lands beside the regular objects, which stay as they were")
    func backfill() throws {
        let moto = try MotoServer()
        let sandbox = try VendorSandbox()
        defer { sandbox.stop() }
        let directory = TemporaryDirectory()
        let file = try directory.write(
            "job.json", adaJob(sandbox, extra: #", "streams": ["messages"]"#, sinks: moto.sink(format: "jsonl.gz", maxFileBytes: 1 << 20)))
        let full = try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment)
        #expect(full.status == 0, "\(full.stderr)")
        let before = try moto.objects(prefix: "exports/")
        let since = sandbox.dataset.start.adding(seconds: 86_400 * 3 + 1)
        let until = since.adding(seconds: 86_400 * 2)
        let backfill = try CLIHarness.run(
            ["run", file, "--progress", "off", "--since", since.iso8601(), "--until", until.iso8601()], environment: moto.environment)
        #expect(backfill.status == 0, "\(backfill.stderr.split(separator: "\n").last ?? "")")
        let after = try moto.objects(prefix: "exports/")
        for (key, bytes) in before { #expect(after[key] == bytes, "\(key) changed by the backfill") }
        #expect(after.count > before.count, "the backfill published nothing")
        let again = try CLIHarness.run(["run", file, "--progress", "off"], environment: moto.environment)
        #expect(again.status == 0, "\(again.stderr.split(separator: "\n").last ?? "")")
    }
}

extension FormatsReviewTests {
    @Test(
        "a vendor page with a Latin-1 byte inside a string: either refused when read, or its Parquet part stays readable by DuckDB",
        .enabled(if: PartReaders.duckdb, "duckdb \(PartReaders.missing)"))
    func invalidUTF8() async throws {
        let page: [UInt8] = Array(#"{"data":[{"_id":"a","t":"caf"#.utf8) + [0xE9] + Array(#""},{"_id":"b","t":"ok"}]}"#.utf8)
        guard
            let records = try? PageScanner.scan(page, stream: "messages", recordKeys: ["data"], layout: RecordLayout(cursorField: nil))
                .records
        else { return }
        let directory = TemporaryDirectory()
        let sink = FilesSink(settings: .init(directory: directory.path + "/out", format: .parquet))
        _ = try await Self.runOnce(sink, records, from: nil)
        let parts = try PartReaders.parts(directory.path + "/out/messages", "parquet")
        let duck = try PartReaders.run(
            PartReaders.python!,
            ["-c", "import duckdb,sys; print(duckdb.connect().execute('SELECT count(*) FROM read_parquet(?)', [sys.argv[1]]).fetchone())"]
                + parts)
        #expect(duck.status == 0, "DuckDB cannot read the part: \(duck.stderr.suffix(200))")
    }
}

extension S3ReviewTests {
    @Test("two jobs (own directories) under one bucket prefix: the one that resumes never replaces the other's objects")
    func twoJobsOnePrefix() throws {
        let moto = try MotoServer()
        let a = TemporaryDirectory()
        let b = TemporaryDirectory()
        let config = { (seed: Int, fail: String) in
            #"{"source": {"type": "synthetic", "records": 60, "page_size": 10, "seed": \#(seed), "streams": ["messages"]\#(fail)}, "sinks": \#(moto.sink(prefix: "shared/", format: "jsonl", maxFileBytes: 1 << 20))}"#
        }
        // Job A stops (exit 75) with records staged and committed, nothing published yet.
        let jobA = try a.write("job.json", config(1, #", "fail_after_pages": 3"#))
        let stopped = try CLIHarness.run(["run", jobA, "--progress", "off"], environment: moto.environment)
        #expect(stopped.status == 75, "\(stopped.stderr)")
        #expect(try moto.objects(prefix: "shared/").keys.allSatisfy { $0 == "shared/.chat-export-owner.json" })
        // Job B, configured with the same prefix, runs to the end.
        let jobB = try b.write("job.json", config(2, ""))
        let runB = try CLIHarness.run(["run", jobB, "--progress", "off"], environment: moto.environment)
        // The prefix is job A's since its first run claimed it: B is refused, nothing of A's touched.
        #expect(runB.status == 78, "\(runB.stderr)")
        let before = try moto.objects(prefix: "shared/")
        // Job A resumes.
        _ = try a.write("job.json", config(1, ""))
        let runA = try CLIHarness.run(["run", jobA, "--progress", "off"], environment: moto.environment)
        let after = try moto.objects(prefix: "shared/")
        for (key, bytes) in before {
            #expect(after[key] == bytes, "job A (exit \(runA.status)) replaced job B's \(key)")
        }
    }
}
