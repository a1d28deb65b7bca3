import ArgumentParser
import Foundation
import MMSClient
import Modem
import PDU

/// Options every command that talks to a modem shares.
struct DeviceOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("The modem's AT port, e.g. /dev/ttyUSB2.", valueName: "tty"))
    var device: String?

    @Flag(
        name: .customLong("trace-at"),
        help: "Log every AT line in both directions, with time stamps, to standard error.")
    var traceAT = false

    @Option(help: "The SIM PIN, when the SIM asks for one.")
    var pin: String?

    func open() throws -> ATChannel {
        let configured = try device ?? usableConfiguration(Configuration.load())["modem.device"]
        guard let device = configured ?? ModemDiscovery.discover().modems.compactMap(\.atPort).first?.device else {
            printError(
                "mmsctl: no modem found: plug one in and check `mmsctl modems` (a stick in CD-ROM or HiLink mode "
                    + "has no AT port), or give its AT port with --device /dev/ttyUSB2, or set modem.device in "
                    + "\(Configuration.userFile)")
            throw ExitStatus.unavailable
        }
        do {
            return try ATChannel.open(device: device, trace: atTrace(enabled: traceAT))
        } catch {
            printError("mmsctl: \(error)")
            throw ExitStatus.noInput
        }
    }

    /// Opens the modem, initialises it (with `--pin` when given), runs `body` with the modem and the
    /// initialisation notes, and closes the port, on errors too. A modem error is printed and exits
    /// with 69 (EX_UNAVAILABLE).
    func withModem<T>(_ body: (ModemCommands, [String]) async throws -> T) async throws -> T {
        let channel = try open()
        let modem = ModemCommands(channel: channel)
        do {
            let result = try await body(modem, try await modem.initialize(pin: pin))
            await channel.close()
            return result
        } catch {
            await channel.close()
            printError("mmsctl: \(error)")
            throw ExitCode(69)
        }
    }
}

/// `--trace-at`: every AT line with the seconds since the start, to standard error.
func atTrace(enabled: Bool, indent: String = "") -> (@Sendable (ATTraceDirection, String) -> Void)? {
    guard enabled else { return nil }
    let start = Date()
    return { @Sendable (direction: ATTraceDirection, line: String) in
        let elapsed = Date().timeIntervalSince(start)
        printError(indent + String(format: "%9.3f ", elapsed) + direction.rawValue + " " + line)
    }
}

