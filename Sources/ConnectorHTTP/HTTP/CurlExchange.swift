internal import CCurl
import ConnectorKit
import Foundation

/// One request in flight on the ``CurlLoop``: its easy handle, the headers and body received so
/// far, and the continuation to resume. Touched by the caller until it is handed to the loop,
/// and only by the loop's thread after that.
final class CurlExchange: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let origin: HTTPOrigin
    let options: CurlTransport.Options
    var continuation: CheckedContinuation<VendorHTTPResponse, any Error>?
    /// Set (under the loop's lock) when the caller's task is cancelled.
    var cancelled = false
    private(set) var status = 0
    private(set) var headers: [String: String] = [:]
    fileprivate(set) var body: [UInt8] = []
    /// Bytes received (headers and body), and when the last one arrived (monotonic seconds), to
    /// tell a silent server from a trickling one.
    fileprivate var bytesReceived = 0
    fileprivate var lastByteAt = MonotonicClock.seconds()
    /// Set when the body outgrew ``maximumBody`` and the transfer was aborted.
    fileprivate var tooLarge = false

    /// The largest response body accepted (a vendor page is a few MB; anything near this is broken).
    static let maximumBody = 512 << 20
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorText: UnsafeMutablePointer<CChar>
    /// Strings libcurl keeps pointers to until the handle is cleaned up (URL, proxy, CA file).
    private var keptStrings: [UnsafeMutablePointer<CChar>] = []
    /// The request body, which libcurl reads from until the transfer ends.
    private var requestBody: UnsafeMutableRawBufferPointer?

    /// CURL_ERROR_SIZE.
    static let errorSize = 256

    init(request: VendorHTTPRequest, origin: HTTPOrigin, options: CurlTransport.Options, proxy: (url: String, exclusions: String?)) throws {
        guard let handle = curl_easy_init() else { throw HTTPTransportError(.other, "libcurl could not create a request") }
        self.handle = handle
        self.origin = origin
        self.options = options
        errorText = .allocate(capacity: CurlExchange.errorSize)
        errorText.initialize(repeating: 0, count: CurlExchange.errorSize)
        let context = Unmanaged.passUnretained(self).toOpaque()
        ccurl_setopt_string(handle, Int32(CCURLOPT_URL), keep(request.url))
        if request.method == "GET" {
            ccurl_setopt_long(handle, Int32(CCURLOPT_HTTPGET), 1)
        } else if request.method == "HEAD" {
            ccurl_setopt_long(handle, Int32(CCURLOPT_NOBODY), 1)
        } else {
            ccurl_setopt_string(handle, Int32(CCURLOPT_CUSTOMREQUEST), keep(request.method))
        }
        if let body = request.body {
            // Sent from a buffer of the exchange's own (libcurl keeps the pointer), with any method.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, body.count), alignment: 1)
            buffer.copyBytes(from: body)
            requestBody = buffer
            ccurl_setopt_long(handle, Int32(CCURLOPT_POSTFIELDSIZE_LARGE), body.count)
            ccurl_setopt_pointer(handle, Int32(CCURLOPT_POSTFIELDS), buffer.baseAddress)
            // No `Expect: 100-continue` round trip before a large body.
            headerList = curl_slist_append(headerList, "Expect:")
        }
        for header in request.headers { headerList = curl_slist_append(headerList, header.name + ": " + header.value) }
        ccurl_setopt_pointer(handle, Int32(CCURLOPT_HTTPHEADER), headerList)
        ccurl_setopt_long(handle, Int32(CCURLOPT_PROTOCOLS), Int(CCURLPROTO_HTTP | CCURLPROTO_HTTPS))
        ccurl_setopt_long(handle, Int32(CCURLOPT_FOLLOWLOCATION), 0)
        ccurl_setopt_long(handle, Int32(CCURLOPT_NOSIGNAL), 1)
        ccurl_setopt_long(handle, Int32(CCURLOPT_TCP_KEEPALIVE), 1)
        ccurl_setopt_string(handle, Int32(CCURLOPT_ACCEPT_ENCODING), "")
        ccurl_setopt_long(handle, Int32(CCURLOPT_CONNECTTIMEOUT_MS), CurlExchange.milliseconds(options.connectTimeout.inSeconds))
        ccurl_setopt_long(handle, Int32(CCURLOPT_TIMEOUT_MS), CurlExchange.milliseconds(options.requestTimeout.inSeconds))
        // A body that delivers less than one byte per second for the stall time is cut off.
        ccurl_setopt_long(handle, Int32(CCURLOPT_LOW_SPEED_LIMIT), 1)
        ccurl_setopt_long(
            handle, Int32(CCURLOPT_LOW_SPEED_TIME), max(1, Int(Int64(saturating: options.stallTimeout.inSeconds.rounded(.up)))))
        ccurl_setopt_string(handle, Int32(CCURLOPT_PROXY), keep(proxy.url))
        if let exclusions = proxy.exclusions { ccurl_setopt_string(handle, Int32(CCURLOPT_NOPROXY), keep(exclusions)) }
        if let caFile = options.caFile { ccurl_setopt_string(handle, Int32(CCURLOPT_CAINFO), keep(caFile)) }
        ccurl_setopt_pointer(handle, Int32(CCURLOPT_ERRORBUFFER), errorText)
        ccurl_setopt_callback(handle, Int32(CCURLOPT_WRITEFUNCTION), curlWriteBody)
        ccurl_setopt_pointer(handle, Int32(CCURLOPT_WRITEDATA), context)
        ccurl_setopt_callback(handle, Int32(CCURLOPT_HEADERFUNCTION), curlWriteHeader)
        ccurl_setopt_pointer(handle, Int32(CCURLOPT_HEADERDATA), context)
        ccurl_setopt_pointer(handle, Int32(CCURLOPT_PRIVATE), context)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorText.deallocate()
        for text in keptStrings { free(text) }
        requestBody?.deallocate()
    }

    private func keep(_ text: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(text)!
        keptStrings.append(copy)
        return copy
    }

    static func milliseconds(_ seconds: Double) -> Int { max(1, Int(Int64(saturating: (seconds * 1000).rounded(.up)))) }

    /// A header line: a status line starts a new response (a proxy's `CONNECT` answer, a
    /// `100 Continue`), a `Content-Length` reserves the body.
    fileprivate func received(headerLine line: String) {
        if line.hasPrefix("HTTP/") {
            headers = [:]
            status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = value
        if name == "content-length", let length = Int(value), length > 0, length <= CurlExchange.maximumBody {
            body.reserveCapacity(length)
        }
    }

    /// The outcome once libcurl says the transfer is done.
    func outcome(_ code: CURLcode) -> Result<VendorHTTPResponse, any Error> {
        guard code == CCURLE_OK else { return .failure(error(code)) }
        var responseCode = 0
        ccurl_getinfo_long(handle, Int32(CCURLINFO_RESPONSE_CODE), &responseCode)
        return .success(VendorHTTPResponse(status: responseCode != 0 ? responseCode : status, headers: headers, body: body))
    }

    /// A libcurl failure in words, naming `host:port`.
    func error(_ code: CURLcode) -> HTTPTransportError {
        let target = "\(origin.host):\(origin.port)"
        let detail = String(cString: errorText).trimmingCharacters(in: .whitespacesAndNewlines)
        let said = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        var osError = 0
        ccurl_getinfo_long(handle, Int32(CCURLINFO_OS_ERRNO), &osError)
        func seconds(_ value: Double) -> String { value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value) }
        switch Int(code) {
        case Int(CCURLE_COULDNT_RESOLVE_HOST):
            return HTTPTransportError(.hostNotFound, "host not found: \(origin.host)")
        case Int(CCURLE_COULDNT_CONNECT):
            if osError == Int(ECONNREFUSED) { return HTTPTransportError(.connectionRefused, "connection refused by \(target)") }
            let reason = osError != 0 ? FileSystem.errorText(Int32(osError)) : said
            return HTTPTransportError(.connection, "cannot connect to \(target): \(reason)")
        case Int(CCURLE_OPERATION_TIMEDOUT):
            if detail.contains("too slow") {
                // libcurl's low-speed check: under 1 byte per second over the stall time. Say
                // whether the server went silent or is trickling.
                if MonotonicClock.seconds() - lastByteAt >= options.stallTimeout.inSeconds * 0.9 {
                    return HTTPTransportError(
                        .stalled, "response stalled: \(target) sent nothing for \(seconds(options.stallTimeout.inSeconds))")
                }
                return HTTPTransportError(
                    .stalled,
                    "response too slow: \(target) sent less than 1 byte per second for \(seconds(options.stallTimeout.inSeconds)) (\(bytesReceived) bytes so far)"
                )
            }
            if detail.localizedCaseInsensitiveContains("connect") && !detail.contains("bytes received") {
                return HTTPTransportError(
                    .connection, "timed out after \(seconds(options.connectTimeout.inSeconds)) connecting to \(target)")
            }
            if status != 0 {
                return HTTPTransportError(
                    .timeout,
                    "request_timeout (\(seconds(options.requestTimeout.inSeconds))) exceeded: \(target) was still sending the response (\(body.count) bytes of body so far)"
                )
            }
            return HTTPTransportError(
                .timeout, "request_timeout (\(seconds(options.requestTimeout.inSeconds))) exceeded: no response from \(target)")
        case Int(CCURLE_PEER_FAILED_VERIFICATION):
            return HTTPTransportError(.tls, "TLS certificate of \(target) not trusted (\(said))")
        case Int(CCURLE_SSL_CONNECT_ERROR), Int(CCURLE_SSL_CERTPROBLEM):
            return HTTPTransportError(.tls, "TLS handshake with \(target) failed (\(said))")
        case Int(CCURLE_SSL_CACERT_BADFILE):
            return HTTPTransportError(.tls, "cannot use ca_file \(options.caFile ?? "(system store)") for \(target) (\(said))")
        case Int(CCURLE_WRITE_ERROR) where tooLarge:
            return HTTPTransportError(
                .tooLarge, "the response from \(target) is larger than \(CurlExchange.maximumBody >> 20) MiB; refused")
        case Int(CCURLE_PARTIAL_FILE):
            return HTTPTransportError(.truncated, "the response from \(target) was cut off (\(said))")
        case Int(CCURLE_GOT_NOTHING), Int(CCURLE_RECV_ERROR), Int(CCURLE_SEND_ERROR):
            return HTTPTransportError(.connection, "connection to \(target) broke (\(said))")
        case Int(CCURLE_COULDNT_RESOLVE_PROXY), Int(CCURLE_PROXY):
            return HTTPTransportError(.connection, "proxy for \(target) failed (\(said))")
        case Int(CCURLE_BAD_CONTENT_ENCODING), Int(CCURLE_WEIRD_SERVER_REPLY), Int(CCURLE_HTTP2):
            return HTTPTransportError(.other, "unreadable response from \(target) (\(said))")
        default:
            return HTTPTransportError(.other, "request to \(target) failed: \(said) (libcurl error \(code))")
        }
    }
}

extension CurlExchange {
    /// The exchange a libcurl callback's context names, counting `length` bytes received now (for
    /// the stall timeout and its message).
    fileprivate static func forCallback(_ context: UnsafeMutableRawPointer, receiving length: Int) -> CurlExchange {
        let exchange = Unmanaged<CurlExchange>.fromOpaque(context).takeUnretainedValue()
        exchange.bytesReceived += length
        exchange.lastByteAt = MonotonicClock.seconds()
        return exchange
    }
}

/// libcurl's body callback: append to the exchange's buffer.
private func curlWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let length = size * count
    let exchange = CurlExchange.forCallback(context, receiving: length)
    guard exchange.body.count + length <= CurlExchange.maximumBody else {
        // Returning less than was handed over aborts the transfer (CURLE_WRITE_ERROR).
        exchange.tooLarge = true
        return 0
    }
    exchange.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// libcurl's header callback: one line at a time.
private func curlWriteHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let length = size * count
    let exchange = CurlExchange.forCallback(context, receiving: length)
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    exchange.received(headerLine: line.trimmingCharacters(in: .whitespacesAndNewlines))
    return length
}
