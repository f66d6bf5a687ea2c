internal import CCurl
import ConnectorKit
import Foundation

/// The process's libcurl I/O thread: one multi handle, driven by `curl_multi_perform` and
/// `curl_multi_poll`. It sleeps in the poll until a socket is ready, a libcurl timer is due, or
/// ``add(_:)`` / ``cancel(_:)`` wake it with `curl_multi_wakeup`: waiting costs no CPU.
final class CurlLoop: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var incoming: [CurlExchange] = []
    private var cancelling: [CurlExchange] = []
    /// Requests on the multi handle, by handle address (only the loop thread touches it).
    private var active: [UnsafeMutableRawPointer: CurlExchange] = [:]

    private static let sharedLoop = Result { try CurlLoop() }

    /// The loop every ``CurlTransport`` shares (connections are reused across clients).
    static func shared() throws -> CurlLoop { try sharedLoop.get() }

    private init() throws {
        guard curl_global_init(Int(CCURL_GLOBAL_ALL)) == CCURLE_OK, let multi = curl_multi_init() else {
            throw HTTPTransportError(.other, "libcurl (libcurl.so.4) could not be initialised")
        }
        self.multi = multi
        ccurl_multi_setopt_long(multi, Int32(CCURLMOPT_MAXCONNECTS), 64)
        let thread = Thread { [self] in run() }
        thread.name = "chat-export libcurl"
        thread.start()
    }

    /// Hands a request to the loop; its continuation is resumed there.
    func add(_ exchange: CurlExchange) {
        lock.withLock { incoming.append(exchange) }
        curl_multi_wakeup(multi)
    }

    /// Stops a request: it ends at once with `CancellationError`.
    func cancel(_ exchange: CurlExchange) {
        lock.withLock {
            exchange.cancelled = true
            cancelling.append(exchange)
        }
        curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            let (added, cancelled) = lock.withLock {
                defer {
                    incoming = []
                    cancelling = []
                }
                return (incoming, cancelling)
            }
            for exchange in added {
                if lock.withLock({ exchange.cancelled }) {
                    finish(exchange, .failure(CancellationError()))
                    continue
                }
                active[exchange.handle] = exchange
                curl_multi_add_handle(multi, exchange.handle)
            }
            for exchange in cancelled where active[exchange.handle] === exchange {
                curl_multi_remove_handle(multi, exchange.handle)
                active[exchange.handle] = nil
                finish(exchange, .failure(CancellationError()))
            }
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CCURLMSG_DONE, let handle = message.pointee.easy_handle,
                    let exchange = active.removeValue(forKey: handle)
                else { continue }
                let code = message.pointee.data.result
                curl_multi_remove_handle(multi, handle)
                finish(exchange, exchange.outcome(code))
            }
            // Sleeps until a socket or timer needs attention, or a wakeup; the long timeout only
            // bounds a wait with nothing in flight.
            var ready: Int32 = 0
            curl_multi_poll(multi, nil, 0, 60_000, &ready)
        }
    }

    private func finish(_ exchange: CurlExchange, _ result: Result<VendorHTTPResponse, any Error>) {
        let continuation = lock.withLock {
            defer { exchange.continuation = nil }
            return exchange.continuation
        }
        continuation?.resume(with: result)
    }
}
