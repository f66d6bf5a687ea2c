import BuiltInComponents
import ConnectorKit
import Foundation
import VendorSandbox

/// The demo's jobs, on top of the built-in registry.
extension BuiltIns {
    /// The demo's jobs against the sandbox: one per built-in vendor connector (and the synthetic
    /// source), each written as a real config file the person can read and reuse.
    static func demoJobs(sandbox: VendorSandbox) -> [(String, JSONValue)] {
        // Every demo job writes into one SQLite database, each under its own table prefix (and
        // keeps its checkpoint there, committed with its rows).
        let files: (String) -> JSONValue = { name in
            let prefix = name.replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "") + "_"
            return .array([.object([("type", .string("sqlite")), ("path", .string("out/demo.sqlite")), ("table_prefix", .string(prefix))])])
        }
        let range: [(key: String, value: JSONValue)] = [
            ("start", .string(sandbox.dataset.start.iso8601())), ("end", .string(sandbox.settings.end.iso8601())),
        ]
        let ada: (String) -> JSONValue = { type in
            .object(
                [
                    ("type", .string(type)), ("base_url", .string(sandbox.baseURL)), ("token", .string(sandbox.settings.adaToken)),
                    ("streams", .array([.string("conversations"), .string("messages")])), ("page_size", .integer(500)),
                    // The sandbox runs locally and enforces no limits; a real Ada job keeps the documented defaults.
                    ("rate_limits", .object([("per_endpoint_per_second", .integer(100)), ("per_minute", .integer(0))])),
                ] + range
            )
        }
        return [
            ("ada-v2", .object([("source", ada("ada-v2")), ("sinks", files("ada-v2"))])),
            ("ada-v1.4", .object([("source", ada("ada-v1.4")), ("sinks", files("ada-v1.4"))])),
            (
                "deepconverse",
                .object([
                    (
                        "source",
                        .object(
                            [
                                ("type", .string("deepconverse")), ("base_url", .string(sandbox.baseURL)),
                                ("api_key", .string(sandbox.settings.deepConverseKey)), ("bot_name", .string(sandbox.settings.botName)),
                                ("per_page", .integer(500)),
                            ] + range
                        )
                    ),
                    ("sinks", files("deepconverse")),
                ])
            ),
            (
                "synthetic",
                .object([
                    ("source", .object([("type", .string("synthetic")), ("records", .integer(5000)), ("page_size", .integer(500))])),
                    ("sinks", files("synthetic")),
                ])
            ),
        ]
    }

    /// Something to try after the demo.
    static func demoHint(directory: String) -> String {
        """
        Try (with the sqlite3 command-line tool):
          sqlite3 \(directory)/out/demo.sqlite "SELECT platform, count(*), round(avg(csat_score), 2) FROM ada_v2_conversations_view GROUP BY platform"
          sqlite3 \(directory)/out/demo.sqlite "SELECT message_type, count(*) FROM ada_v2_messages_view GROUP BY 1 ORDER BY 2 DESC"
          chat-export state show \(directory)/ada-v2.json
        """
    }
}
