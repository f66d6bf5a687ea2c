import BuiltInComponents
import Dispatch
import Foundation

// A closed pipe on stdout must surface as a write error (EPIPE), not kill the process silently.
signal(SIGPIPE, SIG_IGN)
// SIGINT and SIGTERM are caught from the start: one that arrives early is kept, not lost.
SignalWatcher.install()

let environment = ProcessInfo.processInfo.environment

// Memory stays flat however long a job runs (see MemoryTuning).
MemoryTuning.apply(environment: environment)

// The command runs on the concurrency pool while the main thread waits on a semaphore. An `async`
// top level would park the main thread in libdispatch's signal thread (`dispatchMain`), which
// valgrind 3.19 cannot follow once worker threads start; blocking here keeps the binary
// profileable with `valgrind --tool=callgrind` and changes nothing else.
let arguments = Array(CommandLine.arguments.dropFirst())
let finished = DispatchSemaphore(value: 0)
nonisolated(unsafe) var status: Int32 = 0
Task.detached {
    status = await CLI.main(arguments: arguments, environment: environment)
    finished.signal()
}
finished.wait()
exit(status)
