import Foundation
import PDU
import Store

/// The JSON of a stored message (schema `mmsctl.message/1`): what `inbox show --json` prints and
/// what the `on_message` hook reads on standard input.
public enum InboxJSON {
    public static let schema = "mmsctl.message/1"
    public static let listSchema = "mmsctl.inbox/1"

    public struct Part: Codable, Sendable, Hashable {
        public var index: String
        public var contentType: String
        public var mediaType: String
        public var name: String?
        public var contentId: String?
        public var contentLocation: String?
        public var charset: String?
        public var size: Int
        /// Text and SMIL parts, up to 4096 characters.
        public var text: String?
        /// Where `inbox export` wrote it.
        public var savedTo: String?
    }

    public struct Message: Codable, Sendable, Hashable {
        public var schema = InboxJSON.schema
        public var id: Int64
        public var receivedAt: String
        public var receivedAtUnix: Int64
        public var from: String?
        public var to: [String]
        public var cc: [String]
        public var bcc: [String]
        public var subject: String?
        public var date: String?
        public var dateUnix: Int64?
        public var messageId: String?
        public var transactionId: String?
        public var messageClass: String?
        public var contentType: String?
        public var size: Int
        public var parts: [Part]
        /// Where `inbox export` wrote the raw PDU.
        public var pduSavedTo: String?

        public init(_ record: MessageRecord, pdu: [UInt8]?) {
            id = record.id
            receivedAtUnix = Int64(record.receivedAt)
            receivedAt = InboxJSON.iso(record.receivedAt)
            from = record.from
            to = record.addresses(.to)
            cc = record.addresses(.cc)
            bcc = record.addresses(.bcc)
            subject = record.subject
            date = record.date.map(InboxJSON.iso)
            dateUnix = record.date.map { Int64($0) }
            messageId = record.messageID
            transactionId = record.transactionID
            messageClass = record.messageClass
            contentType = record.contentType
            size = record.size
            var texts: [String: String] = [:]
            if let pdu, let decoded = try? MMSPDU.decode(pdu) {
                for (index, part) in ReceivePipeline.leafParts(decoded.parts) {
                    let media = part.contentType.mediaType.lowercased()
                    if media.hasPrefix("text/") || media == "application/smil", let text = part.text {
                        texts[index] = String(text.prefix(4096))
                    }
                }
            }
            parts = record.parts.map {
                Part(
                    index: $0.index, contentType: $0.contentType, mediaType: $0.mediaType, name: $0.name,
                    contentId: $0.contentID, contentLocation: $0.contentLocation, charset: $0.charset, size: $0.size,
                    text: texts[$0.index])
            }
        }

        /// The text of the message: its text/plain parts joined.
        public var text: String? {
            let plain = parts.filter { $0.mediaType.lowercased() == "text/plain" }.compactMap(\.text)
            return plain.isEmpty ? nil : plain.joined(separator: "\n")
        }
    }

    public struct List: Codable, Sendable {
        public var schema = InboxJSON.listSchema
        public var messages: [Message]
        public init(messages: [Message]) { self.messages = messages }
    }

    static func iso(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

}

/// The one JSON encoder of mmsctl's outputs: stable, key-sorted, snake_case (every schema uses it).
public enum JSONOutput {
    /// `keysAreSnakeCase`: the value's coding keys are already snake_case (decode's reports): no
    /// conversion per key, which is most of the encoder's time on ten thousand files.
    public static func encode<T: Encodable>(_ value: T, keysAreSnakeCase: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if !keysAreSnakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Inbox operations over the store: list, show, export, delete.
public struct Inbox: Sendable {
    public let store: any MessageStore

    public init(store: any MessageStore) { self.store = store }

    public func list() throws -> [InboxJSON.Message] {
        try store.messages().map { InboxJSON.Message($0, pdu: try store.messagePDU(id: $0.id)) }
    }

    public func show(id: Int64) throws -> InboxJSON.Message? {
        guard let record = try store.message(id: id) else { return nil }
        return InboxJSON.Message(record, pdu: try store.messagePDU(id: id))
    }

    /// Writes a message's parts (safe, unique names, never overwriting or following a link) and its raw
    /// PDU as `message-<id>.mms` into `<folder>/<id>/`, private to the user (0600 files).
    public func export(id: Int64, to folder: String) throws -> InboxJSON.Message? {
        guard let record = try store.message(id: id), let pdu = try store.messagePDU(id: id) else { return nil }
        var json = InboxJSON.Message(record, pdu: pdu)
        let exporter = try PartExporter(directory: (folder as NSString).appendingPathComponent(String(id)), mode: 0o600)
        json.pduSavedTo = try exporter.write(pdu, preferredName: "message-\(id).mms")
        let decoded = try MMSPDU.decode(pdu)
        let saved = try exporter.export(decoded.parts)
        for index in json.parts.indices { json.parts[index].savedTo = saved[json.parts[index].index] }
        return json
    }

    public func delete(id: Int64) throws -> Bool { try store.deleteMessage(id: id) }
}

/// Runs a hook command (`/bin/sh -c`) with bytes on its standard input; its output goes to standard
/// error so that mmsctl's own standard output stays clean for `--json`.
public enum Hook {
    public struct Result: Sendable, CustomStringConvertible {
        public var status: Int32
        public var timedOut: Bool
        public var description: String {
            timedOut ? "timed out" : status == 0 ? "succeeded" : status == 127 ? "not found (127)" : "exited \(status)"
        }
    }

    public static func run(
        _ command: String, input: [UInt8], environment: [String: String] = [:], timeout: Double = 120
    ) async -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.standardError
        return await withCheckedContinuation { continuation in
            let state = HookState(continuation: continuation)
            process.terminationHandler = { process in
                state.finish(Result(status: process.terminationStatus, timedOut: false))
            }
            do {
                try process.run()
            } catch {
                state.finish(Result(status: 127, timedOut: false))
                return
            }
            // Write on another thread: a hook that does not read its input must not block mmsctl.
            DispatchQueue.global().async {
                try? stdin.fileHandleForWriting.write(contentsOf: Data(input))
                try? stdin.fileHandleForWriting.close()
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                if process.isRunning {
                    process.terminate()
                    state.finish(Result(status: -1, timedOut: true))
                }
            }
        }
    }

    final class HookState: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Result, Never>?
        init(continuation: CheckedContinuation<Result, Never>) { self.continuation = continuation }
        func finish(_ result: Result) {
            let pending = lock.withLock { () -> CheckedContinuation<Result, Never>? in
                defer { continuation = nil }
                return continuation
            }
            pending?.resume(returning: result)
        }
    }
}
