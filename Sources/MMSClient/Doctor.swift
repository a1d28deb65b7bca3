import Foundation
import Modem
import Transport

#if canImport(Glibc)
    import Glibc
#endif

/// One line of `mmsctl doctor`: what was checked, how it went, and the command that fixes it.
public struct DoctorCheck: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable { case pass, warn, fail }
    public var name: String
    public var status: Status
    public var detail: String
    public var fix: String?
}

/// Checks everything between a plugged-in stick and working MMS, in the order a person would:
/// device, permission, lock, modem, SIM, network, SMS storage, MMS settings, bearer.
public struct Doctor: Sendable {
    public var device: String?
    public var pin: String?
    public var lockDirectory: String?
    /// Every AT line, as `--trace-at` shows it.
    public var trace: (@Sendable (ATTraceDirection, String) -> Void)?
    public var carrierDatabase = CarrierDatabase.defaultPath
    /// Builds the configuration, given the carrier settings found by IMSI (or none).
    public var configuration: @Sendable (CarrierSettings?) -> Configuration
    public var discovery: @Sendable () -> ModemDiscovery.Result = { ModemDiscovery.discover() }

    public init(device: String?, pin: String?, configuration: @escaping @Sendable (CarrierSettings?) -> Configuration) {
        self.device = device
        self.pin = pin
        self.configuration = configuration
    }

    public func run() async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        func add(_ name: String, _ status: DoctorCheck.Status, _ detail: String, fix: String? = nil) {
            checks.append(DoctorCheck(name: name, status: status, detail: detail, fix: fix))
        }

        // 1–7: the modem. Whatever stops them, the configuration, MMS settings and bearer are still
        // checked: they need no modem.
        func modemChecks() async -> String? {
            // 1. Which device.
            var path = device
            if path == nil {
                let found = await ModemDiscovery.probeUnknownPorts(discovery(), lockDirectory: lockDirectory)
                if let warning = found.warning { add("discovery", .warn, warning) }
                for stick in found.modems where stick.mode != nil {
                    add(
                        "modem mode", .fail,
                        "\(stick.name) (\(stick.usbID)) is in \(stick.mode!.rawValue) mode and has no AT port",
                        fix: stick.advice)
                }
                if let modem = found.modems.first(where: { $0.atPort != nil }) {
                    path = modem.atPort?.device
                    add("discovery", .pass, "\(modem.name) (\(modem.usbID)), AT port \(path!)")
                } else if found.modems.allSatisfy({ $0.mode == nil }) {
                    add(
                        "discovery", .fail, "no modem with an AT port was found",
                        fix:
                            "plug the modem in, check `lsusb`, install udev/77-mmsctl.rules, or give --device /dev/ttyUSBn"
                    )
                }
            }
            guard let path else { return nil }

            // 2. Present and permitted.
            var info = stat()
            guard stat(path, &info) == 0 else {
                add(
                    "device", .fail, "\(path) does not exist",
                    fix: "run `mmsctl modems` to find the modem's AT port, then --device")
                return nil
            }
            if access(path, R_OK | W_OK) != 0 {
                let group = getgrgid(info.st_gid).map { String(cString: $0.pointee.gr_name) } ?? "dialout"
                add(
                    "permission", .fail, "no read/write access to \(path)",
                    fix: "sudo usermod -aG \(group) $USER   (then log in again)")
                return nil
            }
            add("device", .pass, "\(path) is present and writable")

            // 3. Lock and 4. modem answers.
            let channel: ATChannel
            do {
                channel = try ATChannel.open(device: path, lockDirectory: lockDirectory, trace: trace)
            } catch {
                if case .port(.busy(_, let holder)) = error {
                    let isMM = holder?.contains("ModemManager") == true
                    add(
                        "port lock", .fail, "\(path) is in use by \(holder ?? "another program")",
                        fix: isMM
                            ? "sudo systemctl stop ModemManager   (or install udev/78-mmsctl-modemmanager-ignore.rules)"
                            : "stop the program that holds the port (gammu-smsd, smstools, minicom, another mmsctl)")
                } else {
                    add("port", .fail, error.description)
                }
                return nil
            }
            add("port lock", .pass, "mmsctl holds \(path) exclusively")
            let modem = ModemCommands(channel: channel)
            var answered = false
            for _ in 0..<3 where !answered {
                answered = (try? await channel.send("AT", timeout: 3)) != nil
            }
            guard answered else {
                add(
                    "modem", .fail, "no answer to AT on \(path)",
                    fix:
                        "this may not be the AT port (try the other ports in `mmsctl modems`), or the modem is still booting"
                )
                await channel.close()
                return nil
            }
            _ = try? await channel.send("ATE0")
            _ = try? await channel.execute("AT+CMEE=1")
            let identity = try? await modem.identity()
            add("modem", .pass, "\(identity?.manufacturer ?? "?") \(identity?.model ?? "?") answers")

            // 5. SIM.
            switch try? await modem.pinState() {
            case .ready?: add("SIM", .pass, "ready")
            case .pinRequired?:
                if let pin, (try? await modem.enterPIN(pin)) != nil {
                    add("SIM", .pass, "unlocked with the configured PIN")
                } else {
                    add(
                        "SIM", .fail, pin == nil ? "the SIM needs its PIN" : "the configured PIN was refused",
                        fix:
                            "mmsctl doctor --pin NNNN, or set modem.pin in \(Configuration.userFile) (careful: 3 wrong PINs lock the SIM)"
                    )
                    await channel.close()
                    return nil
                }
            case .pukRequired?:
                add("SIM", .fail, "the SIM is PUK-locked", fix: "unlock it in a phone with the PUK from the carrier")
            case .other(let text)?: add("SIM", .fail, "SIM state \(text)", fix: "check that a SIM is inserted")
            case nil: add("SIM", .fail, "AT+CPIN? did not answer", fix: "check that a SIM is inserted")
            }

            // 6. Network and signal.
            if let registration = try? await modem.registration(), registration.isRegistered {
                add("network", .pass, registration.status == 5 ? "registered (roaming)" : "registered")
            } else {
                add(
                    "network", .fail, "not registered",
                    fix: "check coverage and the SIM's service; `mmsctl modem at --device \(path) 'AT+COPS?'`")
            }
            if let signal = try? await modem.signal() {
                if let dBm = signal.dBm {
                    add("signal", dBm < -105 ? .warn : .pass, "\(dBm) dBm")
                } else {
                    add("signal", .warn, "unknown (rssi 99)")
                }
            }

            // 7. SMS storage: a full storage blocks new notifications.
            _ = try? await channel.send("AT+CMGF=0")
            if let storage = try? await modem.storageUse(), let incoming = storage.last {
                if incoming.used >= incoming.total {
                    add(
                        "SMS storage", .fail,
                        "\(incoming.memory) is full (\(incoming.used)/\(incoming.total)): the network holds new notifications",
                        fix: "mmsctl modem at --device \(path) 'AT+CMGD=0,3'   (deletes read and sent SMS)")
                } else if incoming.isNearlyFull {
                    add(
                        "SMS storage", .warn, "\(incoming.memory) nearly full (\(incoming.used)/\(incoming.total))",
                        fix: "mmsctl modem at --device \(path) 'AT+CMGD=0,3'")
                } else {
                    add("SMS storage", .pass, "\(incoming.memory) \(incoming.used)/\(incoming.total) used")
                }
            }
            await channel.close()
            return identity?.imsi
        }
        let imsi = await modemChecks()

