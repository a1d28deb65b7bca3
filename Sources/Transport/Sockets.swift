#if canImport(Glibc)
    import Glibc
#endif

/// Socket helpers: addresses, binding to an interface (SO_BINDTODEVICE), connect with a timeout.
enum Sockets {
    /// SO_BINDTODEVICE from <asm-generic/socket.h>.
    static let soBindToDevice: Int32 = 25

    enum Address {
        case v4(sockaddr_in)
        case v6(sockaddr_in6)

        var family: Int32 {
            switch self {
            case .v4: return AF_INET
            case .v6: return AF_INET6
            }
        }

        var text: String {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            switch self {
            case .v4(var address): inet_ntop(AF_INET, &address.sin_addr, &buffer, socklen_t(buffer.count))
            case .v6(var address): inet_ntop(AF_INET6, &address.sin6_addr, &buffer, socklen_t(buffer.count))
            }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }

        func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
            switch self {
            case .v4(var address):
                return withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            case .v6(var address):
                return withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                    }
                }
            }
        }

        /// An IP literal and port; nil when `host` is not a literal.
        static func literal(_ host: String, port: Int) -> Address? {
            var v4 = sockaddr_in()
            if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
                v4.sin_family = sa_family_t(AF_INET)
                v4.sin_port = in_port_t(UInt16(port).bigEndian)
                return .v4(v4)
            }
            var v6 = sockaddr_in6()
            if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
                v6.sin6_family = sa_family_t(AF_INET6)
                v6.sin6_port = in_port_t(UInt16(port).bigEndian)
                return .v6(v6)
            }
            return nil
        }
    }

    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)!) }

    /// A socket of `family` and `type`, bound to `interface` when given.
    static func socket(family: Int32, type: Int32, interface: String?) throws(TransportError) -> Int32 {
        let fd = Glibc.socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connect(target: "socket", reason: errorText(errno)) }
        if let interface {
            let result = interface.withCString { name in
                setsockopt(fd, SOL_SOCKET, soBindToDevice, name, socklen_t(strlen(name) + 1))
            }
            if result != 0 {
                let code = errno
                close(fd)
                let hint = code == EPERM ? " (binding to an interface needs root or CAP_NET_RAW)" : ""
                throw .bearer("cannot bind to interface \(interface): \(errorText(code))\(hint)")
            }
        }
        return fd
    }

    /// Connects a TCP socket with a timeout; returns the connected descriptor (blocking mode restored).
    static func connect(to address: Address, interface: String?, timeout: Double) throws(TransportError) -> Int32 {
        let fd = try socket(family: address.family, type: Int32(SOCK_STREAM.rawValue), interface: interface)
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if result != 0 && errno != EINPROGRESS {
            let code = errno
            close(fd)
            throw .connect(target: address.text, reason: errorText(code))
        }
        if result != 0 {
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&pfd, 1, Int32(timeout * 1000))
            if ready == 0 {
                close(fd)
                throw .timeout(phase: "connecting to \(address.text)", seconds: timeout)
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 {
                close(fd)
                throw .connect(target: address.text, reason: errorText(error))
            }
        }
        _ = fcntl(fd, F_SETFL, flags)
        return fd
    }
}

/// A minimal DNS client (RFC 1035) that asks the bearer's servers over sockets bound to the bearer's
/// interface, so MMSC names resolve with the carrier's DNS and not the host's /etc/resolv.conf.
public struct BearerResolver: Sendable {
    public var servers: [String]
    public var interface: String?
    public var timeout: Double
    public var port: Int

    public init(servers: [String], interface: String?, timeout: Double = 3, port: Int = 53) {
        self.servers = servers
        self.interface = interface
        self.timeout = timeout
        self.port = port
    }

    /// A and AAAA addresses of `host` (IPv4 first), from the first server that answers.
    public func resolve(_ host: String) throws(TransportError) -> [String] {
        guard !servers.isEmpty else { throw .dns(host: host, server: "none", reason: "the bearer has no DNS server") }
        var lastError = TransportError.dns(host: host, server: servers[0], reason: "no answer")
        for server in servers {
            do {
                var addresses = try query(host, type: 1, server: server)
                addresses += (try? query(host, type: 28, server: server)) ?? []
                if !addresses.isEmpty { return addresses }
                lastError = .dns(host: host, server: server, reason: "no address records")
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    func query(_ host: String, type: UInt16, server: String) throws(TransportError) -> [String] {
        guard let address = Sockets.Address.literal(server, port: port) else {
            throw .dns(host: host, server: server, reason: "the DNS server is not an IP address")
        }
        let id = UInt16.random(in: 0...UInt16.max)
        var packet: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in host.split(separator: ".") {
            let bytes = Array(label.utf8)
            guard !bytes.isEmpty, bytes.count < 64 else {
                throw .dns(host: host, server: server, reason: "invalid name")
            }
            packet.append(UInt8(bytes.count))
            packet += bytes
        }
        packet += [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        let fd = try Sockets.socket(family: address.family, type: Int32(SOCK_DGRAM.rawValue), interface: interface)
        defer { close(fd) }
        let sent = address.withSockaddr { pointer, length in
            packet.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, pointer, length) }
        }
        guard sent == packet.count else { throw .dns(host: host, server: server, reason: Sockets.errorText(errno)) }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else {
            throw .dns(host: host, server: server, reason: "timed out after \(timeout) s")
        }
        var buffer = [UInt8](repeating: 0, count: 1500)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 12 else { throw .dns(host: host, server: server, reason: "short answer") }
        return try Self.parse(Array(buffer[0..<count]), id: id, type: type, host: host, server: server)
    }

    static func parse(_ data: [UInt8], id: UInt16, type: UInt16, host: String, server: String) throws(TransportError)
        -> [String]
    {
        func u16(_ at: Int) -> UInt16 { UInt16(data[at]) << 8 | UInt16(data[at + 1]) }
        guard u16(0) == id else { throw .dns(host: host, server: server, reason: "answer to another query") }
        let rcode = data[3] & 0x0F
        if rcode == 3 { throw .dns(host: host, server: server, reason: "no such name (NXDOMAIN)") }
        guard rcode == 0 else { throw .dns(host: host, server: server, reason: "server error \(rcode)") }
        let questions = Int(u16(4))
        let answers = Int(u16(6))
        var offset = 12
        func skipName() -> Bool {
            while offset < data.count {
                let length = data[offset]
                if length & 0xC0 == 0xC0 {
                    offset += 2
                    return offset <= data.count
                }
                offset += 1 + Int(length)
                if length == 0 { return offset <= data.count }
            }
            return false
        }
        for _ in 0..<questions {
            guard skipName(), offset + 4 <= data.count else {
                throw .dns(host: host, server: server, reason: "malformed answer")
            }
            offset += 4
        }
        var result: [String] = []
        for _ in 0..<answers {
            guard skipName(), offset + 10 <= data.count else { break }
            let recordType = u16(offset)
            let length = Int(u16(offset + 8))
            offset += 10
            guard offset + length <= data.count else { break }
            if recordType == type, type == 1, length == 4 {
                result.append(data[offset..<(offset + 4)].map(String.init).joined(separator: "."))
            } else if recordType == type, type == 28, length == 16 {
                var v6 = in6_addr()
                withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: data[offset..<(offset + 16)]) }
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                inet_ntop(AF_INET6, &v6, &text, socklen_t(text.count))
                result.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            offset += length
        }
        return result
    }
}
