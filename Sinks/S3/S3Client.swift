import ConnectorHTTP
import ConnectorKit
import Foundation

/// The little of S3's API the sink needs (PUT, multipart upload, GET, HEAD, LIST, COPY, DELETE),
/// for any S3-compatible store, signed with Signature Version 4 and retried like a vendor.
final class S3Client: Sendable {
    let settings: S3Settings
    private let transport: any HTTPTransport
    private let signer: SignatureV4
    private let logger: ExportLogger
    private let endpoint: HTTPOrigin

    init(settings: S3Settings, logger: ExportLogger, transport: (any HTTPTransport)? = nil) throws {
        self.settings = settings
        self.logger = logger
        guard let endpoint = HTTPOrigin(settings.endpoint) else {
            throw ChatExportError(.invalidConfig, "s3: endpoint \(settings.endpoint) is not an http(s) URL")
        }
        self.endpoint = endpoint
        signer = SignatureV4(
            accessKeyID: settings.accessKeyID, secretAccessKey: settings.secretAccessKey, sessionToken: settings.sessionToken,
            region: settings.region)
        self.transport =
            try transport
            ?? CurlTransport(options: .init(connectTimeout: settings.connectTimeout, requestTimeout: settings.requestTimeout))
    }

    /// `s3://bucket/prefix`
    var location: String { "s3://\(settings.bucket)/\(settings.prefix)" }

    // MARK: - Operations

    /// Stores `body` at `key`.
    func put(_ key: String, body: [UInt8], contentType: String) async throws {
        _ = try await send("PUT", key: key, headers: [("content-type", contentType)], body: body, purpose: "upload \(key)")
    }

