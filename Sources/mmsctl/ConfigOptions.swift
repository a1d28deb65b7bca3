import ArgumentParser
import Foundation
import MMSClient
import Modem
import PDU
import Transport

/// Settings that can be given as flags (highest precedence; see `mmsctl config`).
struct ConfigOptions: ParsableArguments {
    @Option(help: "The carrier's MMS APN.") var apn: String?
    @Option(help: "The MMSC URL.") var mmsc: String?
    @Option(help: "The MMS proxy, host:port.") var proxy: String?
    @Option(help: "Bearer: none, interface or ppp.") var bearer: String?
    @Option(name: .customLong("interface"), help: "The data interface for --bearer interface.") var interfaceName:
        String?
    @Option(help: "DNS servers of the bearer, comma separated.") var dns: String?
    @Option(name: .customLong("data-device"), help: "The modem's PPP port for --bearer ppp.") var dataDevice: String?
    @Option(name: .customLong("user-agent"), help: "User-Agent sent to the MMSC.") var userAgent: String?
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp("A configuration file to use instead of the user file.", valueName: "file"))
    var configFile: String?

    func flags(device: String?, pin: String?) -> [String: String] {
        var flags: [String: String] = [:]
        flags["modem.device"] = device
        flags["modem.pin"] = pin
        flags["mms.apn"] = apn
        flags["mms.mmsc"] = mmsc
        flags["mms.proxy"] = proxy
        flags["bearer.kind"] = bearer
        flags["bearer.interface"] = interfaceName
        flags["bearer.dns"] = dns
        flags["bearer.data_device"] = dataDevice
        flags["mms.user_agent"] = userAgent
        return flags
    }

    func load(device: String?, pin: String?, carrier: CarrierSettings? = nil, extra: [String: String] = [:])
        -> Configuration
    {
        Configuration.load(
            flags: flags(device: device, pin: pin).merging(extra) { $1 },
            userFile: configFile ?? Configuration.userFile,
            explicitFile: configFile != nil, carrier: carrier)
    }
}

/// The configuration for a command: its warnings printed, and a stop (exit 78, EX_CONFIG) when a value
/// was refused or an explicit --config file could not be used.
func usableConfiguration(_ configuration: Configuration) throws -> Configuration {
    for warning in configuration.warnings { printError("mmsctl: warning: \(warning)") }
    guard configuration.errors.isEmpty else {
        for error in configuration.errors { printError("mmsctl: configuration: \(error)") }
        throw ExitStatus.configuration
    }
    return configuration
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective configuration and where each value comes from.",
        discussion: """
            Precedence: flags > MMSCTL_* environment variables > \(Configuration.userFile) > \(Configuration.systemFile) \
            > the carrier database (by the SIM's IMSI; give --imsi) > defaults.

            The file is TOML:
              [modem]
              device = "/dev/mmsctl/0123456789-at"
              [mms]
              apn = "orange-acte"
              mmsc = "http://mms.orange.fr"
              proxy = "192.168.10.200:8080"
              [bearer]
              kind = "ppp"
              data_device = "/dev/ttyUSB3"

            Examples:
              mmsctl config
              mmsctl config --imsi 208011234567890 --json
            """
    )

    @Option(name: .shortAndLong, help: "The modem's AT port.") var device: String?
    @Option(help: "The SIM PIN.") var pin: String?
    @Option(help: "Look the carrier up by this IMSI.") var imsi: String?
    @Option(name: .customLong("carrier-database"), help: "serviceproviders.xml to use.")
    var carrierDatabase = CarrierDatabase.defaultPath
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        var carrier: CarrierSettings?
        var notes: [String] = []
        if let imsi {
            do {
                let database = try CarrierDatabase(path: carrierDatabase)
                let found = database.lookup(imsi: imsi)
                carrier = found.first
                if found.isEmpty { notes.append("no MMS settings for \(imsi.prefix(6)) in \(carrierDatabase)") }
                if found.count > 1 {
                    notes.append(
                        "\(found.count) providers share this network; using \(found[0].provider): "
                            + found.map(\.provider).joined(separator: ", "))
                }
            } catch {
                notes.append("\(error)")
            }
        }
        let configuration = options.load(device: device, pin: pin, carrier: carrier)
        // Secrets (the PIN) are masked in both forms.
        let entries = configuration.displayEntries
        if json {
            struct Report: Encodable {
                var schema = "mmsctl.config/1"
                var settings: [Configuration.Entry]
                var warnings: [String]
                var errors: [String]
                var carrier: CarrierSettings?
            }
            print(
                JSONOutput.encode(
                    Report(
                        settings: entries, warnings: configuration.warnings + notes, errors: configuration.errors,
                        carrier: carrier)))
        } else {
            for entry in entries {
                let value = TerminalText.safe(entry.value ?? "(not set)")
                let source = entry.source.map { " [\($0.rawValue)\(entry.origin.map { ": \($0)" } ?? "")]" } ?? ""
                print(entry.key.padding(toLength: 20, withPad: " ", startingAt: 0) + value + source)
            }
            for warning in configuration.warnings + notes { printError("mmsctl: warning: \(warning)") }
            for error in configuration.errors { printError("mmsctl: configuration: \(error)") }
        }
        if !configuration.errors.isEmpty { throw ExitStatus.configuration }
    }
}

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check everything between the modem and working MMS, and say how to fix what is wrong.",
        discussion: """
            Checks: modem found (and not in CD-ROM/HiLink mode), device permitted, port not held by \
            another program (ModemManager), modem answers, SIM ready or PIN, registration, signal, \
            SMS storage room, MMS settings and their source, bearer. Exits 0 when nothing failed.

            Examples:
              mmsctl doctor
              mmsctl doctor --device /dev/ttyUSB2 --pin 1234 --json
            """
    )

    @Option(name: .shortAndLong, help: "The modem's AT port (default: discovery).") var device: String?
    @Option(help: "The SIM PIN.") var pin: String?
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Print JSON.") var json = false
    @Flag(
        name: .customLong("trace-at"),
        help: "Log every AT line in both directions, with time stamps, to standard error.")
    var traceAT = false

    func run() async throws {
        let base = options.load(device: device, pin: pin)
        for warning in base.warnings { printError("mmsctl: warning: \(warning)") }
        let options = self.options
        let (device, pin) = (self.device, self.pin)
        var doctor = Doctor(device: base["modem.device"], pin: base["modem.pin"]) { carrier in
            options.load(device: device, pin: pin, carrier: carrier)
        }
        if let lock = ProcessInfo.processInfo.environment["MMSCTL_LOCK_DIR"] { doctor.lockDirectory = lock }
        doctor.trace = atTrace(enabled: traceAT)
        if let database = ProcessInfo.processInfo.environment["MMSCTL_CARRIER_DATABASE"] {
            doctor.carrierDatabase = database
        }
        let checks = await doctor.run()
        if json {
            struct Report: Encodable {
                var schema = "mmsctl.doctor/1"
                var ok: Bool
                var checks: [DoctorCheck]
            }
            print(JSONOutput.encode(Report(ok: !checks.contains { $0.status == .fail }, checks: checks)))
        } else {
            for check in checks {
                let mark = check.status == .pass ? "✔" : check.status == .warn ? "!" : "✘"
                print("\(mark) \(check.name.padding(toLength: 13, withPad: " ", startingAt: 0)) \(check.detail)")
                if let fix = check.fix, check.status != .pass { print("  fix: \(fix)") }
            }
        }
        if checks.contains(where: { $0.status == .fail }) { throw ExitCode(1) }
    }
}

