import BuiltInComponents
import Dispatch
import Foundation
import ProtocolAdapters

// A closed pipe on stdout must surface as a write error (EPIPE), not kill the process silently.
signal(SIGPIPE, SIG_IGN)
// SIGINT and SIGTERM are caught from the start: one that arrives early is kept, not lost.
SignalWatcher.install()
let environment = ProcessInfo.processInfo.environment
MemoryTuning.apply(environment: environment)

// As chat-export's main: the command runs on the concurrency pool while the main thread waits.
let arguments = Array(CommandLine.arguments.dropFirst())
let finished = DispatchSemaphore(value: 0)
nonisolated(unsafe) var status: Int32 = 0
Task.detached {
    status = await AirbyteSource.main(arguments: arguments, environment: environment, registry: BuiltIns.registry)
    finished.signal()
}
finished.wait()
exit(status)
