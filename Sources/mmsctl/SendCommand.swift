import ArgumentParser
import Foundation
import MMSClient
import PDU
import Store
import Transport

#if canImport(Glibc)
    import Glibc
#endif

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send an MMS: text, photos, sound, video, vCards; photos shrunk to fit the carrier.",
        discussion: """
            Recipients are phone numbers (international +49…, or national with mms.country_code or the \
            SIM's country) or e-mail addresses; a group message keeps every --to and --cc. Files are \
            typed by their content (JPEG, PNG, GIF, WebP, HEIC, AMR, MP3, AAC, 3GP, MP4, vCard, \
            vCalendar, text). A SMIL presentation is added: one slide per picture or video, with the \
            text. When the message is over the limit (--max-size, mms.max_size, default 300 KB), its \
            photos are shrunk (aspect ratio and EXIF orientation kept) until it fits; --no-resize \
            refuses instead. Every error is found before anything is sent.

            The message goes to the outbox first, then to the MMSC; `mmsctl sent` shows it with its \
            delivery and read reports. A message whose upload started is never sent twice by itself: \
            `mmsctl sent resend ID` does it when you ask.

            Exit status: 0 sent, 64 usage, 65 the message cannot be sent as it is (recipient, type, \
            size) or the MMSC refused it for good, 66 a file cannot be read, 69 the MMSC denies the \
            service, 75 a transient failure (try again), 78 configuration.

            Examples:
              mmsctl send --to +491701234567 --text 'Front door' IMG_2041.JPG
              mmsctl send --to +4917012,+4917034 --cc alice@example.com --subject Hi a.jpg
              mmsctl send --to 01701234567 --delivery-report --json photo.png
              mmsctl send --to +15550100 --text hello --dry-run --out m.mms
            """
    )

    @Option(
        name: .customLong("to"), help: ArgumentHelp("Recipients (repeatable, or comma separated).", valueName: "number")
    )
    var to: [String] = []
    @Option(name: .customLong("cc"), help: ArgumentHelp("Copy recipients.", valueName: "number")) var cc: [String] = []
    @Option(name: .customLong("bcc"), help: ArgumentHelp("Hidden recipients.", valueName: "number"))
    var bcc: [String] = []
    @Option(help: "The subject (UTF-8).") var subject: String?
    @Option(help: "The text (UTF-8).") var text: String?
    @Option(name: .customLong("text-file"), help: ArgumentHelp("Read the text from a file.", valueName: "file"))
    var textFile: String?
    @Argument(help: "Files to attach.") var files: [String] = []
    @Option(name: .customLong("class"), help: "Message class: personal, advertisement, informational, auto.")
    var messageClass: String?
    @Option(help: "Priority: low, normal, high.") var priority: String?
    @Flag(name: .customLong("delivery-report"), help: "Ask for delivery reports.") var deliveryReport = false
    @Flag(name: .customLong("read-report"), help: "Ask for read reports.") var readReport = false
    @Option(help: ArgumentHelp("How long the MMSC keeps it: seconds, or 12h, 3d.", valueName: "time")) var expiry:
        String?
    @Option(name: .customLong("max-size"), help: ArgumentHelp("The size limit in bytes.", valueName: "bytes"))
    var maxSize: Int?
    @Flag(name: .customLong("no-resize"), help: "Refuse a message over the limit instead of shrinking its photos.")
    var noResize = false
    @Flag(name: .customLong("dry-run"), help: "Compose the M-Send.req and write it to --out; send nothing.")
    var dryRun = false
    @Option(help: ArgumentHelp("With --dry-run: where the M-Send.req goes (- for standard output).", valueName: "file"))
    var out: String?
    @Option(help: ArgumentHelp("The store folder (default $XDG_DATA_HOME/mmsctl).", valueName: "dir")) var store:
        String?
    @Option(name: .shortAndLong, help: ArgumentHelp("The modem's AT port (for the SIM's country).", valueName: "tty"))
    var device: String?
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Print the result as JSON (schema mmsctl.send/1).") var json = false
    @OptionGroup var log: LogOptions

    func validate() throws {
        if let maxSize, maxSize <= 0 || maxSize > 64 << 20 {
            throw ValidationError("--max-size takes a number of bytes from 1 to \(64 << 20)")
        }
        if dryRun && out == nil { throw ValidationError("--dry-run writes the M-Send.req to --out FILE (or - )") }
        if !dryRun && out != nil { throw ValidationError("--out goes with --dry-run") }
        if text != nil && textFile != nil { throw ValidationError("give --text or --text-file, not both") }
        if let messageClass, Self.classes[messageClass.lowercased()] == nil {
            throw ValidationError("--class takes personal, advertisement, informational or auto")
        }
        if let priority, Self.priorities[priority.lowercased()] == nil {
            throw ValidationError("--priority takes low, normal or high")
        }
        if let expiry, Self.seconds(expiry) == nil {
            throw ValidationError("--expiry takes seconds, or a number with h or d (12h, 3d), up to 365d")
        }
    }

    static let classes: [String: MMSMessageClass] = [
        "personal": .personal, "advertisement": .advertisement, "informational": .informational, "auto": .auto,
    ]
    static let priorities: [String: MMSPriority] = ["low": .low, "normal": .normal, "high": .high]

    static func seconds(_ text: String) -> UInt64? {
        let multiplier: UInt64 = text.hasSuffix("d") ? 86_400 : text.hasSuffix("h") ? 3600 : 1
        let number = multiplier == 1 ? text : String(text.dropLast())
        guard let value = UInt64(number), value > 0, value * multiplier <= 365 * 86_400 else { return nil }
        return value * multiplier
    }

    func run() async throws {
        var extra: [String: String] = [:]
        extra["store.path"] = store
        extra["mms.max_size"] = maxSize.map(String.init)
        let configuration = try usableConfiguration(options.load(device: device, pin: nil, extra: extra))
        let logger = log.logger()

        // Everything the user gave, read and checked before the bearer or the MMSC is touched.
        var message = OutgoingMessage()
        message.to = to
        message.cc = cc
        message.bcc = bcc
        message.subject = subject
        message.text = text
        if let textFile {
            let bytes = try readFile(textFile)
            guard let decoded = String(validating: bytes, as: UTF8.self) else {
                printError("mmsctl: \(textFile): not UTF-8 text")
                throw ExitStatus.dataError
            }
            message.text = decoded
        }
        for file in files { message.attachments.append(.init(name: file, data: try readFile(file))) }
        message.messageClass = messageClass.flatMap { Self.classes[$0.lowercased()] }
        message.priority = priority.flatMap { Self.priorities[$0.lowercased()] }
        message.deliveryReport = deliveryReport
        message.readReport = readReport
        message.expiry = expiry.flatMap(Self.seconds)

        var service = SendService(configuration: configuration, logger: logger)
        service.lockDirectory = ProcessInfo.processInfo.environment["MMSCTL_LOCK_DIR"]
        let composed: ComposedMessage
        do {
            composed = try await service.compose(message, resize: !noResize, maximumSize: maxSize)
        } catch {
            printError("mmsctl: \(error)")
            throw ExitStatus.dataError
        }
        if !json { for change in composed.changes { print(change.description) } }

        if dryRun, let out {
            do {
                if out == "-" {
                    FileHandle.standardOutput.write(Data(composed.bytes))
                } else {
                    try Data(composed.bytes).write(to: URL(fileURLWithPath: out))
                }
            } catch {
                printError("mmsctl: \(out): \(error.localizedDescription)")
                throw ExitStatus.cannotCreate
            }
            let result = SendResult(composed, state: "composed", savedTo: out == "-" ? nil : out)
            if json && out != "-" {
                print(JSONOutput.encode(result))
            } else if out != "-" {
                print("wrote the M-Send.req (\(byteCount(composed.bytes.count))) to \(TerminalText.safe(out))")
            }
            return
        }

        let receive = ReceiveService(configuration: configuration, options: ReceiveOptions(), logger: logger)
        let database: SQLiteStore
        do {
            database = try receive.openStore()
        } catch {
            printError("mmsctl: \(error)")
            throw ExitStatus.ioError
        }
        let result: SendResult
        do {
            result = try await service.post(
                composed, store: database, network: receive.network(), upload: Progress.upload(enabled: !json))
        } catch {
            printError("mmsctl: \(error)")
            throw ExitStatus.ioError
        }
        Progress.finish(enabled: !json)
        if json {
            print(JSONOutput.encode(result))
        } else if result.exitCode == 0 {
            let recipients = result.recipients.map { TerminalText.safe($0.address) }.joined(separator: ", ")
            print(
                "sent message \(result.id ?? 0) (\(byteCount(result.size))) to \(recipients): "
                    + "\(result.responseStatus ?? "?"), Message-ID \(TerminalText.safe(result.messageID ?? "?"))")
        }
        if let error = result.error, !json { printError("mmsctl: \(error)") }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }

    func readFile(_ path: String) throws -> [UInt8] {
        do {
            return try Input.read(path)
        } catch {
            printError("mmsctl: \(error)")
            throw ExitStatus.noInput
        }
    }
}

