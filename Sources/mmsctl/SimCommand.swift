import ArgumentParser
import Foundation
import PDU
import Simulator

struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the modem simulator on a pseudo-terminal and print its device path.",
        discussion: """
            Starts a simulated USB modem (27.007/27.005 in PDU mode, SMS storage, PDP contexts) behind a \
            pseudo-terminal and prints the tty to point a client at: mmsctl, gammu, minicom. It runs \
            until interrupted (Ctrl-C).

            Examples:
              mmsctl sim
              mmsctl sim --profile huawei --pin 1234
              mmsctl sim --inject 0791947122725014440185F0...
              mmsctl sim --seconds 60 > sim.tty &
              mmsctl modem info --device "$(cat sim.tty)"
            """
    )

    @Option(help: "Modem profile: generic, huawei, simcom, quectel.")
    var profile = "generic"

    @Option(help: "Lock the simulated SIM with this PIN.")
    var pin: String?

    @Option(
        name: .customLong("inject"),
        help: ArgumentHelp("An SMS PDU (hex, with SMSC) to store at start; repeatable.", valueName: "hex"))
    var inject: [String] = []

    @Option(help: "Stop after this many seconds (default: run until interrupted).")
    var seconds: Double?

    func validate() throws {
        if let seconds, !(seconds.isFinite && seconds > 0 && seconds <= 31_536_000) {
            throw ValidationError("--seconds takes a number of seconds from 0 to 31536000 (a year)")
        }
        guard ModemProfile.named(profile) != nil else {
            throw ValidationError(
                "Unknown profile \(profile); choose one of \(ModemProfile.all.map(\.name).joined(separator: ", ")).")
        }
        for hex in inject {
            do { _ = try SMSPDU.decode(hex: hex) } catch {
                throw ValidationError("--inject \(hex.prefix(16))…: \(error)")
            }
        }
    }

    func run() throws {
        var chosen = ModemProfile.named(profile)!
        if let pin { chosen = chosen.locked(pin: pin) }
        let modem = try SimulatedModem(profile: chosen)
        for hex in inject { _ = modem.store(try SMSPDU.decode(hex: hex)) }
        modem.start()
        FileHandle.standardOutput.write(Data((modem.devicePath + "\n").utf8))
        printError("mmsctl: simulated \(chosen.manufacturer) \(chosen.model) on \(modem.devicePath); Ctrl-C stops it")
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let stopSource = DispatchSemaphore(value: 0)
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { stopSource.signal() }
            source.resume()
            return source
        }
        if let seconds {
            _ = stopSource.wait(timeout: .now() + seconds)
        } else {
            stopSource.wait()
        }
        sources.forEach { $0.cancel() }
        modem.stop()
    }
}
