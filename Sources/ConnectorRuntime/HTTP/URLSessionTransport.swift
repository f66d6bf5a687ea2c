import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The production transport over `URLSession` (FoundationNetworking on Linux).
///
/// Redirects are never followed (a redirect could carry credentials to another origin); a 3xx is
/// returned to the client, which reports it. Bodies shorter than their `Content-Length` are
/// reported as ``HTTPTransportError/Kind/truncated``.
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    private let session: URLSession
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
        self.session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
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
        let (data, response) = try await perform(urlRequest)
        guard let http = response as? HTTPURLResponse else { throw HTTPTransportError(.other, "not an HTTP response") }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        if let declared = headers["content-length"].flatMap(Int.init), declared > data.count,
            headers["content-encoding"] == nil
        {
            throw HTTPTransportError(.truncated, "received \(data.count) of \(declared) bytes")
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: [UInt8](data))
    }

    /// Runs a data task, cancelling it when the calling task is cancelled.
    ///
    /// FoundationNetworking's async `data(for:)` can deadlock when cancellation races with
    /// completion (its cancellation handler cancels the task synchronously on the session's queue
    /// while holding the Swift task's status lock). Here the handler only schedules the cancel.
    private func perform(_ request: URLRequest) async throws -> (Data, URLResponse) {
        let holder = DataTaskHolder()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let error {
                        if let error = error as? URLError {
                            continuation.resume(throwing: URLSessionTransport.translate(error))
                        } else {
                            continuation.resume(throwing: HTTPTransportError(.other, "\(type(of: error))"))
                        }
                    } else if let response {
                        continuation.resume(returning: (data ?? Data(), response))
                    } else {
                        continuation.resume(throwing: HTTPTransportError(.other, "no response"))
                    }
                }
                holder.start(task)
            }
        } onCancel: {
            holder.cancel()
        }
    }

    static func translate(_ error: URLError) -> any Error {
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

/// Refuses every redirect, so credentials never follow one.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
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
