import Foundation
import Testing

/// The README's first command, and the commands around the simulator, run as a user runs them.
@Suite(.serialized) struct DemoAndToolsTests {
    @Test func theDemoRunsTheWholeLoopOnTheSimulators() throws {
        let result = try MMSCtl.run(["demo"])
        #expect(result.status == 0, "\(result.stderr)")
        for step in [
            "modem initialised", "sent an M-Send.req", "reassembled: M-Notification.ind", "fetched the M-Retrieve.conf",
            "acknowledged with M-NotifyResp.ind (Retrieved)", "deleted SMS",
        ] {
            #expect(result.stdout.contains(step), "missing step: \(step)")
        }
        #expect(result.stdout.contains("\"Hello from mmsctl ✉\""))
    }

    @Test func theCodecDemoPrintsJSON() throws {
        let result = try MMSCtl.run(["demo", "--codec", "--json"])
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((document["results"] as? [Any])?.count == 3)
    }

    @Test func doctorOnTheSimulatedModemPasses() throws {
        let sim = Process()
        sim.executableURL = MMSCtl.binary
        sim.arguments = ["sim", "--seconds", "30"]
        let pipe = Pipe()
        sim.standardOutput = pipe
        sim.standardError = FileHandle.nullDevice
        try sim.run()
        defer { sim.terminate(); sim.waitUntilExit() }
        let path = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(path.hasPrefix("/dev/pts/"))
        let result = try MMSCtl.run(["doctor", "--device", path, "--mmsc", "http://mms.example/", "--json"])
        #expect(result.status == 0, "\(result.stdout)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["ok"] as? Bool == true)
        let failing = try MMSCtl.run(["doctor", "--device", "/dev/ttyUSB-none"])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("✘ device        /dev/ttyUSB-none does not exist"))
    }

    @Test func modemsSaysWhatItFoundOrWhyItCannotSee() throws {
        let result = try MMSCtl.run(["modems", "--json"])
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["modems"] is [Any])
        if !FileManager.default.fileExists(atPath: "/run/udev/data") {
            #expect((document["warning"] as? String)?.contains("--device still works") == true)
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
