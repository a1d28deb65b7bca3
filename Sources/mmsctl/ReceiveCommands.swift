import ArgumentParser
import Dispatch
import Foundation
import Logging
import MMSClient
import Modem
import PDU
import Store

#if canImport(Glibc)
    import Glibc
#endif

/// Options shared by `fetch` and `receive`: the modem, the MMS settings, the store, the hook.
struct ReceiveCommandOptions: ParsableArguments {
    @OptionGroup var device: DeviceOptions
    @OptionGroup var config: ConfigOptions
    @Option(help: ArgumentHelp("The store folder (default $XDG_DATA_HOME/mmsctl).", valueName: "dir"))
    var store: String?
    @Option(
        name: .customLong("max-size"),
        help: ArgumentHelp("Largest message to fetch, in bytes; larger ones are answered Deferred.", valueName: "bytes")
    )
    var maxSize: Int?
    @Option(
        help: ArgumentHelp(
            "Run this shell command once per new message, its JSON on standard input (hooks.on_message).",
            valueName: "command"))
    var exec: String?
    @Flag(help: "Retry failed notifications now instead of waiting for their backoff.")
    var retry = false
    @Flag(help: "Print the result as JSON (schema mmsctl.fetch/1).")
    var json = false
    @OptionGroup var log: LogOptions

    func validate() throws {
        if let maxSize, maxSize <= 0 || maxSize > 1 << 30 {
            throw ValidationError("--max-size takes a number of bytes from 1 to \(1 << 30)")
        }
    }

    func service(indications: ModemCommands.Indications = .store, scanInterval: Double = 300, watching: Bool = false)
        throws -> ReceiveService
    {
        var extra: [String: String] = [:]
        extra["store.path"] = store
        extra["mms.max_size"] = maxSize.map(String.init)
        extra["hooks.on_message"] = exec
        let configuration = try usableConfiguration(
            config.load(device: device.device, pin: device.pin, extra: extra))
        let logger = log.logger(quiet: watching ? .notice : .warning)
        var options = ReceiveOptions()
        options.retryNow = retry
        options.indications = indications
        options.scanInterval = scanInterval
        options.lockDirectory = ProcessInfo.processInfo.environment["MMSCTL_LOCK_DIR"]
        options.trace = atTrace(enabled: device.traceAT)
        return ReceiveService(configuration: configuration, options: options, logger: logger)
    }
}

/// The result of a pass as JSON.
struct FetchDocument: Encodable {
    var schema = "mmsctl.fetch/1"
    var exitCode: Int32
    var summary: ReceiveSummary
}

/// Prints a pass's result and exits with its status: quiet when nothing happened.
func finish(_ summary: ReceiveSummary, json: Bool) throws {
    if json {
        print(JSONOutput.encode(FetchDocument(exitCode: summary.exitCode, summary: summary)))
    } else {
        for stored in summary.stored {
            let subject = stored.subject.map { " “\(TerminalText.safe($0))”" } ?? ""
            print(
                "stored message \(stored.id) from \(TerminalText.safe(stored.from ?? "(unknown)"))\(subject) "
                    + "(\(stored.parts) \(stored.parts == 1 ? "part" : "parts"), \(byteCount(stored.size)))")
        }
        for answered in summary.answered { print(TerminalText.safe(answered)) }
        if summary.reports > 0 { print("stored \(summary.reports) \(summary.reports == 1 ? "report" : "reports")") }
        if summary.smsDeleted > 0 {
            print("deleted \(summary.smsDeleted) SMS from the modem")
        }
        for pending in summary.pending {
            let when = pending.nextAttempt.map {
                " (next attempt in \(max(0, Int($0 - Date().timeIntervalSince1970))) s)"
            }
            printError(
                "mmsctl: notification \(pending.notification) \(pending.state)\(when ?? "")"
                    + (pending.error.map { ": \(TerminalText.safe($0))" } ?? ""))
        }
        for failure in summary.hookFailures { printError("mmsctl: \(TerminalText.safe(failure))") }
        if let problem = summary.modemError, !summary.modemBusyWithMMSCtl {
            printError("mmsctl: \(TerminalText.safe(problem))")
        }
    }
    let code = summary.exitCode
    if code != 0 { throw ExitCode(code) }
}

func byteCount(_ count: Int) -> String { count == 1 ? "1 byte" : "\(count) bytes" }

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch every pending MMS once and exit (for cron).",
        discussion: """
            One pass: lists the SMS in every storage the modem offers (SIM and phone memory), \
            reassembles the WAP-push notifications, fetches each message from its Content-Location \
            through the MMS proxy and bearer, stores it, acknowledges it (M-NotifyResp.ind) and only \
            then deletes the SMS that carried it. Notifications that earlier runs left pending are \
            retried after their backoff (--retry: now). Other SMS are never touched. Quiet when there \
            is nothing to do.

            When a `mmsctl receive --watch` holds the modem, fetch does only the store's pending work.

            Exit status: 0 done, 69 the modem is unavailable (pending work in the store was still \
            done), 74 the store cannot be opened, 75 something failed and will be retried.

            Examples:
              mmsctl fetch
              mmsctl fetch --device /dev/ttyUSB2 --mmsc http://mms.example/mms
              mmsctl fetch --proxy 10.0.0.10:8080 --max-size 600000 -v
              */5 * * * * flock -n /tmp/mmsctl.lock mmsctl fetch
            """
    )

    @OptionGroup var options: ReceiveCommandOptions

    func run() async throws {
        let service = try options.service()
        let summary: ReceiveSummary
        do {
            summary = try await service.fetchOnce()
        } catch {
            printError("mmsctl: \(error)")
            throw ExitStatus.ioError
        }
        try finish(summary, json: options.json)
    }
}

