import Foundation
import PDU

#if canImport(Glibc)
    import Glibc
#endif

/// Reading command inputs with errors that name the file.
enum Input {
    static let maximumSize = 64 << 20

    struct ReadError: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path): \(reason)" }
    }

    /// The bytes of a file, or of standard input for "-", at most `limit` bytes: a larger input is
    /// refused as soon as it passes the limit, never read whole into memory.
    static func read(_ path: String, limit: Int = maximumSize) throws -> [UInt8] {
        if path == "-" {
            var bytes: [UInt8] = []
            let handle = FileHandle.standardInput
            while true {
                let chunk = handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty { break }
                guard bytes.count + chunk.count <= limit else {
                    throw ReadError(path: "<stdin>", reason: "more than \(limit) bytes; stopped reading")
                }
                bytes += chunk
            }
            return bytes
        }
        // Plain POSIX calls: one open, one fstat, reads into one buffer (decode reads thousands of files).
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw ReadError(path: path, reason: "no such file")
            case EACCES: throw ReadError(path: path, reason: "permission denied")
            default: throw ReadError(path: path, reason: String(cString: strerror(errno)))
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw ReadError(path: path, reason: "is a directory") }
        let expected = (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0
        guard expected <= limit else {
            throw ReadError(path: path, reason: "larger than \(limit) bytes; not an MMS PDU")
        }
        var bytes = [UInt8](repeating: 0, count: expected > 0 ? expected : 1 << 16)
        var count = 0
        while true {
            if count == bytes.count {
                guard bytes.count < limit + 1 else { break }
                bytes += [UInt8](repeating: 0, count: min(bytes.count, limit + 1 - bytes.count))
            }
            let got = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 { break }
            count += got
            if count > limit { throw ReadError(path: path, reason: "larger than \(limit) bytes; not an MMS PDU") }
        }
        bytes.removeSubrange(count...)
        return bytes
    }
}

/// Writes to standard error, through the terminal sanitiser (line breaks and tabs kept): an error
/// that quotes a sender's text cannot drive the terminal.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((TerminalText.safe(text, multiline: true) + "\n").utf8))
}
