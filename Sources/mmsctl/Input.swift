import Foundation
import PDU

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
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReadError(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw ReadError(path: path, reason: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ReadError(path: path, reason: "permission denied")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumSize + 1)) ?? Data()
        guard data.count <= maximumSize else {
            throw ReadError(path: path, reason: "larger than \(maximumSize) bytes; not an MMS PDU")
        }
        return [UInt8](data)
    }
}

/// Writes to standard error, through the terminal sanitiser (line breaks and tabs kept): an error
/// that quotes a sender's text cannot drive the terminal.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((TerminalText.safe(text, multiline: true) + "\n").utf8))
}

/// Encodes a report as stable, key-sorted, snake_case JSON (every schema of mmsctl uses snake_case).
func jsonString<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    guard let data = try? encoder.encode(value) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}
