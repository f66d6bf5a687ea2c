import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a value a task can await, so the root task group can cancel the
/// job structurally (the way swift-service-lifecycle's UnixSignals does).
///
/// The handlers are installed once, by ``install()`` at the very start of the process, and a
/// signal is latched: one that arrives before anything awaits it (while a banner is printed, a
/// config loaded) is returned by the next ``next()`` instead of being lost.
public enum SignalWatcher {
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var received: Int32?
        var waiters: [UInt64: CheckedContinuation<Int32?, Never>] = [:]
        var nextID: UInt64 = 0
        var sources: [any DispatchSourceSignal] = []

        func deliver(_ number: Int32) {
            let waiting = lock.withLock { () -> [CheckedContinuation<Int32?, Never>] in
                if received == nil { received = number }
                defer { waiters = [:] }
                return Array(waiters.values)
            }
            for waiter in waiting { waiter.resume(returning: number) }
        }
    }

    private static let state: State = {
        let state = State()
        for number in [SIGINT, SIGTERM] {
            // As libdispatch wants: the default action off, then the source armed (once, at
            // start, so the moment between the two is before anything runs).
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { state.deliver(number) }
            source.resume()
            state.sources.append(source)
        }
        return state
    }()

    /// Installs the SIGINT and SIGTERM handlers (once; later calls do nothing). Call it first
    /// thing in `main`.
    public static func install() { _ = state }

    /// Waits for SIGINT or SIGTERM and returns it (at once if one already arrived); returns nil
    /// when the waiting task is cancelled.
    ///
    /// - Returns: The signal number.
    public static func next() async -> Int32? {
        let state = self.state
        let id = state.lock.withLock { () -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
                let immediate = state.lock.withLock { () -> Int32?? in
                    if let received = state.received { return .some(received) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.lock.withLock { state.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}

extension SignalWatcher {
    /// How work run by ``run(_:onSignal:)`` ended.
    public enum Outcome<Value: Sendable>: Sendable {
        /// The work ended by itself.
        case finished(Result<Value, any Error>)
        /// SIGINT or SIGTERM arrived; the work was cancelled and has stopped.
        case signalled(Int32)
    }

    /// Runs `work` until it ends or SIGINT/SIGTERM arrives: then `onSignal` is told at once, the
    /// work is cancelled, and this returns once it has stopped (at its last durable checkpoint).
    ///
    /// - Parameters:
    ///   - work: The work, which must honour cancellation.
    ///   - onSignal: Called when a signal arrives, before the work has stopped.
    /// - Returns: How it ended.
    public static func run<Value: Sendable>(
        _ work: @escaping @Sendable () async throws -> Value, onSignal: @escaping @Sendable (Int32) -> Void = { _ in }
    ) async -> Outcome<Value> {
        await withTaskGroup(of: Outcome<Value>?.self) { group in
            group.addTask {
                do {
                    return .finished(.success(try await work()))
                } catch {
                    return .finished(.failure(error))
                }
            }
            group.addTask { await next().map(Outcome.signalled) }
            var finished: Result<Value, any Error>?
            var signalled: Int32?
            while let event = await group.next() {
                switch event {
                case .signalled(let number):
                    signalled = number
                    onSignal(number)
                case .finished(let result):
                    finished = result
                case nil:
                    continue
                }
                group.cancelAll()
            }
            if let signalled { return .signalled(signalled) }
            return .finished(finished ?? .failure(CancellationError()))
        }
    }

    /// `SIGINT` or `SIGTERM`.
    public static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : "SIGTERM" }
}
