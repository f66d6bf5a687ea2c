import BuiltInComponents
import ConnectorKit

/// The job config loader on arbitrary bytes, with the built-in registry (every source, sink and
/// transform validates its options).
///
/// For any input: reading ends with the document or a ``JSONSyntaxError`` /
/// ``JSONDuplicateKeysError``; loading ends with a job or a ``ConfigError`` whose every issue is
/// one line with a JSON path. Nothing else may be thrown, and nothing may trap.
enum ConfigCheck {
    /// Variables a config may name (`${ADA_TOKEN}`); others stay unset.
    static let environment = ["ADA_TOKEN": "fuzz-token-0123456789", "DEEPCONVERSE_API_KEY": "fuzz-key-0123456789", "HOME": "/nonexistent"]
    static let loader = JobConfigLoader(registry: BuiltIns.registry, environment: environment, logger: .disabled)

    static func check(_ input: [UInt8]) throws {
        guard let document = try read(input, target: "config") else { return }
        try load(document, loader: loader, target: "config")
    }

    /// Reads a document as the loaders do (duplicate keys refused): the document, or nil after a
    /// documented refusal.
    static func read(_ input: [UInt8], target: String, prefix: String = "") throws -> JSONValue? {
        do {
            return try JSONValue.parseRejectingDuplicateKeys(input)
        } catch is JSONSyntaxError {
            return nil
        } catch let error as JSONDuplicateKeysError {
            try checkRefusal(ConfigError(issues: error.issues(prefix: prefix)), target)
            return nil
        } catch {
            throw FuzzFinding(target, "reading threw \(type(of: error)): \(error)")
        }
    }

    /// Loads a document; a job, or a proper ``ConfigError``.
    static func load(_ document: JSONValue, loader: JobConfigLoader, target: String) throws {
        do {
            let job = try loader.load(
                document: document, baseDirectory: "/nonexistent/fuzz", defaultCheckpoint: "/nonexistent/fuzz/job.checkpoint.json",
                file: "fuzz.json")
            guard !job.source.streams.isEmpty else { throw FuzzFinding(target, "a job without streams was accepted") }
            for stream in job.source.streams where NameRules.streamNameProblem(stream.name) != nil {
                throw FuzzFinding(target, "a job with stream name \(JSONValue.quoted(stream.name)) was accepted")
            }
        } catch let error as ConfigError {
            try checkRefusal(error, target)
        } catch let finding as FuzzFinding {
            throw finding
        } catch {
            throw FuzzFinding(target, "loading threw \(type(of: error)), not ConfigError: \(error)")
        }
    }
}
