import Foundation

/// Writes log events to a file descriptor (stderr by default), as human text or JSON lines.
public struct ExportStreamLogHandler: ExportLogHandler {
    /// The output format.
    public enum Format: String, Sendable, CaseIterable {
        /// `2026-01-01T00:00:00Z info  message key=value`
        case human
        /// One JSON object a line: `{"ts":…,"level":…,"msg":…,…}`
        case json
    }

    private let format: Format
    private let output: FileOutput

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - format: Human text or JSON lines.
    ///   - fileDescriptor: Where to write; 2 (stderr) by default.
    public init(format: Format = .human, fileDescriptor: Int32 = 2) {
        self.format = format
        self.output = FileOutput.shared(fileDescriptor)
    }

    /// Formats and writes the event.
    ///
    /// - Parameter event: The event.
    public func log(_ event: ExportLogEvent) {
        output.writeLine(Self.render(event, format: format))
    }

    /// Renders an event as one line.
    ///
    /// Human lines say each thing once: a field whose value the message already says (a count, the
    /// stream's name) is left out, and so are an event's name and numbers (`"event":
    /// "stream_finished"`: its message says them in words); other numbers are rounded to three
    /// significant digits. JSON lines carry every field, numbers in full.
    ///
    /// - Parameters:
    ///   - event: The event.
    ///   - format: Human text or JSON.
    /// - Returns: The line, without a newline.
    public static func render(_ event: ExportLogEvent, format: Format) -> String {
        let keys = event.metadata.keys.sorted()
        switch format {
        case .human:
            var line = event.timestamp.iso8601(fractionDigits: 3) + " " + event.level.description
            line += String(repeating: " ", count: max(1, 8 - event.level.description.count)) + event.message
            let isEvent = event.metadata["event"] != nil
            let words = Set(
                event.message.split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",;:()[]{}\"'")) })
            for key in keys where key != "event" {
                guard let field = event.metadata[key] else { continue }
                let value: String
                switch field {
                case .string(let text): value = text
                case .int, .bool:
                    if isEvent { continue }
                    value = field.description
                case .double(let number):
                    if isEvent { continue }
                    value = Readable.significant(number)
                }
                if words.contains(value) { continue }
                line += " \(key)=" + (value.contains(" ") || value.isEmpty ? JSONValue.quoted(value) : value)
            }
            return line
        case .json:
            var members: [(key: String, value: JSONValue)] = [
                ("ts", .string(event.timestamp.iso8601(fractionDigits: 6))),
                ("level", .string(event.level.description)),
                ("msg", .string(event.message)),
            ]
            for key in keys { members.append((key, event.metadata[key]?.json ?? .null)) }
            return JSONValue.object(members).jsonText
        }
    }
}