    /// Uploads a file to `key`: one PUT when it is small, a multipart upload of `partSize` parts otherwise.
    func upload(file: String, to key: String, contentType: String) async throws {
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw ChatExportError(.storageFailure, "s3: cannot read \(file): \(FileSystem.errorText())")
        }
        defer { try? handle.close() }
        func chunk() throws -> [UInt8] {
            guard let data = try handle.read(upToCount: settings.partSize) else { return [] }
            return [UInt8](data)
        }
        guard fileSize > settings.partSize else {
            try await put(key, body: try chunk(), contentType: contentType)
            return
        }
        let started = try await send(
            "POST", key: key, query: [("uploads", "")], headers: [("content-type", contentType)], purpose: "start the upload of \(key)")
        guard let uploadID = S3XML.value("UploadId", in: started.body) else {
            throw ChatExportError(.vendorError, "s3: \(location): starting the upload of \(key) answered no UploadId")
        }
        do {
            var parts: [(Int, String)] = []
            var number = 1
            while case let bytes = try chunk(), !bytes.isEmpty {
                let answer = try await send(
                    "PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: bytes,
                    purpose: "upload part \(number) of \(key)")
                guard let etag = answer.headers["etag"] else {
                    throw ChatExportError(.vendorError, "s3: \(location): part \(number) of \(key) answered no ETag")
                }
                parts.append((number, etag))
                number += 1
            }
            let document =
                "<CompleteMultipartUpload>"
                + parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\(S3XML.escape($0.1))</ETag></Part>" }.joined()
                + "</CompleteMultipartUpload>"
            let completed = try await send(
                "POST", key: key, query: [("uploadId", uploadID)], headers: [("content-type", "application/xml")],
                body: Array(document.utf8), accept: [404], purpose: "complete the upload of \(key)")
            if completed.status == 404 {
                // NoSuchUpload: an earlier attempt completed it and its answer was lost; the
                // object is there, whole, or the upload is gone for good.
                guard try await size(of: key) == fileSize else {
                    throw ChatExportError(
                        .temporaryFailure, "s3: \(location): the upload of \(key) was lost before it completed. Re-run to resume")
                }
                return
            }
            // S3 may answer 200 with an error inside the body.
            if let code = S3XML.value("Code", in: completed.body) {
                throw ChatExportError(.temporaryFailure, "s3: \(location): completing the upload of \(key) failed: \(code)")
            }
        } catch {
            _ = try? await send("DELETE", key: key, query: [("uploadId", uploadID)], purpose: "abort the upload of \(key)")
            throw error
        }
    }

    /// The bytes of `key`, or nil when there is no such object.
    func get(_ key: String) async throws -> [UInt8]? {
        let answer = try await send("GET", key: key, accept: [404], purpose: "read \(key)")
        return answer.status == 404 ? nil : answer.body
    }

    /// Whether `key` exists.
    func exists(_ key: String) async throws -> Bool {
        try await size(of: key) != nil
    }

    /// The size of `key`, or nil when there is no such object.
    func size(of key: String) async throws -> Int? {
        let answer = try await send("HEAD", key: key, accept: [404], purpose: "look for \(key)")
        return answer.status == 404 ? nil : Int(answer.headers["content-length"] ?? "") ?? 0
    }

    /// Up to `limit` keys under `prefix`.
    func list(prefix: String, limit: Int = 1000) async throws -> [String] {
        let answer = try await send(
            "GET", key: nil, query: [("list-type", "2"), ("prefix", prefix), ("max-keys", String(limit))], purpose: "list \(prefix)")
        return S3XML.values("Key", in: answer.body)
    }

    /// Every key under `prefix`, a thousand per listing (at most `limit` in all).
    func listAll(prefix: String, limit: Int = 1_000_000) async throws -> [String] {
        var keys: [String] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", "1000")]
            if let token { query.append(("continuation-token", token)) }
            let answer = try await send("GET", key: nil, query: query, purpose: "list \(prefix)")
            keys += S3XML.values("Key", in: answer.body)
            guard keys.count <= limit else {
                throw ChatExportError(.storageFailure, "s3: \(location): more than \(limit) objects under \(prefix)")
            }
            token = S3XML.value("IsTruncated", in: answer.body) == "true" ? S3XML.value("NextContinuationToken", in: answer.body) : nil
        } while token != nil
        return keys
    }

    /// Writes the object at `key` into the local `file` (created 0600), `partSize` bytes per request.
    func download(_ key: String, to file: String) async throws {
        let fd = Glibc.open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, FileSystem.fileMode)
        guard fd >= 0 else { throw ChatExportError(.storageFailure, "s3: cannot create \(file): \(FileSystem.errorText())") }
        defer { close(fd) }
        var offset = 0
        while true {
            let answer = try await send(
                "GET", key: key, headers: [("range", "bytes=\(offset)-\(offset + settings.partSize - 1)")], accept: [416],
                purpose: "download \(key)")
            // An empty object answers 416 to any range.
            if answer.status == 416 { break }
            guard FileSystem.writeAll(fd: fd, answer.body) else {
                throw ChatExportError(.storageFailure, "s3: cannot write \(file): \(FileSystem.errorText())")
            }
            offset += answer.body.count
            // `Content-Range: bytes 0-16777215/40000000`; a store that ignores the range sends it all at once.
            guard answer.status == 206, let total = answer.headers["content-range"]?.split(separator: "/").last.flatMap({ Int($0) }),
                offset < total, !answer.body.isEmpty
            else { break }
        }
        guard fsync(fd) == 0 else { throw ChatExportError(.storageFailure, "s3: cannot sync \(file): \(FileSystem.errorText())") }
    }

    /// Copies `source` to `target` within the bucket.
    func copy(_ source: String, to target: String) async throws {
        let answer = try await send(
            "PUT", key: target, headers: [("x-amz-copy-source", "/\(settings.bucket)/" + SignatureV4.encode(source, keepSlash: true))],
            purpose: "copy \(source) to \(target)")
        if let code = S3XML.value("Code", in: answer.body) {
            throw ChatExportError(.temporaryFailure, "s3: \(location): copying \(source) failed: \(code)")
        }
    }

    /// Deletes `key`.
    func delete(_ key: String) async throws {
        _ = try await send("DELETE", key: key, accept: [404], purpose: "delete \(key)")
    }

    /// Checks the bucket is there and these credentials may write under the prefix: a small
    /// object written, then deleted.
    func check() async throws -> [CheckResult] {
        // What a run does: list the prefix, look for an object, write one, delete it.
        _ = try await list(prefix: settings.prefix, limit: 1)
        let probe = settings.prefix + ".chat-export-check-\(getpid())"
        try await put(probe, body: Array("check\n".utf8), contentType: "text/plain")
        _ = try await exists(probe)
        try await delete(probe)
        return [CheckResult(subject: location, detail: "bucket reachable, credentials accepted, prefix listable and writable")]
    }

    // MARK: - Requests

    /// Where `key` is: `(url, host, path)`, path-style or virtual-hosted.
    func address(_ key: String?, query: [(String, String)]) -> (url: String, host: String, path: String) {
        let port = endpoint.port == (endpoint.scheme == "https" ? 443 : 80) ? "" : ":\(endpoint.port)"
        let object = key.map { "/" + SignatureV4.encode($0, keepSlash: true) } ?? "/"
        let host: String
        let path: String
        if settings.pathStyle {
            host = endpoint.host + port
            path = "/" + settings.bucket + (key == nil ? "" : object)
        } else {
            host = settings.bucket + "." + endpoint.host + port
            path = object
        }
        let queryText = query.map { SignatureV4.encode($0.0) + ($0.1.isEmpty && $0.0 == "uploads" ? "" : "=" + SignatureV4.encode($0.1)) }
            .joined(separator: "&")
        return ("\(endpoint.scheme)://\(host)\(path)" + (queryText.isEmpty ? "" : "?" + queryText), host, path)
    }

    /// Sends a signed request, retrying 5xx, throttling (503 SlowDown, 429) and transport
    /// failures with exponential backoff and full jitter; statuses in `accept` are answers too.
    private func send(
        _ method: String, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [], body: [UInt8]? = nil,
        accept: Set<Int> = [], purpose: String
    ) async throws -> VendorHTTPResponse {
        let (url, host, path) = address(key, query: query)
        let payloadHash = SignatureV4.hex(SignatureV4.sha256(body ?? []))
        var headers = headers
        if body != nil, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            // Not libcurl's default for a body (a form), which some servers parse as one.
            headers.append(("content-type", "application/octet-stream"))
        }
        var random = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            try Task.checkCancellation()
            let signed = signer.sign(
                method: method, host: host, path: path, query: query, headers: headers, payloadHash: payloadHash, now: .now)
            let request = VendorHTTPRequest(method: method, url: url, headers: signed.map { ($0.0, $0.1) }, body: body)
            let problem: String
            do {
                let response = try await transport.send(request)
                if (200..<300).contains(response.status) || accept.contains(response.status) { return response }
                let code = S3XML.oneLine(S3XML.value("Code", in: response.body) ?? "", limit: 64)
                let message = S3XML.value("Message", in: response.body).map { ": \(S3XML.oneLine(Secret.mask($0, signer.secrets)))" } ?? ""
                if !(response.status >= 500 || response.status == 429 || response.status == 408 || code == "SlowDown"
                    || code == "RequestTimeout")
                {
                    throw failure(response.status, code: code, message: message, purpose: purpose)
                }
                problem = "answered \(response.status)\(code.isEmpty ? "" : " \(code)")\(message)"
            } catch let error as HTTPTransportError {
                problem = Secret.mask(error.description, signer.secrets)
            }
            guard attempt < settings.maxAttempts else {
                throw ChatExportError(
                    .temporaryFailure,
                    "s3: \(location): could not \(purpose) after \(attempt) attempts; last: \(problem). Re-run to resume")
            }
            let delay = settings.retry.delay(afterAttempt: attempt, retryAfter: nil, using: &random)
            logger.warning(
                "s3: \(purpose) \(problem); retrying in \(String(format: "%.2f", delay.inSeconds)) s (attempt \(attempt + 1) of \(settings.maxAttempts))"
            )
            try await Task.sleep(for: delay)
            attempt += 1
        }
    }

    /// A refusal in words: rejected credentials (exit 77), a missing bucket, a missing
    /// permission or a wrong region (78), anything else (1).
    private func failure(_ status: Int, code: String, message: String, purpose: String) -> ChatExportError {
        let subject = "s3: bucket \(settings.bucket)"
        switch code {
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "TokenRefreshRequired", "InvalidClientTokenId":
            return ChatExportError(
                .credentialsRejected, "\(subject): the credentials were rejected (\(code)\(message)) trying to \(purpose)")
        case "NoSuchBucket":
            return ChatExportError(.invalidConfig, "\(subject) does not exist at \(settings.endpoint) (NoSuchBucket); check sinks[].bucket")
        case "AccessDenied", "AllAccessDisabled", "AccountProblem":
            return ChatExportError(
                .invalidConfig,
                "\(subject): permission denied trying to \(purpose) (\(code)\(message)); the credentials need s3:PutObject, "
                    + "s3:GetObject, s3:ListBucket and s3:DeleteObject on \(location)")
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
            return ChatExportError(
                .invalidConfig, "\(subject) is in another region than \(settings.region) (\(code)\(message)); check sinks[].region")
        default:
            if status == 401 || status == 403 {
                return ChatExportError(
                    .credentialsRejected, "\(subject): the request was refused (\(status) \(code)\(message)) trying to \(purpose)")
            }
            if status == 404 { return ChatExportError(.invalidConfig, "\(subject): not found trying to \(purpose) (\(code)\(message))") }
            return ChatExportError(.vendorError, "\(subject): could not \(purpose): \(status) \(code)\(message)")
        }
    }
}

