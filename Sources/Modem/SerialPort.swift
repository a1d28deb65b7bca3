import Foundation
import PDU
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Errors of the serial port, each naming the device and what to do.
public enum SerialPortError: Error, Hashable, Sendable, CustomStringConvertible {
    case notFound(device: String)
    case permissionDenied(device: String, group: String?)
    /// Another process holds the port (flock, TIOCEXCL or a UUCP lock file).
    case busy(device: String, holder: String?)
    case notATerminal(device: String)
    case io(device: String, operation: String, errno: Int32)
    /// The device went away (EIO/ENXIO/hang-up): unplugged or reset.
    case disappeared(device: String)

    public var description: String {
        switch self {
        case .notFound(let device): return "\(device): no such device (is the modem plugged in? try `mmsctl modems`)"
        case .permissionDenied(let device, let group):
            if let group {
                return
                    "\(device): permission denied; join the group that owns it: sudo usermod -aG \(group) $USER (then log in again)"
            }
            return "\(device): permission denied"
        case .busy(let device, let holder):
            return "\(device): in use by \(holder ?? "another program")"
                + (holder?.contains("ModemManager") == true
                    ? "; stop it (sudo systemctl stop ModemManager) or install mmsctl's udev rules" : "")
        case .notATerminal(let device): return "\(device): not a serial device"
        case .io(let device, let operation, let code):
            return "\(device): \(operation) failed: \(String(cString: strerror(code)))"
        case .disappeared(let device): return "\(device): the modem disappeared (unplugged or reset)"
        }
    }
}

/// A serial port opened raw 8N1 with termios, held exclusively: TIOCEXCL, flock(LOCK_EX|LOCK_NB), and
/// a UUCP lock file `LCK..<name>` in /run/lock or /var/lock (stale locks of dead processes are removed).
public struct SerialPort: Sendable {
    public let device: String
    /// The one owner of the descriptor, its flock and its lock file, shared by every copy of this
    /// value (the channel and its reader thread hold one each): closed once, whoever closes first.
    let owner: Owner

    public var fileDescriptor: Int32 { owner.descriptor.rawValue }

    init(device: String, fileDescriptor: Int32, lockFile: String?) {
        self.device = device
        owner = Owner(descriptor: FileDescriptor(rawValue: fileDescriptor), lockFile: lockFile)
    }

    /// Owns the descriptor (swift-system's `FileDescriptor`): `close` releases the flock, closes it and
    /// removes the UUCP lock file exactly once; a port dropped without `close` is closed at the end.
    final class Owner: @unchecked Sendable {
        let descriptor: FileDescriptor
        let lockFile: String?
        private let lock = NSLock()
        private var closed = false

        init(descriptor: FileDescriptor, lockFile: String?) {
            self.descriptor = descriptor
            self.lockFile = lockFile
        }

        var isClosed: Bool { lock.withLock { closed } }

        func close() {
            let first = lock.withLock { () -> Bool in
                defer { closed = true }
                return !closed
            }
            guard first else { return }
            flock(descriptor.rawValue, LOCK_UN)
            try? descriptor.close()
            if let lockFile { unlink(lockFile) }
        }

        deinit { close() }
    }

    public static let lockDirectories = ["/run/lock", "/var/lock"]

    /// Opens the device. `baudRate` is one of the POSIX rates (ignored by USB CDC/option ttys).
    public static func open(_ device: String, baudRate: Int = 115_200, lockDirectory: String? = nil)
        throws(SerialPortError) -> SerialPort
    {
        var info = stat()
        guard stat(device, &info) == 0 else {
            if errno == EACCES { throw .permissionDenied(device: device, group: nil) }
            throw .notFound(device: device)
        }
        let lockFile = try acquireUUCPLock(device: device, directory: lockDirectory)
        let fd = Glibc.open(device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if let lockFile { unlink(lockFile) }
            switch code {
            case EACCES, EPERM: throw .permissionDenied(device: device, group: groupName(info.st_gid))
            case EBUSY: throw .busy(device: device, holder: holderOf(device: device))
            case ENOENT, ENXIO, ENODEV: throw .notFound(device: device)
            default: throw .io(device: device, operation: "open", errno: code)
            }
        }
        func fail(_ error: SerialPortError) -> SerialPortError {
            Glibc.close(fd)
            if let lockFile { unlink(lockFile) }
            return error
        }
        guard isatty(fd) == 1 else { throw fail(.notATerminal(device: device)) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            throw fail(.busy(device: device, holder: holderOf(device: device)))
        }
        if ioctl(fd, UInt(TIOCEXCL)) != 0 {
            throw fail(.io(device: device, operation: "TIOCEXCL", errno: errno))
        }
        var options = termios()
        guard tcgetattr(fd, &options) == 0 else {
            throw fail(.io(device: device, operation: "tcgetattr", errno: errno))
        }
        cfmakeraw(&options)
        options.c_cflag |= tcflag_t(CLOCAL | CREAD)
        options.c_cflag &= ~tcflag_t(CRTSCTS)
        options.c_cc.6 = 0  // VMIN
        options.c_cc.5 = 0  // VTIME
        let speed = speedConstant(baudRate)
        cfsetispeed(&options, speed)
        cfsetospeed(&options, speed)
        guard tcsetattr(fd, TCSANOW, &options) == 0 else {
            throw fail(.io(device: device, operation: "tcsetattr", errno: errno))
        }
        tcflush(fd, TCIOFLUSH)
        return SerialPort(device: device, fileDescriptor: fd, lockFile: lockFile)
    }

