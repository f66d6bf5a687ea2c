import BuiltInComponents
import ConnectorKit
import Foundation
import VendorSandbox

/// `chat-export sandbox`: runs the vendor sandbox in the foreground.
enum SandboxCommand {
    /// Flags that set sandbox knobs, with their help.
    static let knobs: [(flag: String, help: String, apply: @Sendable (inout SandboxSettings, String) -> Bool)] = [
        ("--seed", "dataset and fault seed (default 1)", { s, v in UInt64(v).map { s.seed = $0 } != nil }),
        ("--conversations", "conversations per vendor (default 200)", { s, v in Int(v).map { s.conversations = $0 } != nil }),
        (
            "--messages-per-conversation", "average messages per conversation (default 8)",
            { s, v in Int(v).map { s.messagesPerConversation = $0 } != nil }
        ),
        ("--days", "days of data before the end (default 30)", { s, v in Int(v).map { s.days = $0 } != nil }),
        ("--end", "the newest data's bound, ISO-8601 (default: 3 hours ago)", { s, v in Timestamp(iso8601: v).map { s.end = $0 } != nil }),
        (
            "--updated-fraction", "fraction of conversations updated days later (default 0.2)",
            { s, v in Double(v).map { s.updatedFraction = $0 } != nil }
        ),
        (
            "--late-fraction", "fraction of records shown only --late-by after their time (default 0)",
            { s, v in Double(v).flatMap { (0...1).contains($0) ? $0 : nil }.map { s.lateFraction = $0 } != nil }
        ),
        (
            "--late-by", "how late those records are shown, e.g. 30h (default 30h)",
            { s, v in Duration.parseSeconds(.string(v)).map { s.lateBy = $0 } != nil }
        ),
        ("--latency", "latency per request, e.g. 500ms", { s, v in Duration.parseSeconds(.string(v)).map { s.latency = $0 } != nil }),
        (
            "--latency-per-record", "extra latency per record returned, e.g. 0.05ms",
            { s, v in Duration.parseSeconds(.string(v)).map { s.latencyPerRecord = $0 } != nil }
        ),
        ("--rate-limit", "requests/s per endpoint before 429s", { s, v in Double(v).map { s.rateLimit = $0 } != nil }),
        (
            "--per-minute-limit", "requests per minute to the whole sandbox before 429s (Ada v2: 100)",
            { s, v in Int(v).map { s.perMinuteLimit = $0 } != nil }
        ),
        (
            "--per-day-limit", "requests per UTC day to the whole sandbox before 429s (Ada v2: 15000)",
            { s, v in Int(v).map { s.perDayLimit = $0 } != nil }
        ),
        (
            "--retry-after", "Retry-After seconds sent with 429s, or none (the default, as Ada)",
            { s, v in
                if v == "none" {
                    s.retryAfter = nil
                    return true
                }
                return Int(v).map { s.retryAfter = $0 } != nil
            }
        ),
        (
            "--tie-group", "Ada messages sharing one timestamp, to exercise ties longer than a page (default 0)",
            { s, v in Int(v).map { s.tieGroup = $0 } != nil }
        ),
        ("--error-rate", "fraction of requests answered 5xx", { s, v in Double(v).map { s.errorRate = $0 } != nil }),
        ("--throttle-rate", "fraction of requests answered 429", { s, v in Double(v).map { s.throttleRate = $0 } != nil }),
        ("--truncate-rate", "fraction of bodies cut off", { s, v in Double(v).map { s.truncateRate = $0 } != nil }),
        (
            "--record-key", "Ada v2 record array key: data or items",
            { s, v in
                guard ["data", "items"].contains(v) else { return false }
                s.recordKey = v
                return true
            }
        ),
        (
            "--next-link", "Ada v2 next_page_uri: absolute, rooted or relative",
            { s, v in SandboxSettings.NextLink(rawValue: v).map { s.nextLink = $0 } != nil }
        ),
        (
            "--epoch-format", "DeepConverse lastActionAt/time: seconds, milliseconds or iso8601",
            { s, v in SandboxSettings.EpochFormat(rawValue: v).map { s.epochFormat = $0 } != nil }
        ),
        (
            "--cache-pages", "keep rendered Ada pages and serve repeats from memory: yes or no (default no)",
            { s, v in
                guard ["yes", "no"].contains(v) else { return false }
                s.cachePages = v == "yes"
                return true
            }
        ),
        ("--cursor-ttl", "seconds a DeepConverse cursor stays valid (default 600)", { s, v in Double(v).map { s.cursorTTL = $0 } != nil }),
    ]

    /// `--port`: where the sandbox listens.
    static let port = CLIOption.option("--port", "PORT", .integer(0...65535), default: .described("a free one"), help: "the port")

    static let command = CLICommand(
        "sandbox", usage: "Usage: chat-export sandbox [--port PORT] [KNOBS]",
        discussion: """
            Runs a local fake of the Ada Data Export v2 and v1.4 and DeepConverse export APIs on
            127.0.0.1, with a deterministic dataset and optional faults, until SIGINT or SIGTERM.
            It prints the base URL and the credentials to use.
            """,
        options: [port] + knobs.map { CLIOption.option($0.flag, "VALUE", help: $0.help) })

    /// Builds settings from the parsed flags.
    static func settings(_ arguments: Arguments) throws -> SandboxSettings {
        var settings = SandboxSettings()
        for knob in knobs {
            guard let value = arguments.options[knob.flag]?.last else { continue }
            guard knob.apply(&settings, value) else {
                throw UsageError(message: "\(knob.flag): invalid value \"\(value)\" (\(knob.help))", command: "sandbox")
            }
        }
        return settings
    }

    static func run(_ arguments: Arguments, logger: ExportLogger) async throws -> Int32 {
        let settings = try settings(arguments)
        let port = UInt16(clamping: arguments.integer(Self.port) ?? 0)
        let sandbox: VendorSandbox
        do {
            sandbox = try VendorSandbox(settings: settings, port: port)
        } catch {
            throw ChatExportError(.failure, "sandbox: \(error)")
        }
        let dataset = sandbox.dataset
        print(
            """
            Vendor sandbox listening on \(sandbox.baseURL)
              Ada v2:        \(sandbox.baseURL)/api/v2/export/{conversations,messages}   token: \(settings.adaToken)
              Ada v1.4:      \(sandbox.baseURL)/data_api/v1.4/{conversations,messages}   token: \(settings.adaToken)
              DeepConverse:  \(sandbox.baseURL)/conversations/export/v1/{conversations,messages}   x-api-key: \(settings.deepConverseKey)   bot_name: \(settings.botName)
              data:          \(dataset.adaConversations.count) conversations, \(dataset.adaMessages.count) messages (Ada); \(dataset.deepConverseConversations.count) conversations, \(dataset.deepConverseMessages.count) messages (DeepConverse)
              range:         \(dataset.start.iso8601()) to \(settings.end.iso8601())
            Press Ctrl-C to stop.
            """
        )
        fflush(nil)
        _ = await SignalWatcher.next()
        sandbox.stop()
        logger.info("sandbox stopped after \(sandbox.requests.count) requests")
        return 0
    }
}