struct ModemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modem",
        abstract: "Talk to a modem: identity and state, stored SMS, raw AT commands.",
        subcommands: [Info.self, ListSMS.self, AT.self]
    )

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Initialise the modem and show its identity, SIM, registration, signal and SMS storage.",
            discussion: "Example: mmsctl modem info --device /dev/ttyUSB2 --trace-at")
        @OptionGroup var options: DeviceOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (notes, identity, registration, signal, storage) = try await options.withModem { modem, notes in
                (
                    notes, try await modem.identity(), try? await modem.registration(), try? await modem.signal(),
                    (try? await modem.storageUse()) ?? []
                )
            }
            // +CPMS? names the three storages in order: read/delete, write/send, receive.
            let roles = ["read", "write", "receive"]
            if json {
                struct Storage: Encodable {
                    var role: String
                    var memory: String
                    var used: Int
                    var total: Int
                    var nearlyFull: Bool
                }
                struct RegistrationReport: Encodable {
                    var status: Int
                    var state: String
                    var registered: Bool
                    var area: String?
                    var cell: String?
                    var accessTechnology: Int?
                }
                struct Report: Encodable {
                    var schema = "mmsctl.modem-info/1"
                    var identity: ModemIdentity
                    var registration: RegistrationReport?
                    var rssi: Int?
                    var signalDBm: Int?
                    var storage: [Storage]
                    var notes: [String]
                }
                let storages = storage.enumerated().map { index, use in
                    Storage(
                        role: index < 3 ? roles[index] : "other", memory: use.memory, used: use.used, total: use.total,
                        nearlyFull: use.isNearlyFull)
                }
                print(
                    JSONOutput.encode(
                        Report(
                            identity: identity,
                            registration: registration.map {
                                RegistrationReport(
                                    status: $0.status, state: $0.statusText, registered: $0.isRegistered, area: $0.area,
                                    cell: $0.cell, accessTechnology: $0.accessTechnology)
                            }, rssi: signal?.rssi, signalDBm: signal?.dBm ?? nil, storage: storages, notes: notes)))
                return
            }
            print(
                "Modem         \(identity.manufacturer ?? "?") \(identity.model ?? "?") (\(identity.revision ?? "?"))"
            )
            print("IMEI          \(identity.imei ?? "?")")
            print("IMSI          \(identity.imsi ?? "?")")
            if let number = identity.ownNumber { print("Number        \(number)") }
            if let registration {
                print("Registration  \(registration.statusText)")
            }
            if let signal {
                print("Signal        \(signal.dBm.map { "\($0) dBm" } ?? "unknown") (rssi \(signal.rssi))")
            }
            for (index, use) in storage.enumerated() {
                let role = index < 3 ? roles[index] : "other"
                print(
                    "Storage       \(role.padding(toLength: 8, withPad: " ", startingAt: 0)) \(use.memory) \(use.used)/\(use.total)"
                        + (use.isNearlyFull ? "  nearly full: new notifications will be held by the network" : ""))
            }
            for note in notes { print("Note          \(note)") }
        }
    }

    struct ListSMS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list-sms",
            abstract: "List the SMS stored in every storage of the modem (SIM and phone memory), decoded.",
            discussion: """
                Lists each storage that AT+CPMS=? offers for reading (AT+CMGL=4 in each): a notification \
                that arrived before mmsctl configured the modem can sit on the SIM. Shows each SMS's \
                status, time stamp and sender; concatenated parts are joined, and an MMS notification \
                shows its Content-Location and size. Nothing is deleted.

                Examples:
                  mmsctl modem list-sms --device /dev/ttyUSB2
                  mmsctl modem list-sms --json | jq '.messages[].text'
                """)
        @OptionGroup var options: DeviceOptions
        @Flag(help: "Print JSON (schema mmsctl.sms-list/1).") var json = false

        /// One message: a single SMS, or concatenated parts joined.
        struct Entry: Encodable {
            var storage: String
            var indices: [Int]
            var status: String
            var type: String
            var sender: String?
            var timestamp: String?
            var text: String?
            var missingParts: [Int]?
            var push: String?
            var mmsType: String?
            var contentLocation: String?
            var messageSize: Int?
            var subject: String?
            var error: String?
            var parts: [SMSReport]
        }

        static let statuses = [0: "unread", 1: "read", 2: "unsent", 3: "sent"]

        func run() async throws {
            let messages = try await options.withModem { modem, _ in try await modem.listAllStorages() }
            var entries: [Entry] = []
            var groups: [String: Int] = [:]
            var reassembler = ConcatenationReassembler()
            for (memory, stored) in messages {
                let status = Self.statuses[stored.status] ?? "status \(stored.status)"
                guard case .success(let pdu) = stored.pdu else {
                    if case .failure(let error) = stored.pdu {
                        entries.append(
                            Entry(
                                storage: memory, indices: [stored.index], status: status, type: "undecodable",
                                error: error.description, parts: []))
                    }
                    continue
                }
                let report = SMSReport(pdu)
                var entry = Entry(
                    storage: memory, indices: [stored.index], status: status, type: report.type,
                    sender: report.originator ?? report.recipient, timestamp: report.timestamp, text: report.text,
                    parts: [report])
                // Parts of one concatenated message are joined into the entry of its first part seen.
                if let concat = report.concatenation, concat.total > 1 {
                    let key = "\(memory)|\(entry.sender ?? "")|\(concat.reference)|\(concat.total)"
                    let outcome = try? reassembler.add(pdu, at: 0, location: String(stored.index))
                    if let existing = groups[key] {
                        entries[existing].indices.append(stored.index)
                        entries[existing].parts.append(report)
                    } else {
                        groups[key] = entries.count
                        entries.append(entry)
                    }
                    let position = groups[key]!
                    switch outcome {
                    case .complete(let message)?:
                        entries[position].missingParts = nil
                        entries[position].text = message.text
                        Self.describePush(
                            message.payload, header: message.deliver.first?.userData.header,
                            into: &entries[position])
                    case .waiting(_, let missing)?:
                        entries[position].missingParts = missing.map(Int.init)
                    default:
                        break
                    }
                    continue
                }
                if case .deliver(let deliver) = pdu.tpdu {
                    Self.describePush(deliver.userData.octets, header: deliver.userData.header, into: &entry)
                }
                entries.append(entry)
            }
            if json {
                struct Document: Encodable {
                    var schema = "mmsctl.sms-list/1"
                    var messages: [Entry]
                }
                print(JSONOutput.encode(Document(messages: entries)))
                return
            }
            if entries.isEmpty { print("no stored SMS") }
            for entry in entries {
                let place = "\(entry.storage) \(entry.indices.map(String.init).joined(separator: "+"))"
                var line = "\(place)  \(entry.status)  \(entry.type)"
                if let sender = entry.sender { line += "  from \(TerminalText.safe(sender))" }
                if let time = entry.timestamp { line += "  \(time)" }
                print(line)
                if let location = entry.contentLocation {
                    print(
                        "    \(entry.mmsType ?? "MMS"): \(TerminalText.safe(location))"
                            + (entry.messageSize.map { ", \(byteCount($0))" } ?? "")
                            + (entry.subject.map { ", “\(TerminalText.safe($0))”" } ?? ""))
                } else if let push = entry.push {
                    print("    \(push)")
                } else if let text = entry.text {
                    print("    \"\(TerminalText.safe(text))\"")
                }
                if let missing = entry.missingParts {
                    print("    waiting for part(s) \(missing.map(String.init).joined(separator: ", "))")
                }
                if let error = entry.error { print("    undecodable: \(TerminalText.safe(error))") }
            }
        }

        /// A WAP push to the MMS port: what it carries (a notification's location and size).
        static func describePush(_ payload: [UInt8], header: UserDataHeader?, into entry: inout Entry) {
            guard let port = header?.ports?.destination, port == WAPPush.port || port == 2949 else { return }
            entry.text = nil
            guard let push = try? WAPPush.decode(payload) else {
                entry.push = "WAP push (undecodable)"
                return
            }
            guard let mms = try? push.mmsPDU() else {
                entry.push = "WAP push: \(push.contentDescription)"
                return
            }
            entry.push = "WAP push: MMS"
            entry.mmsType = mms.messageType?.description
            entry.contentLocation = mms.contentLocation
            entry.messageSize = mms.messageSize.map { Int(clamping: $0) }
            entry.subject = mms.subject
        }
    }

    struct AT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send raw AT commands and print the answers.",
            discussion: "Example: mmsctl modem at --device /dev/ttyUSB2 'AT+CPMS?' 'AT+CSQ'")
        @OptionGroup var options: DeviceOptions
        @Argument(help: "Commands, each with its AT prefix; several arguments send several commands.")
        var commands: [String]
        @Option(help: "Seconds to wait for each answer (0.1 to 3600).") var timeout: Double = 10

        func validate() throws {
            guard timeout.isFinite, timeout >= 0.1, timeout <= 3600 else {
                throw ValidationError("--timeout takes seconds from 0.1 to 3600")
            }
            for (number, command) in commands.enumerated() {
                guard command.uppercased().hasPrefix("AT") else {
                    throw ValidationError("command \(number + 1) does not start with AT: \(TerminalText.safe(command))")
                }
                // CR or LF would end the line and start another command; Ctrl-Z would send a prompt's
                // payload; ESC would cancel it. One argument is one command line.
                if let control = command.unicodeScalars.first(where: {
                    $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value)
                }) {
                    throw ValidationError(
                        "command \(number + 1) contains the control character U+\(String(format: "%04X", control.value)); "
                            + "each argument is one command line: give several arguments to send several commands")
                }
            }
        }

        func run() async throws {
            let channel = try options.open()
            var failed = false
            for command in commands {
                do {
                    let response = try await channel.execute(command, timeout: timeout)
                    for line in response.lines { print(line) }
                    print(response.final.description)
                    if !response.final.isSuccess { failed = true }
                } catch {
                    printError("mmsctl: \(error)")
                    failed = true
                    break
                }
            }
            await channel.close()
            if failed { throw ExitCode(69) }
        }
    }
}
