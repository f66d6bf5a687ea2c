import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The production transport over `URLSession` (FoundationNetworking on Linux).
///
/// Redirects are never followed (a redirect could carry credentials to another origin); a 3xx is
/// returned to the client, which reports it. Bodies shorter than their `Content-Length` are
/// reported as ``HTTPTransportError/Kind/truncated``.
///
/// Bodies are streamed by a session delegate straight into one byte array sized from the
/// response's `Content-Length`: a completion-handler task would gather the chunks, copy them into
/// a `Data`, and the client would copy that again into bytes (three buffers of a page at once).
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    private let session: URLSession
    private let receiver: BodyReceiver
    private let requestTimeout: Double

    /// Creates a transport.
    ///
    /// - Parameters:
    ///   - connectTimeout: Seconds to wait for a connection and between bytes.
    ///   - requestTimeout: Seconds for a whole request, body included.
    public init(connectTimeout: Double = 30, requestTimeout: Double = 300) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = connectTimeout
        configuration.timeoutIntervalForResource = requestTimeout
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpMaximumConnectionsPerHost = 16
        let receiver = BodyReceiver()
        self.receiver = receiver
        self.session = URLSession(configuration: configuration, delegate: receiver, delegateQueue: nil)
        self.requestTimeout = requestTimeout
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Sends the request.
    ///
    /// - Parameter request: The request.
    /// - Returns: The response.
    /// - Throws: ``HTTPTransportError``.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let url = URL(string: request.url) else {
            throw HTTPTransportError(.other, "invalid URL \(HTTPURL.redacted(request.url))")
        }
        var urlRequest = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: requestTimeout)
        urlRequest.httpMethod = request.method
        for header in request.headers { urlRequest.addValue(header.value, forHTTPHeaderField: header.name) }
        let (body, response) = try await perform(urlRequest)
        guard let http = response as? HTTPURLResponse else { throw HTTPTransportError(.other, "not an HTTP response") }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        if let declared = headers["content-length"].flatMap(Int.init), declared > body.count,
            headers["content-encoding"] == nil
        {
            throw HTTPTransportError(.truncated, "received \(body.count) of \(declared) bytes")
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: body)
    }

    /// Runs a data task, cancelling it when the calling task is cancelled.
    ///
    /// FoundationNetworking's async `data(for:)` can deadlock when cancellation races with
    /// completion (its cancellation handler cancels the task synchronously on the session's queue
    /// while holding the Swift task's status lock). Here the handler only schedules the cancel.
    private func perform(_ request: URLRequest) async throws -> ([UInt8], URLResponse) {
        let holder = DataTaskHolder()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<([UInt8], URLResponse), any Error>) in
                let task = session.dataTask(with: request)
                receiver.register(task, continuation)
                holder.start(task)
            }
        } onCancel: {
            holder.cancel()
        }
    }

    static func translate(_ error: any Error) -> any Error {
        guard let error = error as? URLError else { return HTTPTransportError(.other, "\(type(of: error))") }
        switch error.code {
        case .cancelled: return CancellationError()
        case .timedOut: return HTTPTransportError(.timeout, "no answer in time")
        case .networkConnectionLost: return HTTPTransportError(.truncated, "connection closed during the response")
        case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet:
            return HTTPTransportError(.connection, "cannot connect (\(error.code.rawValue))")
        case .httpTooManyRedirects, .redirectToNonExistentLocation:
            return HTTPTransportError(.redirect, "redirect refused")
        default:
            return HTTPTransportError(.other, "URL error \(error.code.rawValue)")
        }
    }
}

/// The session delegate: collects each task's body into one array and completes its continuation.
///
/// Its callbacks run on the session's serial delegate queue; the lock only guards against
/// ``register(_:_:)`` from the callers' threads.
private final class BodyReceiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// The largest body size reserved up front from a `Content-Length` (larger bodies still grow).
    static let maximumReservation = 64 << 20

    private struct Transfer {
        var continuation: CheckedContinuation<([UInt8], URLResponse), any Error>
        var body: [UInt8] = []
        var response: URLResponse?
    }

    private let lock = NSLock()
    private var transfers: [Int: Transfer] = [:]

    func register(_ task: URLSessionTask, _ continuation: CheckedContinuation<([UInt8], URLResponse), any Error>) {
        lock.withLock { transfers[task.taskIdentifier] = Transfer(continuation: continuation) }
    }

    func urlSession(
        _ session: URLSession,
        dataTask: URLSessionDataTask,
        didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let expected = response.expectedContentLength
        lock.withLock {
            transfers[dataTask.taskIdentifier]?.response = response
            if expected > 0 {
                transfers[dataTask.taskIdentifier]?.body.reserveCapacity(Int(min(expected, Int64(BodyReceiver.maximumReservation))))
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.withLock {
            data.withUnsafeBytes { bytes in
                transfers[dataTask.taskIdentifier]?.body.append(contentsOf: bytes.bindMemory(to: UInt8.self))
            }
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let transfer = lock.withLock({ transfers.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let error {
            transfer.continuation.resume(throwing: URLSessionTransport.translate(error))
        } else if let response = transfer.response ?? task.response {
            transfer.continuation.resume(returning: (transfer.body, response))
        } else {
            transfer.continuation.resume(throwing: HTTPTransportError(.other, "no response"))
        }
    }

    /// Refuses every redirect, so credentials never follow one.
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// Holds a data task so a cancellation that arrives before or after it starts cancels it,
/// asynchronously (never under the caller's locks).
private final class DataTaskHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func start(_ task: URLSessionDataTask) {
        let cancelNow = lock.withLock {
            self.task = task
            return cancelled
        }
        task.resume()
        if cancelNow { DispatchQueue.global().async { task.cancel() } }
    }

    func cancel() {
        let task = lock.withLock {
            cancelled = true
            return self.task
        }
        if let task { DispatchQueue.global().async { task.cancel() } }
    }
}
