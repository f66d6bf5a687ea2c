import ConnectorKit
import Foundation
import RestConnector

/// `chat-export new-connector NAME [--dir DIR]`: writes `NAME.json`, a connector definition to
/// edit for a vendor (a worked example: bearer token, ISO and epoch bounds, offset and cursor
/// paging), and `NAME-job.json`, a job that uses it. Both pass `validate` once the token
/// variable is set. Existing files are never overwritten.
enum NewConnectorCommand {
    /// `--dir`: where the files are written.
    static let directory = CLIOption.option(
        "--dir", "DIR", .path, default: .value("."), help: "the directory to write in")

    static let command = CLICommand(
        "new-connector", usage: "Usage: chat-export new-connector NAME [--dir DIR]",
        discussion: """
            Writes DIR/NAME.json, a connector definition for a vendor that has no built-in connector
            (a worked example to edit: bearer token, epoch and ISO time bounds, offset and cursor
            paging, fields and the conversation model), and DIR/NAME-job.json, a job that reads it as
            {"type": "rest", "definition": "NAME.json"}. Existing files are never overwritten. The
            format's JSON Schema: chat-export spec rest-definition; validate checks a definition with
            JSON paths like any config.
            """,
        options: [directory])

    static func run(name: String, directory: String?) throws -> Int32 {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
            throw UsageError(
                message: "new-connector: NAME uses letters, digits, '-' and '_' only, got \"\(name)\"", command: "new-connector")
        }
        let directory = directory ?? Self.directory.defaultString
        let variable = name.uppercased().replacingOccurrences(of: "-", with: "_") + "_TOKEN"
        let files = [
            (name + ".json", definition(name: name)),
            (name + "-job.json", job(name: name, variable: variable)),
        ]
        for (file, _) in files where FileManager.default.fileExists(atPath: directory + "/" + file) {
            throw ChatExportError(.invalidConfig, "new-connector: \(directory)/\(file) exists; not overwriting it")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (file, text) in files {
            guard FileManager.default.createFile(atPath: directory + "/" + file, contents: Data(text.utf8)) else {
                throw ChatExportError(.failure, "new-connector: cannot write \(directory)/\(file)")
            }
        }
        print(
            """
            wrote \(directory)/\(name).json (the connector definition) and \(directory)/\(name)-job.json (a job using it)
            next: edit the definition for your vendor (schema: chat-export spec rest-definition), then
              export \(variable)=…
              chat-export validate \(directory)/\(name)-job.json && chat-export check \(directory)/\(name)-job.json
            """)
        return 0
    }

    /// The job: the definition by path, a SQLite sink beside it.
    static func job(name: String, variable: String) -> String {
        """
        {
          "source": {
            "type": "rest",
            "definition": "\(name).json",
            "base_url": "https://api.\(name).example",
            "api_token": "${\(variable)}",
            "start": "2026-01-01T00:00:00Z"
          },
          "sinks": [{"type": "sqlite", "path": "out/\(name).sqlite"}]
        }

        """
    }

    /// The worked example: a made-up vendor whose conversations page by offset (epoch-second
    /// bounds, `updated_at` in epoch milliseconds) and whose messages page by a body cursor
    /// (ISO bounds, the end inclusive).
    static func definition(name: String) -> String {
        """
        {
          "$schema": "chat-export spec rest-definition",
          "name": "\(name)",
          "title": "\(name) export API",
          "summary": "\(name): conversations and messages (a connector definition).",
          "options": [
            {"name": "base_url", "type": "url", "required": true, "summary": "The API's base URL."},
            {"name": "api_token", "type": "secret", "required": true, "summary": "The API token; use \\"${TOKEN_VARIABLE}\\"."},
            {"name": "streams", "type": "streams", "summary": "The streams to read."},
            {"name": "start", "type": "timestamp", "required": true, "summary": "Where a first run starts."},
            {"name": "end", "type": "timestamp", "summary": "Where reading ends; default: now − lag."},
            {"name": "lag", "type": "duration", "default": "1h", "summary": "How far behind now to stop."},
            {"name": "page_size", "type": "integer", "min": 1, "max": 500, "default": 200, "summary": "Records per page."},
            {"name": "window_days", "type": "number", "min": 0.01, "max": 31, "default": 7, "summary": "The longest window in days."},
            {"name": "max_concurrent_windows", "type": "integer", "min": 1, "max": 16, "default": 2, "summary": "Windows read at once."},
            {"name": "lookback", "type": "duration", "default": "6h", "summary": "The latest a record may appear and still be read: each stretch is read again as it ages."}
          ],
          "base_url": "{base_url}",
          "auth": {"type": "bearer", "option": "api_token"},
          "rate_limits": {"per_endpoint_per_second": 5, "per_minute": 120},
          "errors": {"message": [["error", "message"]], "config": {"422": "\(name) refused the request's parameters"}},
          "range": {
            "start": "start", "end": "end", "lag": "lag", "window_days": "window_days",
            "max_concurrent_windows": "max_concurrent_windows", "lookback": "lookback"
          },
          "streams": [
            {
              "name": "conversations",
              "summary": "Conversations, read by updated_at.",
              "path": "/v1/conversations",
              "records": ["conversations"],
              "id": "id",
              "cursor": {"field": "updated_at", "column": "updated_at", "format": "epoch_or_iso8601"},
              "bounds": {"start": "updated_after", "end": "updated_before", "format": "epoch_seconds"},
              "paging": {"type": "offset", "parameter": "offset"},
              "page_size": {"parameter": "limit", "option": "page_size"},
              "lookback": true,
              "fields": [
                {"name": "channel"}, {"name": "status"}, {"name": "started_at", "type": "timestamp"},
                {"name": "rating", "path": ["feedback", "rating"], "type": "integer"}
              ],
              "canonical": {
                "kind": "conversation", "vendor": "\(name)",
                "columns": {
                  "conversation_id": {"column": "_id"}, "started_at": {"path": [["started_at"]]}, "updated_at": {"column": "updated_at"},
                  "channel": {"path": [["channel"]]}, "is_escalated": {"path": [["escalated"]]},
                  "csat_score": {"path": [["feedback", "rating"]]}, "csat_normalized": {"scaled": ["feedback", "rating"], "min": 1, "max": 5}
                }
              }
            },
            {
              "name": "messages",
              "summary": "Messages, read by sent_at.",
              "path": "/v1/messages",
              "records": ["messages"],
              "id": "id",
              "cursor": {"field": "sent_at", "column": "sent_at", "format": "iso8601"},
              "parent": {"field": "conversation_id", "column": "conversation_id"},
              "bounds": {"start": "sent_after", "end": "sent_before", "format": "iso8601", "end_inclusive": true},
              "paging": {"type": "cursor", "cursor": ["next_cursor"], "parameter": "cursor"},
              "page_size": {"parameter": "limit", "option": "page_size"},
              "fields": [{"name": "author"}, {"name": "text"}],
              "canonical": {
                "kind": "message", "vendor": "\(name)",
                "columns": {
                  "message_id": {"column": "_id"}, "conversation_id": {"column": "conversation_id"}, "sent_at": {"column": "sent_at"},
                  "role": {"role": [{"path": ["author"], "equals": "bot", "role": "bot"}, {"path": ["author"], "equals": "customer", "role": "user"}], "otherwise": "agent"},
                  "text": {"path": [["text"]]}
                }
              }
            }
          ]
        }

        """
    }
}
