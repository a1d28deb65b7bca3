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
            if json {
                struct Report: Encodable {
                    var identity: ModemIdentity
                    var registration: Registration?
                    var rssi: Int?
                    var signalDBm: Int?
                    var storage: [StorageUse]
                    var notes: [String]
                }
                print(
                    jsonString(
                        Report(
                            identity: identity, registration: registration, rssi: signal?.rssi,
                            signalDBm: signal?.dBm ?? nil, storage: storage, notes: notes)))
                return
            }
            print(
                "Modem         \(identity.manufacturer ?? "?") \(identity.model ?? "?") (\(identity.revision ?? "?"))"
            )
            print("IMEI          \(identity.imei ?? "?")")
            print("IMSI          \(identity.imsi ?? "?")")
            if let number = identity.ownNumber { print("Number        \(number)") }
            if let registration {
                print(
                    "Registration  \(registration.isRegistered ? "registered" : "not registered") (stat \(registration.status))"
                )
            }
            if let signal {
                print("Signal        \(signal.dBm.map { "\($0) dBm" } ?? "unknown") (rssi \(signal.rssi))")
            }
            for use in storage {
                print(
                    "Storage \(use.memory.padding(toLength: 6, withPad: " ", startingAt: 0))\(use.used)/\(use.total)"
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
                that arrived before mmsctl configured the modem can sit on the SIM. Nothing is deleted.

                Example: mmsctl modem list-sms --device /dev/ttyUSB2
                """)
        @OptionGroup var options: DeviceOptions

        func run() async throws {
            let messages = try await options.withModem { modem, _ in try await modem.listAllStorages() }
            if messages.isEmpty { print("no stored SMS") }
            for (memory, message) in messages {
                let place = "\(memory) \(message.index)"
                switch message.pdu {
                case .success(let pdu):
                    let summary = SMSReport(pdu)
                    let sender = TerminalText.safe(summary.originator ?? summary.recipient ?? "?")
                    print(
                        "\(place): \(summary.type) from \(sender) "
                            + (summary.destinationPort == 2948
                                ? "(WAP push)" : summary.text.map { "\"\(TerminalText.safe($0))\"" } ?? ""))
                case .failure(let error):
                    print("\(place): undecodable: \(error)")
                }
            }
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
