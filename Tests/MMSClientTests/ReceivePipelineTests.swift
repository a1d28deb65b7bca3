import Foundation
import Logging
import Modem
import PDU
import Simulator
import Store
import TestSupport
import Testing
import Transport

@testable import MMSClient

/// The receive pipeline in-process, on an injected clock, against the simulated modem and MMSC.
@Suite(.serialized) struct ReceivePipelineTests {
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Double = 1_800_000_000
        var now: Double { lock.withLock { value } }
        func advance(_ seconds: Double) { lock.withLock { value += seconds } }
    }

    final class Rig: @unchecked Sendable {
        let modem: SimulatedModem
        let mmsc: SimulatedMMSC
        let folder: String
        let store: SQLiteStore
        let channel: ATChannel
        let commands: ModemCommands
        let clock = Clock()

        init() async throws {
            modem = try SimulatedModem(profile: .generic)
            modem.start()
            mmsc = SimulatedMMSC()
            try await mmsc.start(port: 0)
            folder = NSTemporaryDirectory() + "mmsctl-pipeline-\(UUID().uuidString)"
            store = try SQLiteStore(folder: folder)
            channel = try ATChannel.open(device: modem.devicePath, lockDirectory: NSTemporaryDirectory())
            commands = ModemCommands(channel: channel)
            _ = try await commands.initialize()
        }

        func pipeline(_ configure: (inout ReceiveSettings) -> Void = { _ in }) -> ReceivePipeline {
            var settings = ReceiveSettings()
            settings.mmsc = mmsc.url
            let clock = self.clock
            settings.clock = { clock.now }
            configure(&settings)
            var transport = TransportConfiguration()
            transport.retries = 0
            return ReceivePipeline(
                store: store, settings: settings, network: DirectNetwork(configuration: transport),
                logger: Logger(label: "test"))
        }

        func pass(_ pipeline: ReceivePipeline) async -> ReceiveSummary {
            var summary = ReceiveSummary()
            await pipeline.pass(modem: commands, summary: &summary)
            return summary
        }

        func close() async {
            await channel.close()
            modem.stop()
            await mmsc.stop()
            try? FileManager.default.removeItem(atPath: folder)
        }

        /// Puts a PDU on the modem as a WAP push, as the network delivers it (`reference` also sets the
        /// service-centre time stamp's seconds: a resent push is a new SMS).
        func push(_ pdu: MMSPDU, reference: UInt16 = 7) throws {
            let stamp = SMSTimestamp(
                year: 2026, month: 12, day: 1, hour: 9, minute: 0, second: Int(reference % 60), quarterHours: 0)
            for message in try WAPPush.mms(pdu).deliverPDUs(
                reference: reference, smsc: SMSAddress("+15550199999"), originator: SMSAddress("+15550100002"),
                timestamp: stamp)
            {
                _ = modem.store(message)
            }
        }

        /// Stores a message at the MMSC and returns a notification for it.
        func notification(
            id: String, size: UInt64? = nil, messageClass: UInt8 = 0x80, expiry: MMSTime = .relative(86_400),
            retrieveStatus: UInt8? = nil
        ) -> MMSPDU {
            var headers: [MMSHeader] = [
                .field(.from, .from(EncodedString("+15550100002/TYPE=PLMN"))),
                .field(.subject, .encodedString(EncodedString("S \(id)"))),
                .field(.contentType, .contentType(ContentType(media: .wellKnown(0x23)))),
            ]
            if let retrieveStatus { headers.append(.field(.retrieveStatus, .octet(retrieveStatus))) }
            let retrieve = MMSPDU(
                type: .retrieveConf, transactionID: id, version: .v1_2, headers: headers,
                body: .multipart([MMSPart(contentType: ContentType("text/plain"), data: Array("body \(id)".utf8))]))
            let location = mmsc.store(retrieve, id: id)
            return MMSPDU(
                type: .notificationInd, transactionID: "tx-\(id)", version: .v1_2,
                headers: [
                    .field(.messageClass, .octet(messageClass)),
                    .field(.messageSize, .integer(size ?? UInt64(retrieve.encode().count))),
                    .field(.expiry, .time(expiry)), .field(.contentLocation, .text(Array(location.utf8))),
                ])
        }

        var gets: Int { mmsc.requests.filter { $0.method == "GET" }.count }
        func answers(_ transaction: String) -> [MMSPDU] {
            mmsc.received.filter { $0.transactionID == transaction && $0.messageType == .notifyRespInd }
        }
    }

    @Test func anExpiredNotificationIsNotFetchedAndItsSMSIsDeleted() async throws {
        let rig = try await Rig()
        try rig.push(rig.notification(id: "old", expiry: .absolute(1_700_000_000)))
        let summary = await rig.pass(rig.pipeline())
        #expect(rig.gets == 0)
        #expect(try rig.store.notifications().first?.state == .expired)
        #expect(summary.answered.contains { $0.contains("expired") })
        #expect(rig.modem.messages(in: "ME").isEmpty)
        #expect(summary.exitCode == 0)
        await rig.close()
    }

    @Test func aMessageOverTheLimitIsAnsweredDeferredWithoutFetching() async throws {
        let rig = try await Rig()
        try rig.push(rig.notification(id: "big", size: 2_000_000))
        let summary = await rig.pass(rig.pipeline { $0.maximumSize = 300_000 })
        #expect(rig.gets == 0)
        #expect(rig.answers("tx-big").map(\.status) == [.deferred])
        #expect(try rig.store.notifications().first?.state == .deferred)
        #expect(summary.answered.first?.contains("2000000 bytes, over the 300000-byte limit") == true)
        #expect(rig.modem.messages(in: "ME").isEmpty)
        await rig.close()
    }

    @Test func aDeferredMessageIsFetchedWhenALaterRunAllowsItAndAcknowledgedWithMAcknowledgeInd() async throws {
        let rig = try await Rig()
        try rig.push(rig.notification(id: "later-big", size: 500_000))
        _ = await rig.pass(rig.pipeline { $0.maximumSize = 300_000 })
        // Another small run: the deferred one stays at the MMSC, no network is used for it.
        let requests = rig.mmsc.requests.count
        let quiet = await rig.pass(rig.pipeline { $0.maximumSize = 300_000 })
        #expect(rig.mmsc.requests.count == requests)
        #expect(quiet.pending.isEmpty)
        // The user raises the limit: it is fetched and acknowledged (ENC §6.4).
        let summary = await rig.pass(rig.pipeline { $0.maximumSize = 1_000_000 })
        #expect(summary.stored.count == 1)
        let acknowledge = rig.mmsc.received.filter { $0.messageType == .acknowledgeInd }
        #expect(acknowledge.map(\.transactionID) == ["tx-later-big"])
        #expect(try rig.store.notifications().first?.state == .done)
        await rig.close()
    }

    @Test func aRefusedClassIsAnsweredRejected() async throws {
        let rig = try await Rig()
        try rig.push(rig.notification(id: "ad", messageClass: 0x81))
        _ = await rig.pass(rig.pipeline { $0.refusedClasses = ["advertisement"] })
        #expect(rig.gets == 0)
        #expect(rig.answers("tx-ad").map(\.status) == [.rejected])
        #expect(try rig.store.messages().isEmpty)
        await rig.close()
    }

    @Test func aPermanentRetrieveErrorIsAnsweredRejectedAndNotRetried() async throws {
        let rig = try await Rig()
        try rig.push(rig.notification(id: "gone", retrieveStatus: 0xE1))
        let summary = await rig.pass(rig.pipeline())
        #expect(try rig.store.messages().isEmpty)
        #expect(try rig.store.notifications().first?.state == .rejected)
        #expect(rig.answers("tx-gone").map(\.status) == [.rejected])
        #expect(summary.exitCode == 0)
        await rig.close()
    }

    @Test func aRepeatedNotificationIsAcknowledgedAgainAndStoredOnce() async throws {
        let rig = try await Rig()
        let notification = rig.notification(id: "twice")
        try rig.push(notification, reference: 1)
        _ = await rig.pass(rig.pipeline())
        // The MMSC did not hear us and sends the same notification again.
        try rig.push(notification, reference: 2)
        _ = await rig.pass(rig.pipeline())
        #expect(try rig.store.messages().count == 1)
        #expect(rig.gets == 1)
        #expect(rig.answers("tx-twice").map(\.status) == [.retrieved, .retrieved])
        #expect(rig.modem.messages(in: "ME").isEmpty)
        await rig.close()
    }

    @Test func aFailureIsRetriedOnlyAfterItsBackoff() async throws {
        let rig = try await Rig()
        try rig.push(rig.notification(id: "later"))
        rig.mmsc.inject(.status(503))
        let pipeline = rig.pipeline { $0.retryBase = 60 }
        let first = await rig.pass(pipeline)
        #expect(first.exitCode == 75)
        let record = try #require(try rig.store.notifications().first)
        #expect(record.state == .failed)
        #expect(record.attempts == 1)
        #expect(record.nextAttemptAt == rig.clock.now + 60)
        rig.clock.advance(30)
        _ = await rig.pass(pipeline)
        #expect(rig.gets == 1)
        rig.clock.advance(31)
        let third = await rig.pass(pipeline)
        #expect(rig.gets == 2)
        #expect(third.exitCode == 0)
        #expect(try rig.store.messages().count == 1)
        await rig.close()
    }

    @Test func deliveryAndReadReportsAreStoredByMessageIDAndTheirSMSDeleted() async throws {
        let rig = try await Rig()
        let delivery = MMSPDU(
            type: .deliveryInd, transactionID: nil, version: .v1_2,
            headers: [
                .field(.messageID, .text(Array("sent-42".utf8))),
                .field(.to, .encodedString(EncodedString("+15550123456/TYPE=PLMN"))),
                .field(.date, .integer(1_800_000_100)), .field(.status, .octet(0x81)),
            ])
        let read = MMSPDU(
            type: .readOrigInd, transactionID: nil, version: .v1_2,
            headers: [
                .field(.messageID, .text(Array("sent-42".utf8))),
                .field(.from, .from(EncodedString("+15550123456/TYPE=PLMN"))),
                .field(.date, .integer(1_800_000_200)), .field(.readStatus, .octet(0x80)),
            ])
        try rig.push(delivery, reference: 3)
        try rig.push(read, reference: 4)
        let summary = await rig.pass(rig.pipeline())
        #expect(summary.reports == 2)
        let reports = try rig.store.reports(messageID: "sent-42")
        #expect(reports.map(\.kind) == [.delivery, .read])
        #expect(reports.map(\.recipient) == ["+15550123456", "+15550123456"])
        #expect(reports.map(\.status) == ["Retrieved", "Read"])
        #expect(rig.modem.messages(in: "ME").isEmpty)
        // The same report again is kept once.
        try rig.push(delivery, reference: 5)
        _ = await rig.pass(rig.pipeline())
        #expect(try rig.store.reports(messageID: "sent-42").count == 2)
        await rig.close()
    }

    @Test func theHookGetsTheMessageJSONAndAFailingHookKeepsTheMessage() async throws {
        let rig = try await Rig()
        try rig.push(rig.notification(id: "hooked"))
        let output = rig.folder + "/hook.json"
        let failing = await rig.pass(rig.pipeline { $0.hook = "cat > '\(output)'; exit 3" })
        #expect(failing.hookFailures.count == 1)
        #expect(failing.exitCode == 75)
        #expect(try rig.store.messages().count == 1)
        let json = try #require(FileManager.default.contents(atPath: output))
        let document = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(document["schema"] as? String == "mmsctl.message/1")
        #expect(document["subject"] as? String == "S hooked")
        #expect(document["from"] as? String == "+15550100002")
        // Fixed: it runs again, once, and then never.
        let fixed = await rig.pass(rig.pipeline { $0.hook = "cat > /dev/null" })
        #expect(fixed.hookFailures.isEmpty)
        #expect(try rig.store.messagesAwaitingHook().isEmpty)
        await rig.close()
    }

    @Test func anSMSThatIsNoPushIsLeftAlone() async throws {
        let rig = try await Rig()
        let text = SampleSMS.text("hello")
        let index = try #require(rig.modem.store(text))
        let summary = await rig.pass(rig.pipeline())
        #expect(summary.isQuiet)
        #expect(rig.modem.messages(in: "ME")[index]?.hex == text.hex)
        await rig.close()
    }
}

