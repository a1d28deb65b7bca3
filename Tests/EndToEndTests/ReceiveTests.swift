import Foundation
import MMSClient
import PDU
import Simulator
import Store
import TestSupport
import Testing
import Transport

/// `mmsctl fetch`, `receive` and `inbox`, run as built, against the simulated modem (every vendor
/// profile) and the simulated MMSC.
@Suite(.serialized) struct ReceiveTests {
    static let profiles: [ModemProfile] = [.generic, .huawei, .simcom, .quectel]

    @Test(arguments: profiles)
    func aNotificationIsFetchedStoredAcknowledgedAndItsSMSDeletedLast(profile: ModemProfile) async throws {
        let harness = try await ReceiveHarness(profile: profile)
        defer { Task { await harness.shutdown() } }
        let text = SampleSMS.text("an unrelated text message")
        _ = try #require(harness.modem.store(text))
        let parts = ReceiveHarness.parts(text: "Grüße aus \(profile.name) ✉")
        try await harness.sendToModem(subject: "From \(profile.name)", parts: parts)
        let carriers = harness.modemSMS().values.flatMap(\.values).map(\.hex).filter { $0 != text.hex }
        #expect(!carriers.isEmpty)

        let run = try harness.fetch(["--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"schema\" : \"mmsctl.fetch/1\""))

        let store = try harness.store()
        let messages = try store.messages()
        try #require(messages.count == 1)
        let message = messages[0]
        #expect(message.subject == "From \(profile.name)")
        #expect(message.from == "+15550100002")
        #expect(message.addresses(.to) == [profile.ownNumber])
        // The MMSC was told Retrieved, with the notification's transaction id.
        let notification = try #require(try store.notifications().first)
        #expect(notification.state == .done)
        let answers = harness.notifyResponses(transactionID: notification.transactionID)
        #expect(answers.count == 1)
        #expect(answers.first?.status == .retrieved)
        // The carriers are gone; the text SMS is still there.
        for hex in carriers { #expect(!harness.modemHolds(hex: hex)) }
        #expect(harness.modemHolds(hex: text.hex))

        // Export: the parts byte for byte, and the raw PDU.
        let out = harness.folder.appendingPathComponent("export")
        let export = try MMSCtl.run(
            ["inbox", "export", "--all", "--out", out.path, "--store", harness.storeFolder, "--json"],
            environment: harness.environment)
        #expect(export.status == 0, "\(export.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("1").path)
        let image = try Data(contentsOf: out.appendingPathComponent("1/photo.png"))
        #expect(sha256(image) == sha256(Data(parts[0].data)))
        let textFile = try Data(contentsOf: out.appendingPathComponent("1/text.txt"))
        #expect(String(decoding: textFile, as: UTF8.self) == "Grüße aus \(profile.name) ✉")
        #expect(written.contains("message-1.mms"))

        // A second run finds nothing to do, stays quiet and stores nothing twice.
        let again = try harness.fetch()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.isEmpty)
        #expect(try store.messages().count == 1)
        #expect(harness.notifyResponses(transactionID: notification.transactionID).count == 1)
    }

    @Test(arguments: profiles)
    func aConcatenatedNotificationStoredOutOfOrderOnTheSIMIsReassembledAndFetched(profile: ModemProfile)
        async throws
    {
        // The notification arrived before mmsctl configured the modem and sits on the SIM, in reverse order.
        let harness = try await ReceiveHarness(profile: profile)
        defer { Task { await harness.shutdown() } }
        let subject = String(repeating: "A long subject that needs a second SMS. ", count: 3)
        let (notification, retrieve) = harness.storedMessage(subject: subject, id: "long-1")
        let sms = try harness.pushSMS(notification)
        try #require(sms.count >= 2)
        for part in sms.reversed() { _ = try #require(harness.modem.store(part, in: "SM")) }

        let run = try harness.fetch()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("stored message 1"))
        let store = try harness.store()
        let message = try #require(try store.messages().first)
        #expect(message.subject == subject)
        #expect(message.addresses(.cc) == ["+15550100077"])
        #expect(try store.messagePDU(id: message.id) == retrieve.encode())
        #expect(harness.modem.messages(in: "SM").isEmpty)
        #expect(harness.notifyResponses(transactionID: "tx-long-1").count == 1)
    }

    @Test func listSMSShowsEveryStorage() async throws {
        let harness = try await ReceiveHarness(profile: .quectel)
        defer { Task { await harness.shutdown() } }
        let (notification, _) = harness.storedMessage(subject: "On the SIM", id: "sim-1")
        for part in try harness.pushSMS(notification) { _ = harness.modem.store(part, in: "SM") }
        let run = try MMSCtl.run(
            ["modem", "list-sms", "--device", harness.devicePath], environment: harness.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains("no stored SMS"))
        #expect(run.stdout.contains("SM"))
    }

    @Test func anMMSCThatFailsIsRetriedLaterWithExit75ThenZero() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        try await harness.sendToModem(subject: "Retry me")
        harness.mmsc.inject(.status(503))
        let first = try harness.fetch()
        #expect(first.status == 75, "\(first.stderr)")
        #expect(first.stderr.contains("503"))
        #expect(try harness.store().messages().isEmpty)
        // Nothing was deleted: the notification's SMS is still on the modem.
        #expect(!harness.modemIsEmpty)

        let second = try harness.fetch(["--retry"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try harness.store().messages().count == 1)
        #expect(harness.modemIsEmpty)
    }

    @Test func aTruncatedBodyIsNeitherStoredNorAcknowledged() async throws {
        let harness = try await ReceiveHarness(profile: .simcom)
        defer { Task { await harness.shutdown() } }
        try await harness.sendToModem(subject: "Cut off")
        harness.mmsc.inject(.truncated)
        let first = try harness.fetch()
        #expect(first.status == 75, "\(first.stderr)")
        #expect(try harness.store().messages().isEmpty)
        #expect(harness.mmsc.received.filter { $0.messageType == .notifyRespInd }.isEmpty)
        #expect(!harness.modemIsEmpty)
        let second = try harness.fetch(["--retry"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try harness.store().messages().count == 1)
    }

    @Test func anAnswerThatFailsKeepsTheSMSUntilTheMMSCHasHeardIt() async throws {
        let harness = try await ReceiveHarness(profile: .huawei)
        defer { Task { await harness.shutdown() } }
        try await harness.sendToModem(subject: "Ack later")
        // The GET succeeds, the M-NotifyResp.ind POST fails.
        harness.mmsc.inject(.pass, .status(500))
        let first = try harness.fetch()
        #expect(first.status == 75, "\(first.stderr)")
        #expect(try harness.store().messages().count == 1)
        #expect(!harness.modemIsEmpty)
        let second = try harness.fetch(["--retry"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try harness.store().messages().count == 1)
        #expect(harness.modemIsEmpty)
        // Two answers reached the MMSC: the one it refused with 500, and the one it took.
        #expect(harness.mmsc.received.filter { $0.messageType == .notifyRespInd }.count == 2)
    }
}

/// SHA-256 by the system's sha256sum, independent of the code under test.
func sha256(_ data: Data) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try? process.run()
    input.fileHandleForWriting.write(data)
    try? input.fileHandleForWriting.close()
    let result = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: result, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}
