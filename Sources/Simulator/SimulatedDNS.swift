import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny authoritative DNS server (RFC 1035, A records over UDP) standing in for the carrier's DNS
/// on the MMS APN, so tests can show that MMSC names resolve through the bearer and not the host.
public final class SimulatedDNS: @unchecked Sendable {
    public let records: [String: String]
    public private(set) var port: Int = 0
    private var fd: Int32 = -1
    private let lock = NSLock()
    private var running = false
    private var _queries: [String] = []

    public init(records: [String: String]) {
        self.records = Dictionary(uniqueKeysWithValues: records.map { ($0.key.lowercased(), $0.value) })
    }

    public var queries: [String] { lock.withLock { _queries } }

    public func start(host: String = "127.0.0.1", port: Int = 0) throws(SimulatorError) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw .pty("DNS: \(host) is not an IPv4 address")
        }
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw .pty("DNS: cannot bind \(host):\(port): \(String(cString: strerror(errno)))") }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        lock.withLock { running = true }
        let thread = Thread { [self] in serve() }
        thread.name = "mmsctl-simulated-dns"
        thread.start()
    }

    public func stop() {
        lock.withLock { running = false }
    }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 512)
        while lock.withLock({ running }) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &peerLength)
                    }
                }
            }
            guard count >= 17, let answer = answer(Array(buffer[0..<count])) else { continue }
            _ = answer.withUnsafeBytes { raw in
                withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, raw.baseAddress, raw.count, 0, $0, peerLength)
                    }
                }
            }
        }
        close(fd)
    }

    func answer(_ query: [UInt8]) -> [UInt8]? {
        var labels: [String] = []
        var offset = 12
        while offset < query.count, query[offset] != 0 {
            let length = Int(query[offset])
            guard offset + 1 + length < query.count else { return nil }
            labels.append(String(decoding: query[(offset + 1)...(offset + length)], as: UTF8.self))
            offset += 1 + length
        }
        guard offset + 5 <= query.count else { return nil }
        let name = labels.joined(separator: ".").lowercased()
        let type = UInt16(query[offset + 1]) << 8 | UInt16(query[offset + 2])
        lock.withLock { _queries.append(name) }
        let question = Array(query[12...(offset + 4)])
        let address = records[name]
        var response: [UInt8] = [query[0], query[1], 0x84, address == nil ? 0x03 : 0x00, 0, 1]
        let records: [[UInt8]]
        if let address, type == 1 {
            let octets = address.split(separator: ".").compactMap { UInt8($0) }
            records = [[0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4] + octets]
        } else {
            records = []
        }
        response += [0, UInt8(records.count), 0, 0, 0, 0]
        response += question
        for record in records { response += record }
        return response
    }
}
