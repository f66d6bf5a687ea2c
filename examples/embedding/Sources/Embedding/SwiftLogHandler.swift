import ConnectorKit
import Logging

/// Sends the runtime's log events to a swift-log `Logger`, with their typed fields as metadata.
struct SwiftLogHandler: ExportLogHandler {
    let logger: Logger

    func log(_ event: ExportLogEvent) {
        let level: Logger.Level =
            switch event.level {
            case .trace: .trace
            case .debug: .debug
            case .info: .info
            case .warning: .warning
            case .error: .error
            }
        logger.log(level: level, "\(event.message)", metadata: event.metadata.mapValues { .string($0.description) })
    }
}
