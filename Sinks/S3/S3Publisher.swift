import ConnectorKit
import FilesSink
import Foundation

/// Publishes the files sink's finished parts as objects `<prefix><stream>/part-00000001.<ext>`:
/// the key depends on the part number alone, so a part uploaded again after a crash (before its
/// checkpoint moved on) replaces itself, never a second object.
struct S3Publisher: PartPublisher {
    let client: S3Client

    var location: String { client.location }

    func key(_ stream: String, _ number: Int, _ format: FileFormat) -> String {
        let digits = String(number)
        return client.settings.prefix + stream + "/part-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + "."
            + format.fileExtension
    }

    func publish(file: String, number: Int, format: FileFormat, stream: String) async throws {
        try await client.upload(file: file, to: key(stream, number, format), contentType: Self.contentType(format))
    }

    func isPublished(number: Int, format: FileFormat, stream: String) async throws -> Bool {
        try await client.exists(key(stream, number, format))
    }

    func publishedCount(of stream: String) async throws -> Int {
        try await client.list(prefix: client.settings.prefix + stream + "/part-", limit: 2).count
    }

    func setAside(_ stream: String, to aside: String) async throws -> String? {
        let target = client.settings.prefix + aside + "/" + stream + "/"
        var moved = 0
        // Listed a thousand at a time; each listing shows what is left (moved keys are deleted).
        while case let keys = try await client.list(prefix: client.settings.prefix + stream + "/part-"), !keys.isEmpty {
            for key in keys {
                try await client.copy(key, to: target + (key as NSString).lastPathComponent)
                try await client.delete(key)
                moved += 1
            }
        }
        return moved == 0 ? nil : "s3://\(client.settings.bucket)/\(target)"
    }

    func owner() async throws -> [UInt8]? { try await client.get(ownerKey) }

    func setOwner(_ record: [UInt8]) async throws { try await client.put(ownerKey, body: record, contentType: "application/json") }

    /// `<prefix>.chat-export-owner.json`: which job's objects these are.
    var ownerKey: String { client.settings.prefix + ".chat-export-owner.json" }

    func check() async throws -> [CheckResult] { try await client.check() }

    /// `<prefix><stream>/part-…` and `<prefix>.replaced-<time>/<stream>/part-…`.
    func storedParts(of stream: String) async throws -> [StoredPart] {
        let prefix = client.settings.prefix
        let keys = try await client.listAll(prefix: prefix + stream + "/part-") + client.listAll(prefix: prefix + ".replaced-")
        return keys.compactMap { key -> StoredPart? in
            let rest = key.dropFirst(prefix.count)
            let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
            let published = parts.count == 2 && parts[0] == stream
            let setAside = parts.count == 3 && parts[0].hasPrefix(".replaced-") && parts[1] == stream
            guard published || setAside, let name = parts.last, name.hasPrefix("part-"), let dot = name.firstIndex(of: "."),
                let format = FileFormat(rawValue: String(name[name.index(after: dot)...]))
            else { return nil }
            return StoredPart(key: key, format: format)
        }
    }

    func download(_ key: String, to file: String) async throws { try await client.download(key, to: file) }

    /// One PUT (or one multipart upload, completed at once): S3 swaps the object whole.
    func replace(_ key: String, with file: String, format: FileFormat) async throws {
        try await client.upload(file: file, to: key, contentType: Self.contentType(format))
    }

    static func contentType(_ format: FileFormat) -> String {
        switch format {
        case .jsonl: "application/x-ndjson"
        case .jsonlGzip: "application/gzip"
        case .parquet: "application/vnd.apache.parquet"
        }
    }
}
