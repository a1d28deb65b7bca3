#if canImport(Glibc)
    import Glibc
#endif

/// A pseudo-terminal pair: the simulator keeps the master; clients open `slavePath` as if it were
/// /dev/ttyUSBn. The simulator also holds the slave open so the master never sees EIO between clients.
final class PseudoTerminal: @unchecked Sendable {
    let master: Int32
    let slavePath: String
    private let slaveKeeper: Int32

    init() throws(SimulatorError) {
        // /dev/ptmx, unlock (TIOCSPTLCK) and the slave number (TIOCGPTN): what posix_openpt,
        // unlockpt and ptsname do on Linux, whose declarations Swift's Glibc module does not export.
        let fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        let tiocsptlck: UInt = 0x4004_5431
        let tiocgptn: UInt = 0x8004_5430
        guard fd >= 0, ioctl(fd, tiocsptlck, &unlock) == 0, ioctl(fd, tiocgptn, &number) == 0 else {
            throw .pty("cannot create a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        master = fd
        slavePath = "/dev/pts/\(number)"
        // Raw on the slave side too, so nothing is echoed or translated by the line discipline.
        slaveKeeper = open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        var options = termios()
        if slaveKeeper >= 0, tcgetattr(slaveKeeper, &options) == 0 {
            cfmakeraw(&options)
            tcsetattr(slaveKeeper, TCSANOW, &options)
        }
        let flags = fcntl(master, F_GETFL)
        _ = fcntl(master, F_SETFL, flags | O_NONBLOCK)
    }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        var stalls = 0
        while offset < bytes.count {
            let result = bytes[offset...].withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN, stalls < 200 {
                    stalls += 1
                    usleep(1000)
                    continue
                }
                return
            }
            offset += result
        }
    }

    /// Reads what is there within `timeoutMilliseconds`; nil when the terminal is closed.
    func read(timeoutMilliseconds: Int32) -> [UInt8]? {
        var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, timeoutMilliseconds)
        if ready <= 0 { return [] }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
        if count < 0 { return errno == EAGAIN || errno == EINTR || errno == EIO ? [] : nil }
        return Array(buffer[0..<count])
    }

    /// Closing the master hangs the line up: clients read EIO/HUP, as when a USB modem is unplugged.
    func close() {
        Glibc.close(master)
        if slaveKeeper >= 0 { Glibc.close(slaveKeeper) }
    }
}

public enum SimulatorError: Error, Hashable, Sendable, CustomStringConvertible {
    case pty(String)
    case notRunning

    public var description: String {
        switch self {
        case .pty(let text): return text
        case .notRunning: return "the simulated modem is not running"
        }
    }
}
