import Dispatch
import Foundation

/// What every ChatExport executable does before and around its command: a closed stdout is a
/// write error (EPIPE), not a silent death; SIGINT and SIGTERM are caught from the first
/// instruction (``SignalWatcher``); memory stays flat (``MemoryTuning``); the command runs on
/// the concurrency pool while the main thread waits on a semaphore.
///
/// An `async` top level would park the main thread in libdispatch's signal thread
/// (`dispatchMain`), which valgrind 3.19 cannot follow once worker threads start; blocking here
/// keeps the binaries profileable with `valgrind --tool=callgrind` and changes nothing else.
public enum ProcessMain {
    /// Runs `command` with the process's arguments (without the program name) and environment,
    /// then exits with the status it returns.
    ///
    /// - Parameter command: The command.
    public static func run(_ command: @escaping @Sendable (_ arguments: [String], _ environment: [String: String]) async -> Int32)
        -> Never
    {
        signal(SIGPIPE, SIG_IGN)
        SignalWatcher.install()
        let environment = ProcessInfo.processInfo.environment
        MemoryTuning.apply(environment: environment)
        let arguments = Array(CommandLine.arguments.dropFirst())
        final class Status: @unchecked Sendable { var value: Int32 = 0 }
        let status = Status()
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            status.value = await command(arguments, environment)
            finished.signal()
        }
        finished.wait()
        exit(status.value)
    }
}
