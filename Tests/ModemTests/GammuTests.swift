import Foundation
import TestSupport
import Testing

@testable import PDU
@testable import Simulator

/// A real client nobody here wrote, Gammu (`connection = at`), identifies the simulated modem and
/// reads its stored SMS. Runs where gammu is installed (CI installs it), skipped elsewhere.
let gammuPath: String? = ["/usr/bin/gammu", "/usr/local/bin/gammu"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

@Suite(.serialized, .enabled(if: gammuPath != nil, "gammu is not installed (apt-get install gammu)"))
struct GammuTests {
    static let gammu = gammuPath

    static func run(_ arguments: [String], device: String) throws -> String {
        let folder = NSTemporaryDirectory() + "mmsctl-gammu-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let rc = folder + "/gammurc"
        try "[gammu]\ndevice = \(device)\nconnection = at\n".write(toFile: rc, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gammu!)
        process.arguments = ["-c", rc] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: ["generic", "huawei", "quectel"])
    func gammuIdentifiesTheSimulatedModem(profile: String) throws {
        let chosen = try #require(ModemProfile.named(profile))
        let modem = try SimulatedModem(profile: chosen)
        modem.start()
        defer { modem.stop() }
        let output = try Self.run(["identify"], device: modem.devicePath)
        #expect(
            output.contains("Manufacturer") && output.lowercased().contains(chosen.manufacturer.lowercased()),
            "\(output)")
        #expect(output.contains(chosen.imei), "\(output)")
        #expect(output.contains(chosen.imsi), "\(output)")
    }

    @Test func gammuReadsTheStoredSMS() throws {
        let modem = try SimulatedModem()
        let pdu = SampleSMS.text("Read me, gammu")
        _ = modem.store(pdu)
        modem.start()
        defer { modem.stop() }
        let output = try Self.run(["getallsms"], device: modem.devicePath)
        #expect(output.contains("Read me, gammu"), "\(output)")
        #expect(output.contains("+15557654321"), "\(output)")
        #expect(output.contains("1 SMS parts in 1 SMS sequences"), "\(output)")
    }
}