struct ReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive",
        abstract: "Receive MMS: one pass like `fetch`, or --watch to run as a service.",
        discussion: """
            With --watch mmsctl initialises the modem (store and notify: +CNMI=2,1), drains what is \
            already stored, then reacts to each +CMTI (and +CMT when routed), lists every storage \
            every --scan-interval seconds as a safety net, initialises the modem again after it \
            reboots, waits for an unplugged modem and carries on when it returns. SIGINT or SIGTERM \
            stop it at once; whatever was in hand is finished by the next run.

            Examples:
              mmsctl receive --watch -v
              mmsctl receive --watch --device /dev/mmsctl/0123456789-at
              mmsctl receive --watch --exec 'jq -r .subject >> ~/mms.log'
            """
    )

    @OptionGroup var options: ReceiveCommandOptions
    @Flag(help: "Run until stopped, reacting to the modem's notifications.") var watch = false
    @Option(
        name: .customLong("scan-interval"),
        help: ArgumentHelp("Seconds between full listings of the storages (watch).", valueName: "seconds"))
    var scanInterval: Double = 300
    @Flag(
        help: ArgumentHelp(
            "Watch with routed delivery (+CMT acknowledged by AT+CNMA) instead of store and notify.",
            visibility: .hidden))
    var routed = false

    func validate() throws {
        guard scanInterval.isFinite, scanInterval >= 1, scanInterval <= 86_400 else {
            throw ValidationError("--scan-interval takes seconds from 1 to 86400")
        }
    }

    func run() async throws {
        guard watch else {
            let summary: ReceiveSummary
            do {
                summary = try await options.service().fetchOnce()
            } catch {
                printError("mmsctl: \(error)")
                throw ExitStatus.ioError
            }
            return try finish(summary, json: options.json)
        }
        var service = try options.service(
            indications: routed ? .route : .store, scanInterval: scanInterval, watching: true)
        // Under systemd (Type=notify): READY once the modem is initialised, STATUS lines, the watchdog.
        let notifier = SystemdNotifier()
        if notifier.isActive {
            var hooks = service.options
            hooks.onReady = { notifier.ready() }
            hooks.onStatus = { notifier.status($0) }
            hooks.onWatchdog = { notifier.watchdog() }
            hooks.watchdogInterval = notifier.watchdogInterval
            service = ReceiveService(configuration: service.configuration, options: hooks, logger: service.logger)
        }
        let stop = StopToken()
        let logger = service.logger
        let sources = SignalSources.install([SIGINT, SIGTERM]) { signal in
            logger.notice("stopping (signal \(signal))")
            notifier.stopping()
            stop.stop()
        }
        defer { sources.cancel() }
        let running = service
        do {
            try await running.watch(stop: stop)
        } catch {
            printError("mmsctl: \(error)")
            throw ExitStatus.ioError
        }
    }
}

/// Signals handled through dispatch sources: the handler runs on a queue, never inside a signal
/// handler, so it may take locks and log.
final class SignalSources: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    static func install(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) -> SignalSources {
        let holder = SignalSources()
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            holder.sources.append(source)
        }
        return holder
    }

    func cancel() {
        for source in sources { source.cancel() }
        sources = []
    }
}