    /// Writes all bytes (retrying on EINTR/EAGAIN).
    public func write(_ bytes: [UInt8]) throws(SerialPortError) {
        var offset = 0
        var stalls = 0
        while offset < bytes.count {
            let result = bytes[offset...].withUnsafeBytes { Glibc.write(fileDescriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN {
                    stalls += 1
                    if stalls > 2000 { throw .io(device: device, operation: "write", errno: code) }
                    var pfd = pollfd(fd: fileDescriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&pfd, 1, 5)
                    continue
                }
                if code == EIO || code == ENXIO || code == ENODEV { throw .disappeared(device: device) }
                throw .io(device: device, operation: "write", errno: code)
            }
            offset += result
        }
    }

    /// Waits up to `timeoutMilliseconds` for data and reads what is there; empty when nothing came.
    public func read(timeoutMilliseconds: Int32, wake: Int32? = nil) throws(SerialPortError) -> [UInt8] {
        var fds = [pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)]
        if let wake { fds.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0)) }
        let ready = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
        if ready < 0 {
            if errno == EINTR { return [] }
            throw .io(device: device, operation: "poll", errno: errno)
        }
        if ready == 0 { return [] }
        // Woken to stop (the caller checks why); the port is not read.
        if fds[0].revents == 0 { return [] }
        let pfd = fds[0]
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fileDescriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            let code = errno
            if code == EAGAIN || code == EINTR { return [] }
            if code == EIO || code == ENXIO || code == ENODEV { throw .disappeared(device: device) }
            throw .io(device: device, operation: "read", errno: code)
        }
        if count == 0 || pfd.revents & Int16(POLLHUP | POLLERR) != 0 && count == 0 {
            throw .disappeared(device: device)
        }
        return Array(buffer[0..<count])
    }

    /// Closes the port; safe to call from any copy, any number of times.
    public func close() {
        owner.close()
    }

    var lockFile: String? { owner.lockFile }

    // MARK: Locks

    /// The UUCP lock file name: `LCK..ttyUSB2`, `LCK..pts_3` for /dev/pts/3.
    public static func lockName(for device: String) -> String {
        var name = device
        if name.hasPrefix("/dev/") { name = String(name.dropFirst(5)) }
        return "LCK.." + name.replacingOccurrences(of: "/", with: "_")
    }

    static func acquireUUCPLock(device: String, directory: String?) throws(SerialPortError) -> String? {
        let candidates = directory.map { [$0] } ?? lockDirectories
        guard let folder = candidates.first(where: { access($0, W_OK) == 0 }) else { return nil }
        let path = folder + "/" + lockName(for: device)
        for _ in 0..<2 {
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                // HDB UUCP format: the PID in ten columns and a newline.
                let text = String(repeating: " ", count: max(0, 10 - String(getpid()).count)) + "\(getpid())\n"
                _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, text.utf8.count) }
                Glibc.close(fd)
                return path
            }
            guard errno == EEXIST else { return nil }
            // A lock exists: honour it if its process lives, remove it if stale.
            if let pid = readPID(path), pid > 0, kill(pid, 0) == 0 || errno == EPERM {
                throw .busy(device: device, holder: "process \(pid) (\(processName(pid)), lock file \(path))")
            }
            unlink(path)
        }
        return nil
    }

    static func readPID(_ path: String) -> pid_t? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        if count == 4 {  // binary (old-style) lock: a raw int
            return buffer.withUnsafeBytes { $0.load(as: Int32.self) }
        }
        return pid_t(String(decoding: buffer[0..<count], as: UTF8.self).trimming(" \n\r\t"))
    }

    static func processName(_ pid: pid_t) -> String {
        let fd = Glibc.open("/proc/\(pid)/comm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "unknown" }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimming("\n") : "unknown"
    }

    /// Which process has the device open, from /proc/*/fd (best effort, names ModemManager when it is that).
    public static func holderOf(device: String) -> String? {
        guard let proc = opendir("/proc") else { return nil }
        defer { closedir(proc) }
        let me = getpid()
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = pid_t(name), pid != me, let fds = opendir("/proc/\(pid)/fd") else { continue }
            defer { closedir(fds) }
            while let fdEntry = readdir(fds) {
                let fdName = withUnsafeBytes(of: fdEntry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                var target = [CChar](repeating: 0, count: 512)
                let length = readlink("/proc/\(pid)/fd/\(fdName)", &target, 511)
                if length > 0,
                    String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) == device
                {
                    return "process \(pid) (\(processName(pid)))"
                }
            }
        }
        return nil
    }

    static func groupName(_ gid: gid_t) -> String? {
        guard let group = getgrgid(gid) else { return nil }
        return String(cString: group.pointee.gr_name)
    }

    static func speedConstant(_ rate: Int) -> speed_t {
        switch rate {
        case 9600: return speed_t(B9600)
        case 19200: return speed_t(B19200)
        case 38400: return speed_t(B38400)
        case 57600: return speed_t(B57600)
        case 230_400: return speed_t(B230400)
        case 460_800: return speed_t(B460800)
        case 921_600: return speed_t(B921600)
        default: return speed_t(B115200)
        }
    }
}
