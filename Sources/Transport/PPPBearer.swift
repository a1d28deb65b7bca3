import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `ppp` bearer: pppd dials the MMS APN's context on the modem's data port (`ATD*99***<cid>#`
/// through chat), without touching the default route or resolv.conf, and reports the interface and
/// the DNS servers IPCP gave it. The context must already be defined (AT+CGDCONT on the AT port, by
/// the caller that knows the modem). `down()` hangs up; use `withBearer` so that happens on errors too.
public final class PPPBearer: @unchecked Sendable {
    public struct Settings: Sendable {
        public var device: String
        public var cid: Int = 1
        public var baudRate = 115_200
        public var pppd = "/usr/sbin/pppd"
        public var chat = "/usr/sbin/chat"
        public var user: String?
        public var password: String?
        public var timeout: Double = 60
        public init(device: String) { self.device = device }
    }

    /// What pppd reported once the link was up.
    public struct Link: Sendable, Hashable {
        public var interface: String
        public var localAddress: String?
        public var dnsServers: [String]
        public var bearer: Bearer { .interface(name: interface, dnsServers: dnsServers) }
    }

    public let settings: Settings
    private var process: Process?
    private var optionsFile: String?
    private let lock = NSLock()

    public init(settings: Settings) { self.settings = settings }

    /// pppd's arguments: no default route, no DNS rewrite (usepeerdns only reports them), our own
    /// link name, chat dialling the context.
    public var arguments: [String] {
        var arguments = [
            settings.device, String(settings.baudRate), "nodetach", "noauth", "nodefaultroute", "noipdefault",
            "usepeerdns", "noresolv", "ipcp-accept-local", "ipcp-accept-remote", "lcp-echo-interval", "10",
            "lcp-echo-failure", "3", "novj", "nobsdcomp", "nodeflate", "local", "logfd", "1", "linkname", "mmsctl",
            "connect",
            "\(settings.chat) -v -t 15 ABORT BUSY ABORT 'NO CARRIER' ABORT ERROR '' AT OK 'ATD*99***\(settings.cid)#' CONNECT ''",
        ]
        // The password never goes on the command line (every user's `ps` shows it): it reaches pppd
        // through an options file of its own, 0600, removed when the link goes down.
        if let user = settings.user { arguments += ["user", user] }
        return arguments
    }

    /// Writes `password "…"` to a new private options file for pppd (`file PATH`) and returns its path.
    static func passwordFile(_ password: String) throws(TransportError) -> String {
        let path = NSTemporaryDirectory() + "mmsctl-ppp-\(UUID().uuidString)"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .bearer("cannot write pppd's password file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let escaped = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let line = Array("password \"\(escaped)\"\n".utf8)
        guard line.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == line.count else {
            unlink(path)
            throw .bearer("cannot write pppd's password file")
        }
        return path
    }

    /// Why this machine cannot run the ppp bearer, or nil when it can (kernel PPP and pppd present).
    public static func unavailableReason(pppd: String = "/usr/sbin/pppd") -> String? {
        guard FileManager.default.isExecutableFile(atPath: pppd) else {
            return "\(pppd) is not installed (apt-get install ppp)"
        }
        let fd = open("/dev/ppp", O_RDWR)
        if fd < 0 {
            return
                "open /dev/ppp: \(String(cString: strerror(errno))) (errno \(errno)); the kernel has no PPP support here"
        }
        close(fd)
        return nil
    }

    /// Starts pppd and waits for the interface and its DNS servers, at most `settings.timeout`
    /// seconds even when pppd prints nothing (its output is read by a readability handler on a
    /// dispatch queue, never by a blocking read on the cooperative pool).
    public func up() async throws(TransportError) -> Link {
        if let reason = Self.unavailableReason(pppd: settings.pppd) { throw .bearer(reason) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: settings.pppd)
        var arguments = self.arguments
        if let password = settings.password {
            let file = try Self.passwordFile(password)
            lock.withLock { self.optionsFile = file }
            arguments += ["file", file]
        }
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let (output, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(256))
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
            } else {
                continuation.yield(String(decoding: chunk, as: UTF8.self))
            }
        }
        do {
            try process.run()
        } catch {
            down()  // removes the password file
            throw .bearer("cannot start pppd: \(error)")
        }
        lock.withLock { self.process = process }
        let timeout = settings.timeout
        let timer = Task {
            try? await Task.sleep(nanoseconds: UInt64(max(0, min(timeout, 3600)) * 1e9))
            continuation.finish()
        }
        defer { timer.cancel() }
        var log = ""
        for await chunk in output {
            // pppd's log is bounded: only the last lines matter.
            log = String((log + chunk).suffix(16_384))
            if let link = Self.parse(log), link.localAddress != nil { return link }
        }
        pipe.fileHandleForReading.readabilityHandler = nil
        await hangUp()
        throw .bearer(
            "pppd did not bring the link up on \(settings.device) within \(Int(timeout)) s: "
                + (log.split(separator: "\n").suffix(3).joined(separator: " / ")))
    }

    /// Hangs up: SIGTERM to pppd (which runs its disconnect and restores the tty), then waits.
    public func down() {
        if let file = lock.withLock({ () -> String? in
            defer { optionsFile = nil }
            return optionsFile
        }) {
            unlink(file)
        }
        guard
            let process = lock.withLock({ () -> Process? in
                defer { self.process = nil }; return self.process
            })
        else { return }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// `down()`, waiting for pppd's exit off the cooperative pool.
    public func hangUp() async {
        await Blocking.run { [self] in down() }
    }

    /// Runs `body` with the link up and always hangs up afterwards.
    public func withBearer<T: Sendable>(_ body: (Link) async throws -> T) async throws -> T {
        let link = try await up()
        do {
            let result = try await body(link)
            await hangUp()
            return result
        } catch {
            await hangUp()
            throw error
        }
    }

    /// Reads pppd's log lines: "Using interface ppp0", "local  IP address 10.1.2.3",
    /// "primary   DNS address 10.11.12.13", "secondary DNS address …".
    public static func parse(_ log: String) -> Link? {
        var interface: String?
        var local: String?
        var dns: [String] = []
        for line in log.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            if line.hasPrefix("Using interface"), let name = words.last { interface = name }
            if line.hasPrefix("local"), line.contains("IP address"), let address = words.last { local = address }
            if line.contains("DNS address"), let address = words.last { dns.append(address) }
        }
        guard let interface else { return nil }
        return Link(interface: interface, localAddress: local, dnsServers: dns)
    }
}
