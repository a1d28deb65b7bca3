import Testing

@testable import MMSClient
@testable import Modem
@testable import PDU

@Suite struct WAPPushCollectorTests {
    static let stamp = SMSTimestamp(year: 2026, month: 11, day: 25, hour: 9, minute: 0, second: 0, quarterHours: 0)

    static func stored(_ index: Int, _ userData: SMSUserData, dcs: DataCodingScheme = .eightBit) -> StoredSMS {
        let pdu = SMSPDU(
            tpdu: .deliver(
                SMSDeliver(
                    originator: SMSAddress("+15550001111"), dataCoding: dcs,
                    serviceCentreTimestamp: stamp, userData: userData)))
        return ModemCommands.stored(index: index, status: 0, length: pdu.tpduLength, hex: pdu.hex)
    }

    @Test func aTwoPartPushIsOpenedWithBothIndicesAndOtherSMSAreSkipped() throws {
        let notification = MMSPDU(
            type: .notificationInd, transactionID: String(repeating: "N", count: 80), version: .v1_2,
            headers: [
                .field(
                    .contentLocation, .text(Array(("http://mmsc.example/" + String(repeating: "m", count: 100)).utf8)))
            ])
        let segments = try WAPPush.mms(notification).userDataSegments(reference: 99)
        #expect(segments.count == 2)
        var collector = WAPPushCollector()
        let first = collector.add(
            [
                Self.stored(4, segments[1]), Self.stored(5, SMSUserData(text: "plain"), dcs: .gsm7),
                StoredSMS(
                    index: 6, status: 0, tpduLength: 3, hex: "00",
                    pdu: .failure(PDUError(.truncated(needed: 1), at: 1, field: "first octet"))),
            ],
            at: 0)
        guard case .waiting(4, let missing) = first[0] else {
            Issue.record("part 2 alone must wait, got \(first)")
            return
        }
        #expect(missing == [1])
        guard case .skipped(5, "not a WAP push (no port 2948)") = first[1], case .skipped(6, _) = first[2] else {
            Issue.record("plain and undecodable SMS must be skipped with a reason, got \(first)")
            return
        }
        // Listing again does not repeat what was seen; the missing part completes the push.
        let second = collector.add([Self.stored(4, segments[1]), Self.stored(7, segments[0])], at: 0)
        #expect(second.count == 1)
        guard case .mms(let pdu, let indices) = second.first else {
            Issue.record("the two parts must give the notification, got \(second)")
            return
        }
        #expect(pdu == notification)
        #expect(indices == [7, 4])
    }

    @Test func aNewPushAtAReusedIndexIsOpened() throws {
        func push(_ id: String) throws -> SMSUserData {
            let notification = MMSPDU(
                type: .notificationInd, transactionID: id, version: .v1_2,
                headers: [.field(.contentLocation, .text(Array("http://mmsc.example/\(id)".utf8)))])
            return try WAPPush.mms(notification).userDataSegments(reference: 1)[0]
        }
        var collector = WAPPushCollector()
        let first = collector.add([Self.stored(0, try push("one"))], at: 0)
        guard case .mms(let one, [0])? = first.first else {
            Issue.record("the first push must open, got \(first)")
            return
        }
        #expect(one.transactionID == "one")
        // Deleted (the listing no longer has it); the modem stores the next push at index 0 again.
        #expect(collector.add([], at: 0).isEmpty)
        let second = collector.add([Self.stored(0, try push("two"))], at: 0)
        guard case .mms(let two, [0])? = second.first else {
            Issue.record("a new push at a reused index must open, got \(second)")
            return
        }
        #expect(two.transactionID == "two")
        #expect(collector.seen.count == 1)
    }
}
