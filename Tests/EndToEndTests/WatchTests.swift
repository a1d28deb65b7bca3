import Foundation
import MMSClient
import PDU
import Simulator
import Store
import TestSupport
import Testing

/// `mmsctl receive --watch` as a service against the simulators: URC driven, through reboots,
/// unplugging, signals, and beside a cron `fetch`.
@Suite(.serialized) struct WatchTests {
    static let profiles: [ModemProfile] = [.generic, .huawei, .simcom, .quectel]

    func startWatch(_ harness: ReceiveHarness, extra: [String] = []) throws -> Background {
        try Background(
            harness.receiveArguments(["receive", "--watch", "--scan-interval", "3600", "-v"]) + extra,
            environment: harness.environment)
    }

    /// Waits until the watch has set the modem's indications (it is then listening).
    func waitUntilListening(_ harness: ReceiveHarness, watch: Background, after count: Int = 0) throws {
        let listening = harness.wait(seconds: 15) {
            harness.modem.commands.filter { $0.uppercased().hasPrefix("AT+CNMI=") }.count > count
        }
        try #require(listening, "the watch never set +CNMI: \(watch.stderr)")
    }

    @Test(arguments: profiles)
    func aNotificationAnnouncedByCMTIIsHandledAndSIGTERMStopsTheWatchWithinASecond(profile: ModemProfile)
        async throws
    {
        let harness = try await ReceiveHarness(profile: profile)
        defer { Task { await harness.shutdown() } }
        let text = SampleSMS.text("keep me")
        let watch = try startWatch(harness)
        try waitUntilListening(harness, watch: watch)
        _ = harness.modem.deliver(text)
        try await harness.sendToModem(subject: "Live on \(profile.name)")
        let stored = try harness.wait(seconds: 15) { try harness.store().messages().count == 1 }
        #expect(stored, "\(watch.stderr)")
        let cleaned = harness.wait(seconds: 10) { harness.modemSMS().values.reduce(0) { $0 + $1.count } == 1 }
        #expect(cleaned, "\(watch.stderr)")
        #expect(harness.modemHolds(hex: text.hex))
        #expect(harness.mmsc.received.filter { $0.messageType == .notifyRespInd }.count == 1)
        let took = try #require(watch.stop(signal: SIGTERM), "the watch did not stop")
        #expect(took < 1.0)
        #expect(watch.process.terminationStatus == 0)
        #expect(try harness.store().messages().first?.subject == "Live on \(profile.name)")
    }

    @Test(arguments: profiles)
    func aNotificationRoutedByCMTIsRecordedAcknowledgedWithCNMAAndFetched(profile: ModemProfile) async throws {
        let harness = try await ReceiveHarness(profile: profile)
        defer { Task { await harness.shutdown() } }
        let watch = try startWatch(harness, extra: ["--routed"])
        try waitUntilListening(harness, watch: watch)
        try await harness.sendToModem(subject: "Routed")
        let stored = try harness.wait(seconds: 15) { try harness.store().messages().count == 1 }
        #expect(stored, "\(watch.stderr)")
        #expect(harness.modem.commands.contains { $0.uppercased() == "AT+CNMA" })
        #expect(harness.modemIsEmpty)
        #expect(watch.stop() != nil)
    }

    @Test func aRebootedModemIsInitialisedAgainAndStillHeard() async throws {
        let harness = try await ReceiveHarness(profile: .quectel)
        defer { Task { await harness.shutdown() } }
        let watch = try startWatch(harness)
        try waitUntilListening(harness, watch: watch)
        harness.modem.reset()  // RDY, +QUSIM: 1, …; indications are off again
        try waitUntilListening(harness, watch: watch, after: 1)
        try await harness.sendToModem(subject: "After the reboot")
        let stored = try harness.wait(seconds: 15) { try harness.store().messages().count == 1 }
        #expect(stored, "\(watch.stderr)")
        #expect(watch.stop() != nil)
    }