/// Upload progress on standard error when it is a terminal.
enum Progress {
    static func upload(enabled: Bool) -> TransferProgress? {
        guard enabled, isatty(2) == 1 else { return nil }
        return { sent, total in
            let percent = total.map { $0 > 0 ? sent * 100 / $0 : 100 } ?? 0
            FileHandle.standardError.write(
                Data("\rsending: \(sent / 1000) of \((total ?? 0) / 1000) KB (\(percent)%)".utf8))
        }
    }

    static func finish(enabled: Bool) {
        if enabled, isatty(2) == 1 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

struct SentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sent",
        abstract: "The sent messages: their state and each recipient's delivery and read reports.",
        subcommands: [List.self, Show.self, Resend.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List sent messages.", discussion: "Examples:\n  mmsctl sent list\n  mmsctl sent list --json")
        @OptionGroup var options: InboxCommand.StoreOptions
        @Flag(help: "Print JSON (schema mmsctl.sent/1).") var json = false

        func run() throws {
            let store = try options.inbox().store
            let view = try SentView.build(try store.outbox(), store: store)
            if json {
                print(JSONOutput.encode(view))
                return
            }
            if view.messages.isEmpty { print("no sent messages") }
            for message in view.messages {
                let recipients = message.recipients.map { recipient in
                    TerminalText.safe(recipient.address)
                        + (recipient.read.map { " (read: \($0))" } ?? recipient.delivery.map { " (\($0))" } ?? "")
                }
                print(
                    "\(String(message.id).leftPadded(to: 5))  \(message.createdAt)  \(message.state.padded(to: 7))  "
                        + "\(TerminalText.safe(message.subject ?? "(no subject)"))  → \(recipients.joined(separator: ", "))"
                )
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a sent message and its reports.", discussion: "Example: mmsctl sent show 3 --json")
        @OptionGroup var options: InboxCommand.StoreOptions
        @Argument(help: "The message's id (see `mmsctl sent list`).") var id: Int64
        @Flag(help: "Print JSON (schema mmsctl.sent/1).") var json = false

        func run() throws {
            let store = try options.inbox().store
            guard let row = try store.outgoing(id: id) else {
                printError("mmsctl: no sent message \(id)")
                throw ExitStatus.noInput
            }
            let view = try SentView.build([row], store: store)
            if json {
                print(JSONOutput.encode(view))
                return
            }
            let message = view.messages[0]
            print("Sent message \(message.id), \(message.createdAt): \(message.state)")
            if let subject = message.subject { print("Subject:     \(TerminalText.safe(subject))") }
            if let id = message.messageId { print("Message-ID:  \(TerminalText.safe(id))") }
            if let status = message.responseStatus {
                print("MMSC:        \(status)" + (message.responseText.map { " (\(TerminalText.safe($0)))" } ?? ""))
            }
            if let error = message.error { print("Error:       \(TerminalText.safe(error))") }
            for recipient in message.recipients {
                print(
                    "  \(recipient.field.padded(to: 3)) \(TerminalText.safe(recipient.address))"
                        + "  delivery: \(recipient.delivery ?? "no report")"
                        + (recipient.deliveredAt.map { " at \($0)" } ?? "")
                        + "  read: \(recipient.read ?? "no report")")
            }
        }
    }

    struct Resend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send an outbox message again (after a failure or an unknown outcome).",
            discussion: "Example: mmsctl sent resend 3")
        @Option(help: ArgumentHelp("The store folder (default $XDG_DATA_HOME/mmsctl).", valueName: "dir"))
        var store: String?
        @OptionGroup var config: ConfigOptions
        @Argument(help: "The message's id.") var id: Int64
        @Flag(help: "Print JSON (schema mmsctl.send/1).") var json = false
        @OptionGroup var log: LogOptions

        func run() async throws {
            let configuration = try usableConfiguration(
                config.load(device: nil, pin: nil, extra: ["store.path": store].compactMapValues { $0 }))
            let logger = log.logger()
            let receive = ReceiveService(configuration: configuration, options: ReceiveOptions(), logger: logger)
            let store: SQLiteStore
            do {
                store = try receive.openStore()
            } catch {
                printError("mmsctl: \(error)")
                throw ExitStatus.ioError
            }
            guard
                let result = try await SendService(configuration: configuration, logger: logger).resend(
                    id: id, store: store, network: receive.network(), upload: Progress.upload(enabled: !json))
            else {
                printError("mmsctl: no sent message \(id)")
                throw ExitStatus.noInput
            }
            Progress.finish(enabled: !json)
            if json {
                print(JSONOutput.encode(result))
            } else if result.exitCode == 0 {
                print("sent message \(id) again: \(result.responseStatus ?? "?")")
            }
            if let error = result.error, !json { printError("mmsctl: \(error)") }
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }
}