        // 8. MMS settings, with the carrier database by IMSI.
        var carrier: CarrierSettings?
        var carrierNote = ""
        if let imsi {
            do {
                let database = try CarrierDatabase(path: carrierDatabase)
                carrier = database.lookup(imsi: imsi).first
                if carrier == nil {
                    carrierNote =
                        "; the carrier database has no MMS settings for \(imsi.prefix(3))-\(imsi.dropFirst(3).prefix(3))"
                }
            } catch {
                carrierNote = "; \(error)"
            }
        }
        let configuration = configuration(carrier)
        if !configuration.errors.isEmpty {
            add(
                "configuration", .fail, configuration.errors.joined(separator: "; "),
                fix: "correct these values (`mmsctl config` shows every value and where it is set)")
        }
        let missing = configuration.missingMMSSettings
        if missing.isEmpty {
            let sources = ["mms.mmsc", "mms.apn", "mms.proxy"].compactMap { key in
                configuration[key].map { "\(key)=\($0) (\(configuration.source(key)?.rawValue ?? "?"))" }
            }
            add("MMS settings", .pass, sources.joined(separator: ", "))
        } else {
            add(
                "MMS settings", .fail, "missing \(missing.joined(separator: ", "))\(carrierNote)",
                fix:
                    "set them in \(Configuration.userFile), e.g. [mms] mmsc = \"http://…\" apn = \"…\" proxy = \"host:port\""
            )
        }

        // 9. Bearer.
        switch configuration["bearer.kind"] ?? "none" {
        case "interface":
            let name = configuration["bearer.interface"] ?? ""
            if FileManager.default.fileExists(atPath: "/sys/class/net/\(name)") {
                add("bearer", .pass, "interface \(name) exists")
            } else {
                add(
                    "bearer", .fail, "interface \(name) does not exist",
                    fix: "bring the modem's data connection up first, or use bearer.kind = ppp")
            }
        case "ppp":
            if let reason = PPPBearer.unavailableReason() {
                add("bearer", .fail, reason, fix: "apt-get install ppp; load the kernel's ppp_generic module")
            } else {
                add("bearer", .pass, "pppd and /dev/ppp are usable")
            }
        case "none":
            add("bearer", .pass, "host routing (the MMSC must be reachable without the modem's MMS APN)")
        case let other:
            add("bearer", .fail, "unknown bearer.kind \(other)", fix: "use none, interface or ppp")
        }
        // 10. With the bearer up (host routing or an existing interface): the MMSC's name through the
        // bearer's DNS, and a TCP connection to the proxy or the MMSC, each timed. A ppp bearer is not
        // dialled by the doctor.
        if let mmsc = configuration["mms.mmsc"], (configuration["bearer.kind"] ?? "none") != "ppp" {
            var transport = configuration.transport
            transport.connectTimeout = 10
            do {
                let probe = try await HTTPTransport(configuration: transport).probe(mmsc)
                add(
                    "reachability", .pass,
                    String(
                        format: "%@: resolved in %.0f ms (%d address%@), connected in %.0f ms", probe.target,
                        probe.resolveSeconds * 1000, probe.addresses, probe.addresses == 1 ? "" : "es",
                        probe.connectSeconds * 1000))
            } catch {
                add(
                    "reachability", .fail, "\(error)",
                    fix:
                        "the MMSC or its proxy is reachable only over the MMS APN: bring that bearer up (bearer.kind, bearer.interface, bearer.dns)"
                )
            }
        }
        return checks
    }
}