    @Test func aModemUnpluggedInTheMiddleOfAFetchIsWaitedForAndTheWorkFinishes() async throws {
        let harness = try await ReceiveHarness(profile: .huawei)
        defer { Task { await harness.shutdown() } }
        let watch = try startWatch(harness)
        try waitUntilListening(harness, watch: watch)
        harness.mmsc.inject(.pass, .slowBody(delay: 1.5))
        try await harness.sendToModem(subject: "Unplugged")
        let fetching = harness.wait(seconds: 10) { harness.mmsc.requests.contains { $0.method == "GET" } }
        try #require(fetching)
        harness.modem.unplug()
        // The fetch goes on without the modem and the message is stored.
        let stored = try harness.wait(seconds: 15) { try harness.store().messages().count == 1 }
        #expect(stored, "\(watch.stderr)")
        #expect(!harness.modemIsEmpty)
        // It comes back on a new tty behind the same link; the watch reopens it and deletes the SMS.
        try await Task.sleep(nanoseconds: 500_000_000)
        try harness.modem.replug()
        try harness.relink()
        let cleaned = harness.wait(seconds: 20) { harness.modemIsEmpty }
        #expect(cleaned, "\(watch.stderr)")
        #expect(try harness.store().messages().count == 1)
        #expect(watch.stop() != nil)
    }

    @Test func aWatchAndACronFetchTogetherNeverProcessANotificationTwice() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        let watch = try startWatch(harness)
        try waitUntilListening(harness, watch: watch)
        harness.mmsc.inject(.pass, .slowBody(delay: 1.0))
        try await harness.sendToModem(subject: "Once")
        let fetching = harness.wait(seconds: 10) { harness.mmsc.requests.contains { $0.method == "GET" } }
        try #require(fetching)
        // The cron run meets the watch's port lock and its claim on the notification.
        for _ in 0..<3 {
            let cron = try harness.fetch(["--retry"])
            #expect(cron.status == 0, "\(cron.stderr)")
        }
        let cleaned = harness.wait(seconds: 15) { harness.modemIsEmpty }
        #expect(cleaned, "\(watch.stderr)")
        #expect(try harness.store().messages().count == 1)
        #expect(harness.mmsc.requests.filter { $0.method == "GET" }.count == 1)
        #expect(harness.mmsc.received.filter { $0.messageType == .notifyRespInd }.count == 1)
        #expect(watch.stop() != nil)
    }

    @Test func aBusySIMAfterBootIsWaitedOut() async throws {
        let harness = try await ReceiveHarness(profile: .simcom)
        defer { Task { await harness.shutdown() } }
        try await harness.sendToModem(subject: "SIM busy")
        harness.modem.faults.simBusy = 3
        let run = try harness.fetch()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try harness.store().messages().count == 1)
        #expect(harness.modemIsEmpty)
    }

    @Test func aNewSMSAtAReusedIndexIsNeverDeletedForTheOldOne() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        try await harness.sendToModem(subject: "First")
        // The answer fails, so the notification's SMS stays while the message is stored.
        harness.mmsc.inject(.pass, .status(500))
        #expect(try harness.fetch().status == 75)
        let before = harness.modem.messages(in: "ME")
        let index = try #require(before.keys.sorted().first)
        // Someone else deletes it, and a new text SMS lands at the same index.
        let deleted = try MMSCtl.run(
            ["modem", "at", "--device", harness.devicePath, "AT+CMGD=\(index)"], environment: harness.environment)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let text = SampleSMS.text("a new message at an old index")
        #expect(harness.modem.store(text, in: "ME") == index)
        let run = try harness.fetch(["--retry"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(harness.modemHolds(hex: text.hex))
        // And a new notification at that reused index is processed as new.
        try await harness.sendToModem(subject: "Second")
        let again = try harness.fetch()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try harness.store().messages().map(\.subject) == ["First", "Second"])
        #expect(harness.modemHolds(hex: text.hex))
    }
}
