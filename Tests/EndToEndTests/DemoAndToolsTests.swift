import Foundation
import Simulator
import TestSupport
import Testing

/// The README's first command, and the commands around the simulator, run as a user runs them.
@Suite(.serialized) struct DemoAndToolsTests {
    @Test func theDemoRunsTheWholeLoopOnTheSimulators() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try MMSCtl.run(["demo", "--store", folder.path])
        #expect(result.status == 0, "\(result.stderr)")
        for step in [
            "modem initialised", "sent an M-Send.req", "recorded the M-Notification.ind",
            "fetched the M-Retrieve.conf and stored it as message 1", "acknowledged with M-NotifyResp.ind (Retrieved)",
            "deleted 1 SMS from the modem, last",
        ] {
            #expect(result.stdout.contains(step), "missing step: \(step)")
        }
        #expect(result.stdout.contains("\"Hello from mmsctl ✉\""))
        // The demo's message is in its store, as the inbox shows it.
        let shown = try MMSCtl.run(["inbox", "show", "1", "--store", folder.path, "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let message = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(message["schema"] as? String == "mmsctl.message/1")
        #expect(message["subject"] as? String == "Demo ☀")
        let parts = try #require(message["parts"] as? [[String: Any]])
        #expect(parts.compactMap { $0["text"] as? String }.contains("Hello from mmsctl ✉"))
    }

    @Test func theCodecDemoPrintsJSON() throws {
        let result = try MMSCtl.run(["demo", "--codec", "--json"])
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((document["results"] as? [Any])?.count == 3)
    }

    /// Runs `mmsctl sim` with `arguments` and hands `body` the tty path it prints.
    static func withSim(_ arguments: [String] = [], _ body: (String) throws -> Void) throws {
        let sim = Process()
        sim.executableURL = MMSCtl.binary
        sim.arguments = ["sim", "--seconds", "30"] + arguments
        let pipe = Pipe()
        sim.standardOutput = pipe
        sim.standardError = FileHandle.nullDevice
        try sim.run()
        defer { sim.terminate(); sim.waitUntilExit() }
        let path = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(path.hasPrefix("/dev/pts/"))
        try body(path)
    }

    @Test func doctorOnTheSimulatedModemPasses() throws {
        try Self.withSim { path in
            let result = try MMSCtl.run(["doctor", "--device", path, "--mmsc", LoopbackListener.url, "--json"])
            #expect(result.status == 0, "\(result.stdout)")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(document["ok"] as? Bool == true)
        }
        let failing = try MMSCtl.run(["doctor", "--device", "/dev/ttyUSB-none"])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("✘ device        /dev/ttyUSB-none does not exist"))
    }

    @Test func modemInfoAndListSMSReadTheSimulatedModem() throws {
        try Self.withSim(["--profile", "quectel", "--inject", SampleSMS.text("hello from the sim").hex]) { path in
            let info = try MMSCtl.run(["modem", "info", "--device", path, "--json"])
            #expect(info.status == 0, "\(info.stderr)")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            let identity = try #require(document["identity"] as? [String: Any])
            #expect(identity["manufacturer"] as? String == ModemProfile.quectel.manufacturer)
            #expect(identity["imsi"] as? String == ModemProfile.quectel.imsi)
            let list = try MMSCtl.run(["modem", "list-sms", "--device", path])
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains("unread  SMS-DELIVER  from +15557654321"), "\(list.stdout)")
            #expect(list.stdout.contains("    \"hello from the sim\""), "\(list.stdout)")
            let listed = try MMSCtl.run(["modem", "list-sms", "--device", path, "--json"])
            let sms = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
            #expect(sms["schema"] as? String == "mmsctl.sms-list/1")
            let first = try #require((sms["messages"] as? [[String: Any]])?.first)
            #expect(first["text"] as? String == "hello from the sim")
            #expect(first["sender"] as? String == "+15557654321")
            #expect(document["schema"] as? String == "mmsctl.modem-info/1")
            #expect((document["storage"] as? [[String: Any]])?.first?["role"] as? String == "read")
        }
    }

    @Test func aPINLockedSIMExitsUnavailableUntilThePINIsGiven() throws {
        try Self.withSim(["--pin", "2468"]) { path in
            let locked = try MMSCtl.run(["modem", "list-sms", "--device", path])
            #expect(locked.status == 69)
            #expect(locked.stderr.contains("SIM PIN"), "\(locked.stderr)")
            let wrong = try MMSCtl.run(["modem", "info", "--device", path, "--pin", "0000"])
            #expect(wrong.status == 69)
            let unlocked = try MMSCtl.run(["modem", "list-sms", "--device", path, "--pin", "2468"])
            #expect(unlocked.status == 0, "\(unlocked.stderr)")
            #expect(unlocked.stdout.contains("no stored SMS"))
        }
    }

    @Test func modemsSaysWhatItFoundOrWhyItCannotSee() throws {
        let result = try MMSCtl.run(["modems", "--json"])
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["schema"] as? String == "mmsctl.modems/1")
        #expect(document["modems"] is [Any])
        if !FileManager.default.fileExists(atPath: "/run/udev/data") {
            #expect((document["warnings"] as? [String])?.first?.contains("--device still works") == true)
        }
    }

    @Test func configShowsEachValueWithItsSource() throws {
        let result = try MMSCtl.run(["config", "--mmsc", "http://flag.example/", "--json"])
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let settings = try #require(document["settings"] as? [[String: Any]])
        let mmsc = try #require(settings.first { $0["key"] as? String == "mms.mmsc" })
        #expect(mmsc["value"] as? String == "http://flag.example/")
        #expect(mmsc["source"] as? String == "flag")
    }
}
