import Foundation

/// Ports on 127.0.0.1 for tests and benchmarks that start servers of their own.
public enum LoopbackPort {
    /// A listening socket on 127.0.0.1 at a port the system chose.
    ///
    /// - Returns: The socket and its port.
    /// - Throws: `POSIXError` when no socket can be bound.
    public static func listen() throws -> (socket: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, Glibc.listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A port nothing listens on: bound, then closed again (for "connection refused", or for a
    /// server started by another process).
    ///
    /// - Returns: The port.
    /// - Throws: `POSIXError` when no socket can be bound.
    public static func unused() throws -> UInt16 {
        let (fd, port) = try listen()
        close(fd)
        return port
    }

    /// A socket connected to `host`:`port` (127.0.0.1 by default), or nil when nothing listens there.
    ///
    /// - Parameters:
    ///   - host: An IPv4 address.
    ///   - port: The port.
    /// - Returns: The connected socket (close it), or nil.
    public static func connect(host: String = "127.0.0.1", port: UInt16) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if connected { return fd }
        close(fd)
        return nil
    }
}