extension SignatureV4 {
    /// The secret values, for masking.
    var secrets: [String] { [secretAccessKey.reveal()] + (sessionToken.map { [$0.reveal()] } ?? []) }
}

/// The few fields of S3's XML answers the client reads.
enum S3XML {
    /// The text of the first `<name>` element.
    static func value(_ name: String, in body: [UInt8]) -> String? { values(name, in: body, limit: 1).first }

    /// The texts of the `<name>` elements.
    static func values(_ name: String, in body: [UInt8], limit: Int = .max) -> [String] {
        let text = String(decoding: body, as: UTF8.self)
        var found: [String] = []
        var rest = text[...]
        while found.count < limit, let open = rest.range(of: "<\(name)>"),
            let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex)
        {
            found.append(unescape(String(rest[open.upperBound..<close.lowerBound])))
            rest = rest[close.upperBound...]
        }
        return found
    }

    /// A server's text on one line, at most `limit` characters (a hostile one cannot forge log
    /// lines or flood them).
    static func oneLine(_ text: String, limit: Int = 300) -> String {
        let flat = String(text.map { $0.isNewline || ($0.isASCII && $0.asciiValue! < 0x20) ? " " : $0 })
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(
            of: "&lt;", with: "<"
        )
        .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;"
        )
        .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
