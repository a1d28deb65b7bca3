import Foundation
import PDU

#if canImport(Glibc)
    import Glibc
#endif

/// Writes message parts into a folder: safe names, never overwriting, never following links.
public struct PartExporter: Sendable {
    public struct ExportError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public let directory: String
    /// Permissions of the files created (the inbox keeps messages private: 0600).
    public var mode: mode_t = 0o644

    public init(directory: String, mode: mode_t = 0o644) throws {
        self.mode = mode
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ExportError(path: directory, reason: "cannot create folder (\(error.localizedDescription))")
        }
        self.directory = directory
    }

    /// Writes every leaf part (nested multiparts are opened) and returns the paths by part index.
    public func export(_ parts: [MMSPart], prefix: String = "", depth: Int = 1) throws -> [String: String] {
        var saved: [String: String] = [:]
        for (offset, part) in parts.enumerated() {
            let index = prefix + String(offset + 1)
            if let nested = try? part.subparts(depth: depth) {
                saved.merge(try export(nested, prefix: index + ".", depth: depth + 1)) { first, _ in first }
                continue
            }
            var name = SafeFileName.make(from: part.suggestedName, fallback: "part-\(index)")
            if !name.contains("."), let ext = SafeFileName.fileExtension(for: part.contentType.mediaType) {
                name = SafeFileName.fit(stem: name, suffix: "." + ext)
            }
            saved[index] = try write(part.decodedData, preferredName: name)
        }
        return saved
    }

    /// Creates a new file (O_EXCL | O_NOFOLLOW); on a clash tries name-1.ext, name-2.ext, …
    public func write(_ bytes: [UInt8], preferredName: String) throws -> String {
        let (stem, ext): (String, String) = {
            guard let dot = preferredName.lastIndex(of: "."), dot != preferredName.startIndex else {
                return (preferredName, "")
            }
            return (String(preferredName[..<dot]), String(preferredName[dot...]))
        }()
        for attempt in 0..<10_000 {
            let name = attempt == 0 ? preferredName : SafeFileName.fit(stem: stem, suffix: "-\(attempt)\(ext)")
            let path = (directory as NSString).appendingPathComponent(name)
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd < 0 {
                if errno == EEXIST || errno == ELOOP { continue }
                throw ExportError(path: path, reason: String(cString: strerror(errno)))
            }
            defer { close(fd) }
            var written = 0
            while written < bytes.count {
                let result = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if result < 0 {
                    if errno == EINTR { continue }
                    throw ExportError(path: path, reason: String(cString: strerror(errno)))
                }
                written += result
            }
            return path
        }
        throw ExportError(path: directory, reason: "too many files named \(preferredName)")
    }
}
