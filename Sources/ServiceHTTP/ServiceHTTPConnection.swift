/// One client connection of ``ServiceHTTPServer``, owned by the server's thread.
struct ServiceHTTPConnection {
    /// What the connection waits for.
    enum Phase: Equatable {
        /// A request head (at most `maxHeadBytes` buffered in ``input``).
        case reading
        /// The client to take ``output``; then close, or read the next request.
        case writing(closeAfter: Bool)
        /// The client to close after an error answer (its further input discarded, bounded).
        case lingering
        /// Nothing: the socket is closed.
        case closed
    }

    /// The socket.
    let fd: Int32
    var phase = Phase.reading
    /// Bytes of the request head read so far (and of pipelined requests after it).
    var input: [UInt8] = []
    /// The answer being sent, and how much of it is sent.
    var output: [UInt8] = []
    var sent = 0
    /// Input discarded while lingering.
    var discarded = 0
    /// When the current phase began: the connection waiting longest is closed first at the cap.
    var since: ContinuousClock.Instant
    /// When the current phase ends, done or not.
    var deadline: ContinuousClock.Instant

    /// Which connections go first when one must close to make room: lingering ones, then those
    /// waiting for a request, then those being answered; the longest waiting first.
    var evictionOrder: (Int, ContinuousClock.Instant) {
        switch phase {
        case .closed, .lingering: (0, since)
        case .reading: (1, since)
        case .writing: (2, since)
        }
    }
}