struct InboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "List, show, export and delete received messages.",
        subcommands: [List.self, Show.self, Export.self, Delete.self]
    )

    struct StoreOptions: ParsableArguments {
        @Option(help: ArgumentHelp("The store folder (default $XDG_DATA_HOME/mmsctl).", valueName: "dir"))
        var store: String?
        @Option(
            name: .customLong("config"), help: ArgumentHelp("A configuration file to use.", valueName: "file"))
        var configFile: String?

        func inbox() throws -> Inbox {
            try Inbox(store: openStore())
        }

        func openStore() throws -> SQLiteStore {
            let configuration = try usableConfiguration(
                Configuration.load(
                    flags: ["store.path": store].compactMapValues { $0 },
                    userFile: configFile ?? Configuration.userFile, explicitFile: configFile != nil))
            let folder = configuration["store.path"] ?? SQLiteStore.defaultFolder
            do {
                return try SQLiteStore(folder: folder)
            } catch {
                printError("mmsctl: \(error)")
                throw ExitStatus.ioError
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List stored messages, oldest first.",
            discussion: "Examples:\n  mmsctl inbox list\n  mmsctl inbox list --json | jq '.messages[].subject'")
        @OptionGroup var options: StoreOptions
        @Flag(help: "Print JSON (schema mmsctl.inbox/1).") var json = false

        func run() throws {
            let messages = try options.inbox().list()
            if json {
                print(JSONOutput.encode(InboxJSON.List(messages: messages)))
                return
            }
            if messages.isEmpty {
                print("no messages")
                return
            }
            for message in messages {
                let from = TerminalText.safe(message.from ?? "(unknown)")
                let subject = message.subject.map { TerminalText.safe($0) } ?? "(no subject)"
                print(
                    "\(String(message.id).leftPadded(to: 5))  \(message.receivedAt)  \(from.padded(to: 18))  "
                        + "\(subject)  [\(message.parts.count) \(message.parts.count == 1 ? "part" : "parts"), \(byteCount(message.size))]"
                )
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a message: its headers, its text, its parts.",
            discussion: "Examples:\n  mmsctl inbox show 3\n  mmsctl inbox show 3 --json")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The message's id (see `mmsctl inbox list`).") var id: Int64
        @Flag(help: "Print JSON (schema mmsctl.message/1).") var json = false

        func run() throws {
            guard let message = try options.inbox().show(id: id) else {
                printError("mmsctl: no message \(id) in the store")
                throw ExitStatus.noInput
            }
            if json {
                print(JSONOutput.encode(message))
                return
            }
            print("Message \(message.id), received \(message.receivedAt)")
            print("From:    \(TerminalText.safe(message.from ?? "(unknown)"))")
            if !message.to.isEmpty {
                print("To:      \(message.to.map { TerminalText.safe($0) }.joined(separator: ", "))")
            }
            if !message.cc.isEmpty {
                print("Cc:      \(message.cc.map { TerminalText.safe($0) }.joined(separator: ", "))")
            }
            if let subject = message.subject { print("Subject: \(TerminalText.safe(subject))") }
            if let date = message.date { print("Date:    \(date)") }
            if let id = message.messageId { print("Message-ID: \(TerminalText.safe(id))") }
            if let text = message.text {
                // Indented, so that no line of a sender's text can pass for one of the headers above.
                let body = TerminalText.safe(text, multiline: true).split(
                    separator: "\n", omittingEmptySubsequences: false)
                print("\n" + body.map { "    " + $0 }.joined(separator: "\n") + "\n")
            }
            print("Parts:")
            for part in message.parts {
                print(
                    "  \(part.index)  \(TerminalText.safe(part.mediaType))  \(byteCount(part.size))"
                        + (part.name.map { "  \(TerminalText.safe($0))" } ?? ""))
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write messages' parts and raw PDUs into a folder.",
            discussion: """
                Each message goes to <out>/<id>/: its parts under safe, unique names (no folders, no \
                leading dots, no control characters, at most 100 bytes; never overwriting or following \
                a link) and its raw PDU as message-<id>.mms.

                Examples:
                  mmsctl inbox export 3 --out ~/mms
                  mmsctl inbox export --all --out /srv/mms --json
                """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "Message ids.") var ids: [Int64] = []
        @Flag(help: "Every stored message.") var all = false
        @Option(help: ArgumentHelp("The folder to write into.", valueName: "dir")) var out: String
        @Flag(help: "Print JSON (schema mmsctl.inbox/1) with where each part went.") var json = false

        func validate() throws {
            if ids.isEmpty && !all { throw ValidationError("name message ids, or --all") }
            if !ids.isEmpty && all { throw ValidationError("give ids or --all, not both") }
        }

        func run() throws {
            let inbox = try options.inbox()
            let wanted = all ? try inbox.list().map(\.id) : ids
            var exported: [InboxJSON.Message] = []
            var status: ExitCode = .success
            for id in wanted {
                do {
                    guard let message = try inbox.export(id: id, to: out) else {
                        printError("mmsctl: no message \(id) in the store")
                        status = ExitStatus.noInput
                        continue
                    }
                    exported.append(message)
                    if !json {
                        for part in message.parts {
                            if let path = part.savedTo { print(TerminalText.safe(path)) }
                        }
                        if let path = message.pduSavedTo { print(TerminalText.safe(path)) }
                    }
                } catch {
                    printError("mmsctl: message \(id): \(error)")
                    status = ExitStatus.cannotCreate
                }
            }
            if json { print(JSONOutput.encode(InboxJSON.List(messages: exported))) }
            if status != .success { throw status }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete messages from the store.", discussion: "Example: mmsctl inbox delete 3 4")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Message ids.") var ids: [Int64]

        func run() throws {
            let inbox = try options.inbox()
            var missing = false
            for id in ids {
                if try inbox.delete(id: id) {
                    print("deleted message \(id)")
                } else {
                    printError("mmsctl: no message \(id) in the store")
                    missing = true
                }
            }
            if missing { throw ExitStatus.noInput }
        }
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