struct ModemsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modems",
        abstract: "List USB modems, their ports and what each port is for.",
        discussion: """
            Uses libudev: tty devices under USB parents, classified by mmsctl's udev rules, ModemManager's \
            port tags, or the built-in table of known modems. Sticks in CD-ROM or HiLink mode are shown with \
            what to do. --watch follows plugging and unplugging.

            Examples:
              mmsctl modems
              mmsctl modems --json | jq -r '.modems[0].ports[].device'
            """
    )

    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Follow hotplug events until interrupted.") var watch = false
    @Flag(help: "Ask unclassified ports `AT` (never DIAG/GPS ports).") var probe = false

    func run() async throws {
        var result = ModemDiscovery.discover()
        if probe { result = await ModemDiscovery.probeUnknownPorts(result) }
        if json {
            struct Report: Encodable {
                var schema = "mmsctl.modems/1"
                var modems: [DiscoveredModem]
                var warnings: [String]
            }
            print(JSONOutput.encode(Report(modems: result.modems, warnings: result.warning.map { [$0] } ?? [])))
        } else {
            if let warning = result.warning { printError("mmsctl: \(warning)") }
            if result.modems.isEmpty { print("no USB modem found") }
            for modem in result.modems {
                print("\(modem.name) [\(modem.usbID)]" + (modem.serial.map { " serial \($0)" } ?? ""))
                if let mode = modem.mode { print("  mode: \(mode.rawValue) — \(modem.advice ?? "")") }
                for port in modem.ports {
                    print(
                        "  \(port.device.padding(toLength: 16, withPad: " ", startingAt: 0)) \(port.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))"
                            + (port.interfaceNumber.map { " if\($0)" } ?? "")
                            + (port.source.map { "  (\($0))" }
                                ?? "  (unknown: probe with `mmsctl modem at --device \(port.device) AT`)"))
                }
                if !modem.networkInterfaces.isEmpty {
                    print("  network: \(modem.networkInterfaces.joined(separator: ", "))")
                }
            }
        }
        guard watch else { return }
        // A dispatch source, not a signal handler: nothing runs in signal context.
        let stop = StopFlag()
        let sources = SignalSources.install([SIGINT, SIGTERM]) { _ in stop.set() }
        defer { sources.cancel() }
        // The udev monitor blocks in poll: on a dispatch queue, not the cooperative pool.
        let problem = await Blocking.run {
            ModemDiscovery.watch(
                shouldStop: { stop.isSet },
                handler: { action, device in
                    FileHandle.standardOutput.write(Data("\(action) \(device)\n".utf8))
                })
        }
        if let problem {
            printError("mmsctl: \(problem)")
            throw ExitCode(69)
        }
    }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
