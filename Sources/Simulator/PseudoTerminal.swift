import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A pseudo-terminal pair: the simulator keeps the master; clients open `slavePath` as if it were
/// /dev/ttyUSBn. The simulator also holds the slave open so the master never sees EIO between clients.
///
/// Closing waits for no one but never pulls a descriptor from under a read or write in progress: the
/// last user closes it. Otherwise the number could be reused by the next terminal while an old reader
/// still polls it, and that reader would take bytes meant for the new one.
final class PseudoTerminal: @unchecked Sendable {
    private let master: Int32
    let slavePath: String
    private let slaveKeeper: Int32
    private let lock = NSLock()
    private var closed = false
    private var users = 0

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

    /// Runs `body` with the master descriptor unless the terminal is closed.
    private func using<T>(_ body: (Int32) -> T) -> T? {
        let open = lock.withLock {
            if closed { return false }
            users += 1
            return true
        }
        guard open else { return nil }
        defer {
            let last = lock.withLock {
                users -= 1
                return closed && users == 0
            }
            if last { closeDescriptors() }
        }
        return body(master)
    }

    func write(_ bytes: [UInt8]) {
        _ = using { master in write(bytes, to: master) }
    }

    private func write(_ bytes: [UInt8], to master: Int32) {
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
        using { master in read(master, timeoutMilliseconds: timeoutMilliseconds) } ?? nil
    }

    private func read(_ master: Int32, timeoutMilliseconds: Int32) -> [UInt8]? {
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
        let now = lock.withLock {
            guard !closed else { return false }
            closed = true
            return users == 0
        }
        if now { closeDescriptors() }
    }

    private func closeDescriptors() {
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
