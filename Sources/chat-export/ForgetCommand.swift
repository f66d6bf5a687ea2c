import BuiltInComponents
import ConnectorKit
import ConnectorRuntime
import Foundation

/// `chat-export forget CONFIG --end-user ID [--end-user ID …] | --from-file FILE`: removes end
/// users' conversations and messages from every sink of the job and keeps them out of later runs
/// (see ``ForgetJob``).
struct ForgetCommand {
    /// `forget`'s options.
    enum Flags {
        static let endUser = CLIOption.option("--end-user", "ID", repeatable: true, help: "an end user")
        static let fromFile = CLIOption.option(
            "--from-file", "FILE", .path, repeatable: true,
            help: "end users, one per line; blank lines and lines starting with #\nare skipped")
    }

    /// The most end users one forget takes.
    static let maximumEndUsers = 100_000
    /// The longest end-user id.
    static let maximumLength = 1024
    /// The largest `--from-file`.
    static let maximumFileBytes = 16 << 20
    /// For tests: kill the process (SIGKILL) after this many durable steps, to show a re-run finishes the job.
    static let killAfterStepsVariable = "CHAT_EXPORT_TEST_KILL_AFTER_STEPS"

    static let command = CLICommand(
        "forget",
        usage: """
            Usage: chat-export forget CONFIG --end-user ID [--end-user ID]...
                   chat-export forget CONFIG --from-file FILE
            """,
        discussion: """
            Removes the end users' conversations and all their messages from every sink of the job
            (SQLite and PostgreSQL in one transaction each; files and s3 parts written again without
            them, copies set aside by a full refresh included) and keeps them in the job's
            suppression list, so later runs and full refreshes hold their records back while the
            vendor still serves them. An end user is a value of a field the source declares
            (Ada: end_user_id or chatter_id; DeepConverse: userId); where the job pseudonymizes it,
            the pseudonym is matched. Prints an audit entry (when, how many records per sink; no
            personal data) and keeps it in the job's state.

            Safe to run again, and after a kill: a second run finishes what the first started.
            """,
        options: [Flags.endUser, Flags.fromFile])

    var environment: [String: String]
    var logger: ExportLogger

    /// Runs the forget.
    func run(config file: String, arguments: Arguments) async throws -> Int32 {
        let endUsers = try Self.endUsers(arguments)
        let job = try JobConfigLoader(registry: BuiltIns.registry, environment: environment, logger: logger).load(file: file)
        let store = try await job.openCheckpointStore(logger: logger)
        var forget = ForgetJob(job: job, checkpoints: store, endUsers: endUsers, logger: logger)
        if let text = environment[Self.killAfterStepsVariable], let limit = Int(text) {
            let counter = StepCounter()
            forget.stepCompleted = { _ in if counter.increment() >= limit { kill(getpid(), SIGKILL) } }
        }
        let work = forget
        let event = await SignalWatcher.run(
            { try await work.run() },
            onSignal: { number in logger.warning("received \(SignalWatcher.name(number)); stopping at the last step made durable") })
        for sink in job.sinks { try? await sink.finish(succeeded: false) }
        await store.close()
        switch event {
        case .signalled(let number):
            logger.warning("forget stopped; run it again with the same end users to finish it")
            return 128 + number
        case .finished(.failure(let error)):
            throw error
        case .finished(.success(let audit)):
            print(JSONValue.object([("forget", audit.json)]).serialized(pretty: false))
            let removed = audit.removed.map { "\($0.sink) \($0.streams.values.reduce(0, +))" }.joined(separator: ", ")
            logger.info(
                "forget finished: \(audit.endUsers) end users, \(audit.conversations) conversations; records removed: \(removed); "
                    + "later runs hold back \(audit.suppressed.endUsers) end users and \(audit.suppressed.conversations) conversations",
                ["event": "forget_finished", "end_users": .int(audit.endUsers), "conversations": .int(audit.conversations)])
            return 0
        }
    }

    /// The end users of `--end-user` and `--from-file`, each checked, repeats removed.
    static func endUsers(_ arguments: Arguments) throws -> [String] {
        var values = arguments.values(Flags.endUser) ?? []
        for file in arguments.values(Flags.fromFile) ?? [] {
            guard let bytes = try FileSystem.readFile(file) else {
                throw UsageError(message: "--from-file \(file): file not found", command: "forget")
            }
            guard bytes.count <= maximumFileBytes else {
                throw UsageError(message: "--from-file \(file): larger than \(maximumFileBytes >> 20) MiB", command: "forget")
            }
            for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
                let value = line.trimmingCharacters(in: .whitespaces)
                if value.isEmpty || value.hasPrefix("#") { continue }
                values.append(value)
            }
        }
        guard !values.isEmpty else { throw UsageError(message: "give --end-user ID (repeatable) or --from-file FILE", command: "forget") }
        var seen = Set<String>()
        var unique: [String] = []
        for (index, value) in values.enumerated() where seen.insert(value).inserted {
            guard !value.isEmpty, value.utf8.count <= maximumLength,
                !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw UsageError(
                    message: "end user \(index + 1): expected 1 to \(maximumLength) bytes without control characters", command: "forget")
            }
            unique.append(value)
        }
        guard unique.count <= maximumEndUsers else {
            throw UsageError(message: "\(unique.count) end users: at most \(maximumEndUsers) in one forget", command: "forget")
        }
        return unique
    }
}

/// Counts steps across tasks.
final class StepCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() -> Int {
        lock.withLock {
            count += 1
            return count
        }
    }
}
