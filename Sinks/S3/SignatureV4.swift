import ConnectorKit
import Foundation
import Hashing

/// AWS Signature Version 4 for S3 requests, on libcrypto's SHA-256 and HMAC (`SHA256Digest`)
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html>).
struct SignatureV4: Sendable {
    /// The access key id.
    var accessKeyID: String
    /// The secret access key.
    var secretAccessKey: Secret
    /// The session token of temporary credentials, sent as `x-amz-security-token`.
    var sessionToken: Secret?
    /// The region (`us-east-1`).
    var region: String
    /// The service (`s3`).
    var service = "s3"

    /// The headers to add to a request: `x-amz-date`, `x-amz-content-sha256`, the session token,
    /// and `Authorization`.
    ///
    /// - Parameters:
    ///   - method: The HTTP method.
    ///   - host: The `Host` header's value (with the port when it is not the scheme's default).
    ///   - path: The request path, already percent-encoded as it goes on the wire.
    ///   - query: The query parameters, not encoded.
    ///   - headers: Other headers to sign (names in any case).
    ///   - payloadHash: The body's SHA-256 in lowercase hex.
    ///   - now: The signing time.
    /// - Returns: The headers to send, `Authorization` last.
    func sign(
        method: String, host: String, path: String, query: [(String, String)], headers: [(String, String)] = [], payloadHash: String,
        now: Timestamp
    ) -> [(String, String)] {
        let stamp = Self.amzDate(now)
        let day = String(stamp.prefix(8))
        var signed: [(String, String)] = [("host", host), ("x-amz-content-sha256", payloadHash), ("x-amz-date", stamp)]
        if let sessionToken { signed.append(("x-amz-security-token", sessionToken.reveal())) }
        signed += headers.map { ($0.0.lowercased(), $0.1.trimmingCharacters(in: .whitespaces)) }
        signed.sort { $0.0 < $1.0 }
        let canonicalQuery = query.map { (Self.encode($0.0), Self.encode($0.1)) }.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        let names = signed.map(\.0).joined(separator: ";")
        let canonical = [
            method, path, canonicalQuery, signed.map { "\($0.0):\($0.1)\n" }.joined(), names, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let toSign = "AWS4-HMAC-SHA256\n\(stamp)\n\(scope)\n\(Self.hex(Self.sha256(Array(canonical.utf8))))"
        var key = Self.hmac(Array(("AWS4" + secretAccessKey.reveal()).utf8), Array(day.utf8))
        for part in [region, service, "aws4_request"] { key = Self.hmac(key, Array(part.utf8)) }
        let signature = Self.hex(Self.hmac(key, Array(toSign.utf8)))
        var out = signed.filter { $0.0 != "host" }
        out.append(("authorization", "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(names), Signature=\(signature)"))
        return out
    }

    /// `20130524T000000Z`
    static func amzDate(_ time: Timestamp) -> String {
        let text = time.iso8601()  // 2013-05-24T00:00:00Z
        return text.filter { $0 != "-" && $0 != ":" }
    }

    /// RFC 3986 percent-encoding of everything but unreserved ASCII (`A-Z a-z 0-9 - _ . ~`), as
    /// SigV4 wants for query names and values and for each path segment.
    static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out += "/"
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// SHA-256 of `bytes`.
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { SHA256Digest.hash(bytes) }

    /// HMAC-SHA-256 of `message` under `key`.
    static func hmac(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] { SHA256Digest.hmac(key: key, message) }

    /// Lowercase hex.
    static func hex(_ bytes: [UInt8]) -> String { SHA256Digest.hex(bytes) }
}
