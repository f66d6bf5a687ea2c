import ConnectorKit
import Foundation

/// A clock that moves only when a test advances it, for asserting exact schedules of rate
/// limiters and backoff without depending on how busy the machine is.
///
/// Hand it to the runtime as `SchedulingClock(manualClock)`. Sleepers resume when ``advance(by:)``
/// passes their deadline; ``waitForSleepers(_:)`` waits (on an event, not a timer) until that
/// many tasks are sleeping on it.
public final class ManualClock: Clock, @unchecked Sendable {
    /// An instant: the time advanced since the clock was made.
    public struct Instant: InstantProtocol, Sendable {
        /// Time since the clock was made.
        public var offset: Duration

        /// Creates an instant.
        ///
        /// - Parameter offset: Time since the clock was made.
        public init(offset: Duration) { self.offset = offset }

        /// The instant `duration` later.
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }

        /// The time from this instant to `other`.
        public func duration(to other: Instant) -> Duration { other.offset - offset }

        /// Orders instants.
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private var current = Instant(offset: .zero)
    private var sleepers: [Sleeper] = []
    private var nextID = 0
    private var countWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    /// Creates a clock at offset zero.
    public init() {}

    /// The current instant.
    public var now: Instant { lock.withLock { current } }

    /// No resolution limit.
    public var minimumResolution: Duration { .zero }

    /// Suspends until the clock is advanced to `deadline`.
    ///
    /// - Parameters:
    ///   - deadline: The instant to wake at.
    ///   - tolerance: Ignored.
    /// - Throws: `CancellationError` when the task is cancelled.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = lock.withLock {
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let ready: [CheckedContinuation<Void, Never>] = lock.withLock {
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                        return []
                    }
                    if deadline <= current {
                        continuation.resume()
                        return []
                    }
                    sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return takeCountWaiters()
                }
                for waiter in ready { waiter.resume() }
            }
        } onCancel: {
            let sleeper = lock.withLock { () -> Sleeper? in
                guard let index = sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward and wakes every sleeper whose deadline has come, in deadline order.
    ///
    /// - Parameter duration: How far.
    public func advance(by duration: Duration) {
        let due: [Sleeper] = lock.withLock {
            current = current.advanced(by: duration)
            let due = sleepers.filter { $0.deadline <= current }.sorted { $0.deadline < $1.deadline }
            sleepers.removeAll { $0.deadline <= current }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// How many tasks are sleeping on the clock.
    public var sleeperCount: Int { lock.withLock { sleepers.count } }

    /// Waits until at least `count` tasks are sleeping on the clock.
    ///
    /// - Parameter count: How many.
    public func waitForSleepers(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready: Bool = lock.withLock {
                if sleepers.count >= count { return true }
                countWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func takeCountWaiters() -> [CheckedContinuation<Void, Never>] {
        let ready = countWaiters.filter { $0.count <= sleepers.count }.map(\.continuation)
        countWaiters.removeAll { $0.count <= sleepers.count }
        return ready
    }
}