/// The store's own guarantees.
@Suite struct SQLiteStoreTests {
    @Test func theFolderIsPrivateAndTheDatabaseTooAndReopeningMigratesNothingTwice() throws {
        let folder = NSTemporaryDirectory() + "mmsctl-store-\(UUID().uuidString)/inner"
        defer { try? FileManager.default.removeItem(atPath: (folder as NSString).deletingLastPathComponent) }
        let store = try SQLiteStore(folder: folder)
        let attributes = try FileManager.default.attributesOfItem(atPath: folder)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        let database = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((database[.posixPermissions] as? Int) == 0o600)
        _ = try store.recordCarrier(NewCarrier(pduHex: "00", memory: "ME", storageIndex: 1), now: 1)
        let again = try SQLiteStore(folder: folder)
        #expect(try again.recordCarrier(NewCarrier(pduHex: "00", memory: "SM", storageIndex: 4), now: 2).id == 1)
    }

    @Test func aClaimHeldByOneOwnerIsRefusedToAnotherUntilItsLeaseRunsOut() throws {
        let folder = NSTemporaryDirectory() + "mmsctl-store-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteStore(folder: folder)
        let (record, isNew) = try store.recordNotification(
            NewNotification(transactionIDOctets: Array("t".utf8), contentLocation: "http://x/1", pdu: [0x8C]),
            carrierIDs: [], now: 100)
        #expect(isNew)
        #expect(try store.claim(notificationID: record.id, owner: "a", now: 100, seconds: 60))
        #expect(try !store.claim(notificationID: record.id, owner: "b", now: 150, seconds: 60))
        #expect(try store.claim(notificationID: record.id, owner: "b", now: 161, seconds: 60))
        #expect(try !store.takeOver(notificationID: record.id, from: "a", owner: "c", now: 162, seconds: 60))
        #expect(try store.takeOver(notificationID: record.id, from: "b", owner: "c", now: 162, seconds: 60))
        // The same notification by Content-Location is the same record.
        let (same, second) = try store.recordNotification(
            NewNotification(transactionIDOctets: Array("other".utf8), contentLocation: "http://x/1", pdu: [0x8C]),
            carrierIDs: [], now: 200)
        #expect(!second)
        #expect(same.id == record.id)
    }

    @Test func aDeadOwnerIsOnlyAProcessOfThisHostThatIsGone() {
        let host = ProcessInfo.processInfo.hostName
        #expect(!ReceiveSettings.isDead(owner: "\(host):\(getpid()):x"))
        #expect(ReceiveSettings.isDead(owner: "\(host):2147483646:x"))
        #expect(!ReceiveSettings.isDead(owner: "another-host:2147483646:x"))
        #expect(!ReceiveSettings.isDead(owner: "garbage"))
    }
}
