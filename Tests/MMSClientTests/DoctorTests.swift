import Foundation
import TestSupport
import Testing

@testable import MMSClient
@testable import Modem
@testable import PDU
@testable import Simulator

/// `mmsctl doctor` against the simulator: all green on a good setup; on a missing device, a held
/// port, a PIN-locked SIM, a full storage, a HiLink stick it names the problem and the fix.
@Suite(.serialized) struct DoctorTests {
    static func doctor(
        device: String?, pin: String? = nil, flags: [String: String] = ["mms.mmsc": LoopbackListener.url]
    ) -> Doctor {
        var doctor = Doctor(device: device, pin: pin) { carrier in
            Configuration.load(
                flags: flags, environment: [:], userFile: "/nonexistent", systemFile: "/nonexistent", carrier: carrier)
        }
        doctor.lockDirectory = NSTemporaryDirectory()
        return doctor
    }

    static func failures(_ checks: [DoctorCheck]) -> [DoctorCheck] { checks.filter { $0.status == .fail } }

    @Test func aGoodSetupPassesEveryCheck() async throws {
        let modem = try SimulatedModem()
        modem.start()
        defer { modem.stop() }
        let mmsc = SimulatedMMSC()
        try await mmsc.start(port: 0)
        let checks = await Self.doctor(device: modem.devicePath, flags: ["mms.mmsc": mmsc.url]).run()
        await mmsc.stop()
        #expect(Self.failures(checks).isEmpty, "\(checks)")
        #expect(
            checks.map(\.name) == [
                "device", "port lock", "modem", "SIM", "network", "signal", "SMS storage", "MMS settings", "bearer",
                "reachability",
            ])
        // The MMSC was resolved and reached, each timed.
        #expect(checks.last?.detail.contains("resolved in") == true)
        #expect(checks.last?.detail.contains("connected in") == true)
    }

    @Test func aMissingDeviceIsNamedAndTheChecksThatNeedNoModemStillRun() async {
        let checks = await Self.doctor(device: "/dev/ttyUSB-missing").run()
        #expect(
            checks.first
                == DoctorCheck(
                    name: "device", status: .fail, detail: "/dev/ttyUSB-missing does not exist",
                    fix: "run `mmsctl modems` to find the modem's AT port, then --device"))
        #expect(checks.map(\.name) == ["device", "MMS settings", "bearer", "reachability"])
    }

    @Test func aHeldPortNamesTheHolder() async throws {
        let modem = try SimulatedModem()
        modem.start()
        defer { modem.stop() }
        let holder = try SerialPort.open(modem.devicePath, lockDirectory: NSTemporaryDirectory())
        defer { holder.close() }
        let checks = await Self.doctor(device: modem.devicePath).run()
        let failure = try #require(Self.failures(checks).first)
        #expect(failure.name == "port lock")
        #expect(failure.detail.contains("process \(getpid())"))
        #expect(failure.fix != nil)
    }

    @Test func aPINLockedSIMAsksForThePINAndAcceptsIt() async throws {
        let modem = try SimulatedModem(profile: ModemProfile.generic.locked(pin: "2468"))
        modem.start()
        defer { modem.stop() }
        let locked = await Self.doctor(device: modem.devicePath).run()
        let failure = try #require(Self.failures(locked).first)
        #expect(failure.name == "SIM" && failure.detail == "the SIM needs its PIN")
        #expect(failure.fix?.contains("--pin") == true)
        let unlocked = await Self.doctor(device: modem.devicePath, pin: "2468").run()
        #expect(Self.failures(unlocked).isEmpty, "\(unlocked)")
    }

    @Test func aFullStorageBlocksNotifications() async throws {
        let modem = try SimulatedModem()
        let sms = SampleSMS.text("x", from: "+1555")
        for _ in 0..<23 { _ = modem.store(sms) }
        modem.start()
        defer { modem.stop() }
        let failure = try #require(Self.failures(await Self.doctor(device: modem.devicePath).run()).first)
        #expect(failure.name == "SMS storage")
        #expect(failure.detail.contains("full (23/23)"))
        #expect(failure.fix?.contains("AT+CMGD") == true)
    }

    @Test func missingMMSSettingsAreNamedWithTheirFix() async throws {
        let modem = try SimulatedModem()
        modem.start()
        defer { modem.stop() }
        let failure = try #require(Self.failures(await Self.doctor(device: modem.devicePath, flags: [:]).run()).first)
        #expect(failure.name == "MMS settings")
        #expect(failure.detail.hasPrefix("missing mms.mmsc"))
    }

    @Test func aHiLinkStickIsRecognisedWithAdvice() async {
        var doctor = Self.doctor(device: nil)
        doctor.discovery = {
            ModemDiscovery.Result(
                modems: [
                    DiscoveredModem(
                        usbID: "12d1:14dc", name: "Huawei E3372 HiLink", serial: nil, usbPath: "/sys/devices/usb1/1-1",
                        ports: [],
                        mode: .hilink, advice: KnownModems.stickModes["12d1:14dc"]?.1, networkInterfaces: ["usb0"])
                ], warning: nil)
        }
        let checks = await doctor.run()
        let failure = checks.first
        #expect(failure?.name == "modem mode")
        #expect(failure?.detail.contains("hilink mode and has no AT port") == true)
        #expect(failure?.fix?.contains("web UI") == true)
    }
}
