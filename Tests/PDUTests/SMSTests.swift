import Foundation
import TestSupport
import Testing

@testable import PDU

/// Hand-checked SMS PDUs from the worked examples of 3GPP TS 23.040 / 23.038 and public references,
/// as collected in protocol-reference §9–§11 (each source named beside its case).
@Suite struct SMSTests {
    // MARK: GSM 7-bit (23.038 §6.1.2.1; protocol-reference §10.3)

    @Test func septetPackingMatchesTheWorkedExamples() {
        for (text, hex) in [("hellohello", "E8329BFD4697D9EC37"), ("Hi", "C834"), ("hello", "E8329BFD06")] {
            let septets = GSM7.encode(text)!
            #expect(hexString(GSM7.pack(septets)) == hex)
            #expect(GSM7.decode(GSM7.unpack(bytes(hex), count: septets.count)) == text)
        }
    }

    @Test func extensionTableCharactersCostTwoSeptetsAndRoundTrip() {
        let text = "{}[]~\\|€^\u{0C}"
        let septets = GSM7.encode(text)!
        #expect(septets.count == 20)
        #expect(GSM7.decode(septets) == text)
        #expect(GSM7.encode("`") == nil)  // no backtick in either table
    }

    @Test func unknownEscapeShowsTheBasicCharacterAndATrailingEscapeAShortSpace() {
        #expect(GSM7.decode([0x1B, 0x41]) == "A")
        #expect(GSM7.decode([0x41, 0x1B]) == "A ")
        #expect(GSM7.decode([0x1B, 0x1B]) == " ")
    }

    @Test func asciiTrapsMapToTheGSMTable() {
        #expect(GSM7.decode([0x00, 0x02, 0x11, 0x24, 0x40, 0x60, 0x09]) == "@$_¤¡¿Ç")
        #expect(GSM7.encode("ç") == [0x09])
    }

    /// §9.9: UDHL 5 → 7 header septets, fill 1; UDHL 6 → 8, fill 0; UDHL 11 → 14, fill 2.
    @Test func headerSeptetsAndFillBits() {
        #expect(GSM7.headerSeptets(forHeaderOctets: 6) == 7)
        #expect(GSM7.headerSeptets(forHeaderOctets: 7) == 8)
        #expect(GSM7.headerSeptets(forHeaderOctets: 12) == 14)
    }

    @Test(arguments: 0...24)
    func sevenBitTextSurvivesEveryHeaderLength(udhl: Int) throws {
        // A header of UDHL octets of filler elements (IEI 0x70, SIM toolkit range), then text.
        var elements: [InformationElement] = []
        var remaining = udhl
        while remaining >= 2 {
            let size = min(remaining - 2, 5)
            elements.append(InformationElement(identifier: 0x70, data: Array(repeating: 0xA5, count: size)))
            remaining -= size + 2
        }
        let header = elements.isEmpty ? nil : UserDataHeader(elements: elements)
        let text = "Fill bits @ every length £ {ok}"
        let submit = SMSSubmit(
            destination: SMSAddress("+15551234567"), userData: SMSUserData(text: text, header: header))
        let pdu = SMSPDU(tpdu: .submit(submit))
        let decoded = try SMSPDU.decode(pdu.encode())
        #expect(decoded == pdu)
        guard case .submit(let back) = decoded.tpdu else {
            Issue.record("an SMS-SUBMIT must decode as one, got \(decoded.tpdu)")
            return
        }
        #expect(back.text == text)
        #expect(back.userData.header == header)
    }

    /// python-messaging test_encoding_multipart_7bit: UDH 05 00 03 88 03 01, first text octet 9E → 'O'.
    @Test func fillBitAfterAFiveOctetHeaderIsDropped() throws {
        let ud = bytes("050003880301 9E")
        let septets = GSM7.unpack(ud, count: 8)
        #expect(GSM7.decode(septets.dropFirst(7)) == "O")
    }

    // MARK: Addresses (§9.1.2.5)

    @Test func addressExamples() throws {
        let cases: [(String, String, SMSAddress.NumberType)] = [
            ("09D0C6A7333904", "FONIC", .alphanumeric),
            ("12D0F7FBDD454FB75D693A", "www.tim.it", .alphanumeric),
            ("0B914316565811F9", "+34616585119", .international),
            ("04915788", "+7588", .international),
        ]
        for (hex, text, type) in cases {
            var reader = WSPReader(bytes(hex))
            let address = try SMSAddress.decodeTP(from: &reader)
            #expect(address.description == text)
            #expect(address.numberType == type)
            #expect(reader.isAtEnd)
            var writer = WSPWriter()
            address.encodeTP(into: &writer)
            #expect(hexString(writer.bytes) == hex)
        }
    }

    // MARK: Time stamps and validity (§9.2.3.11, §9.2.3.12)

    @Test func timeZonesAreQuarterHoursWithASignBit() throws {
        var reader = WSPReader(bytes("01901151011129 01801140311480"))
        let west = try SMSTimestamp.decode(from: &reader)
        #expect(west.description == "2010-09-11T15:10:11-03:00")
        #expect(formatUnixTime(UInt64(west.unixTime)) == "2010-09-11T18:10:11Z")
        let east = try SMSTimestamp.decode(from: &reader)
        #expect(east.description == "2010-08-11T04:13:41+02:00")
        var writer = WSPWriter()
        west.encode(into: &writer)
        east.encode(into: &writer)
        #expect(hexString(writer.bytes) == "0190115101112901801140311480")
    }

    @Test func relativeValidityPeriods() {
        #expect(ValidityPeriod.seconds(relative: 0xA7) == 86_400)
        #expect(ValidityPeriod.seconds(relative: 0xAA) == 4 * 86_400)
        #expect(ValidityPeriod.seconds(relative: 0) == 300)
        #expect(ValidityPeriod.seconds(relative: 143) == 12 * 3600)
        #expect(ValidityPeriod.seconds(relative: 255) == 63 * 7 * 86_400)
    }

    // MARK: Whole PDUs

    /// protocol-reference §9.10 (python-messaging test): STATUS-REPORT, MR 0x18, recipient 50131, delivered.
    @Test func statusReportExample() throws {
        let pdu = try SMSPDU.decode(hex: "00 06 18 05 81 0531F1 01908241650040 01908241650040 00")
        guard case .statusReport(let report) = pdu.tpdu else {
            Issue.record("not a status report")
            return
        }
        #expect(report.messageReference == 0x18)
        #expect(report.recipient.value == "50131")
        #expect(report.serviceCentreTimestamp.description == "2010-09-28T14:56:00+01:00")
        #expect(report.dischargeTime == report.serviceCentreTimestamp)
        #expect(report.status == 0 && report.delivered)
        #expect(hexString(pdu.encode()) == "0006180581" + "0531F1" + "01908241650040" + "01908241650040" + "00")
    }

    /// protocol-reference §11.1 (ofono wap_push_1): SMS-DELIVER → WAP push → M-Notification.ind.
    @Test func wapPushNotificationFromOneSMS() throws {
        let hex = """
            0791947122725014440185F039F501801140311480720605040B8423F00106246170
            706C69636174696F6E2F766E642E7761702E6D6D732D6D65737361676500AF84B486
            8C82984F67514B4B42008D9089088045726F74696B009650696E2D557073008A808E
            0240008805810303F48083687474703A2F2F657073332E64652F4F2F5A39495A4F00
            """
        let pdu = try SMSPDU.decode(hex: hex)
        #expect(pdu.smsc?.description == "+491722270541")
        #expect(pdu.tpduLength == 128)
        guard case .deliver(let deliver) = pdu.tpdu else {
            Issue.record("expected an SMS-DELIVER, got \(pdu.tpdu)")
            return
        }
        #expect(deliver.originator.value == "0" && deliver.originator.typeOfAddress == 0x85)
        #expect(deliver.protocolIdentifier == 0x39)
        #expect(deliver.dataCoding.alphabet == .eightBit && deliver.dataCoding.messageClass == 1)
        #expect(deliver.userData.header?.ports?.destination == 2948)
        #expect(deliver.userData.header?.ports?.originator == 9200)
        let push = try WAPPush.decode(deliver.userData.octets)
        #expect(push.transactionID == 1 && push.pduType == 6)
        #expect(push.contentType.mediaType == "application/vnd.wap.mms-message")
        #expect(push.applicationID == "x-wap-application:mms.ua")
        let mms = try #require(try push.mmsPDU())
        #expect(mms.contentLocation == "http://eps3.de/O/Z9IZO")
        #expect(hexString(pdu.encode()) == hex.filter(\.isHexDigit))
    }

    @Test func pushesOtherThanMMSAreReportedForWhatTheyAre() throws {
        // Connectionless push, content type application/vnd.wap.sic (0x2E), no headers, some WBXML.
        let push = try WAPPush.decode(bytes("25 06 01 AE 02 05 6A 00"))
        #expect(push.isMMS == false)
        #expect(push.contentDescription == "WAP Service Indication (SI)")
        #expect(try push.mmsPDU() == nil)
    }

    @Test func mmsPushBuiltByTheEncoderSplitsIntoConcatenatedSMSAndReassembles() throws {
        let notification = MMSPDU(
            type: .notificationInd, transactionID: String(repeating: "T", count: 60), version: .v1_2,
            headers: [
                .field(.messageClass, .octet(0x80)), .field(.messageSize, .integer(30000)),
                .field(.expiry, .time(.relative(86400))),
                .field(
                    .contentLocation, .text(Array(("http://mmsc.example/" + String(repeating: "x", count: 120)).utf8))),
            ])
        let segments = try WAPPush.mms(notification).userDataSegments(reference: 0xBEEF)
        #expect(segments.count == 2)
        var reassembler = ConcatenationReassembler()
        var result: MMSPDU?
        for (index, segment) in segments.enumerated().reversed() {
            let deliver = SMSDeliver(
                originator: SMSAddress("+15550001111"), dataCoding: .eightBit,
                serviceCentreTimestamp: SMSTimestamp(
                    year: 2026, month: 11, day: 25, hour: 12, minute: 0, second: index, quarterHours: 0),
                userData: segment)
            let wire = SMSPDU(tpdu: .deliver(deliver)).encode()
            #expect(wire.count - 1 <= 140 + 30)
            if case .complete(let message) = try reassembler.add(try SMSPDU.decode(wire), at: 0) {
                result = try WAPPush.decode(message.payload).mmsPDU()
            }
        }
        #expect(result == notification)
    }

    @Test func ucs2TextWithSurrogatePairs() throws {
        let text = "Emoji 😃 and 葉"
        let submit = SMSSubmit(destination: SMSAddress("+15551234567"), userData: SMSUserData(text: text))
        #expect(submit.dataCoding == .ucs2)
        let decoded = try SMSPDU.decode(SMSPDU(tpdu: .submit(submit)).encode())
        guard case .submit(let back) = decoded.tpdu else {
            Issue.record("an SMS-SUBMIT must decode as one, got \(decoded.tpdu)")
            return
        }
        #expect(back.text == text)
        #expect(hexString(back.userData.octets).contains("D83DDE03"))
    }

    @Test func compressedTextIsReportedNotGuessed() throws {
        // DCS 0x20: general group, compressed, GSM 7-bit.
        let pdu = try SMSPDU.decode(hex: "00 04 04 91 5788 00 20 01901151011129 04 01020304")
        guard case .deliver(let deliver) = pdu.tpdu else {
            Issue.record("expected an SMS-DELIVER, got \(pdu.tpdu)")
            return
        }
        #expect(deliver.dataCoding.isCompressed)
        #expect(deliver.text == nil)
    }

    // MARK: Bad input: each gives the exact error, never a crash.

    @Test func malformedSMSGivesExactErrors() {
        func error(_ hex: String, smsc: Bool = true) -> PDUError? {
            do {
                _ = try SMSPDU.decode(hex: hex, smscField: smsc)
                return nil
            } catch {
                return error
            }
        }
        #expect(error("0791")?.field == "SMSC address")
        #expect(error("07914") == PDUError(.invalid("odd number of hex digits"), at: 5, field: "hex input"))
        #expect(
            error("07914G")
                == PDUError(.invalid("'G' (U+47) at character 6 is not a hex digit"), at: 5, field: "hex input"))
        #expect(
            error("00 03 00")
                == PDUError(.invalid("TP-MTI 3 is reserved: not an SMS TPDU"), at: 1, field: "first octet"))
        #expect(error("00 04 16 91 5788")?.reason == .invalid("address length 22 semi-octets exceeds 20"))
        #expect(error("00 04 04 11 5788")?.reason == .invalid("type-of-address 0x11 lacks bit 7"))
        // UDL of 10 septets with 2 octets of data.
        #expect(
            error("00 04 04 91 5788 00 00 01901151011129 0A C834")
                == PDUError(.lengthOverrun(declared: 10, available: 2), at: 15, field: "TP-UDL"))
        // 8-bit: UDL 5 with 3 octets.
        #expect(
            error("00 04 04 91 5788 00 04 01901151011129 05 010203")?.reason
                == .lengthOverrun(declared: 5, available: 3))
        // UDH longer than the user data: UDHL 9 in 4 octets.
        #expect(
            error("00 44 04 91 5788 00 04 01901151011129 04 09000300")?.reason
                == .lengthOverrun(declared: 9, available: 3))
        // A month of 13.
        #expect(error("00 04 04 91 5788 00 00 01311151011129 00")?.field == "TP-SCTS")
        // A timestamp digit that is not BCD.
        #expect(
            error("00 04 04 91 5788 00 00 0A901151011129 00")?.reason
                == .invalid("time stamp octet 0x0A is not two BCD digits"))
    }

    @Test func wapPushWithATruncatedHeaderIsAnError() {
        // HeadersLen says 36 octets, 5 follow.
        #expect(throws: PDUError(.lengthOverrun(declared: 36, available: 5), at: 3, field: "WSP HeadersLen")) {
            try WAPPush.decode(bytes("01 06 24 BE AF 84 B4 86"))
        }
        #expect(throws: PDUError.self) { try WAPPush.decode(bytes("01 05 00")) }
    }

    // MARK: Reassembly

    static func part(
        _ sequence: UInt8, of total: UInt8, reference: UInt8 = 7, from sender: String = "+15551230000",
        text: String
    ) -> SMSPDU {
        let header = UserDataHeader(elements: [
            InformationElement(identifier: 0x00, data: [reference, total, sequence])
        ])
        return SMSPDU(
            tpdu: .deliver(
                SMSDeliver(
                    originator: SMSAddress(sender), dataCoding: .gsm7,
                    serviceCentreTimestamp: SMSTimestamp(
                        year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0, quarterHours: 0),
                    userData: SMSUserData(text: text, header: header))))
    }

    @Test func reassemblyHandlesOrderDuplicatesAndOtherSenders() throws {
        var reassembler = ConcatenationReassembler()
        #expect(
            try reassembler.add(Self.part(3, of: 3, text: "three"), at: 10)
                == .waiting(
                    .init(originator: "+15551230000", sixteenBit: false, reference: 7, total: 3), missing: [1, 2]))
        _ = try reassembler.add(Self.part(1, of: 3, from: "+15559999999", text: "other"), at: 11)
        _ = try reassembler.add(Self.part(1, of: 3, text: "one "), at: 12)
        if case .duplicate = try reassembler.add(Self.part(1, of: 3, text: "one "), at: 13) {
        } else {
            Issue.record("a repeated part must be reported as a duplicate")
        }
        guard case .complete(let message) = try reassembler.add(Self.part(2, of: 3, text: "two "), at: 14) else {
            Issue.record("three parts must complete the message")
            return
        }
        #expect(message.text == "one two three")
        #expect(reassembler.groups.count == 1)  // the other sender's part still waits
    }

    @Test func anEscapeSplitAcrossPartsIsJoinedBeforeConversion() throws {
        // "€" is ESC 0x65: put the ESC at the end of part 1 and 0x65 at the start of part 2.
        func raw(_ sequence: UInt8, _ septets: [UInt8]) -> SMSPDU {
            let header = UserDataHeader(elements: [InformationElement(identifier: 0x00, data: [1, 2, sequence])])
            return SMSPDU(
                tpdu: .deliver(
                    SMSDeliver(
                        originator: SMSAddress("+1555"), dataCoding: .gsm7,
                        serviceCentreTimestamp: SMSTimestamp(
                            year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0, quarterHours: 0),
                        userData: SMSUserData(header: header, body: .septets(septets)))))
        }
        var reassembler = ConcatenationReassembler()
        _ = try reassembler.add(raw(1, GSM7.encode("5 ")! + [0x1B]), at: 0)
        guard case .complete(let message) = try reassembler.add(raw(2, [0x65] + GSM7.encode(" each")!), at: 0) else {
            Issue.record("not complete")
            return
        }
        #expect(message.text == "5 € each")
    }

    @Test func stateSurvivesASaveAndRestoreAndOldGroupsExpire() throws {
        var first = ConcatenationReassembler(timeout: 3600)
        _ = try first.add(Self.part(1, of: 2, text: "Hello "), at: 1000, location: "SM:3")
        _ = try first.add(Self.part(1, of: 2, reference: 9, text: "stale"), at: 0)
        let saved = try JSONEncoder().encode(first)

        var next = try JSONDecoder().decode(ConcatenationReassembler.self, from: saved)
        let expired = next.expire(now: 3700)
        #expect(expired.map(\.key.reference) == [9])
        guard case .complete(let message) = try next.add(Self.part(2, of: 2, text: "world"), at: 2000, location: "SM:4")
        else {
            Issue.record("the restored state must complete the message")
            return
        }
        #expect(message.text == "Hello world")
        #expect(message.locations == ["SM:3", "SM:4"])
    }

    @Test func impossibleSequenceNumbersAreRefused() {
        #expect(throws: PDUError.self) {
            var r = ConcatenationReassembler(); _ = try r.add(Self.part(0, of: 2, text: "x"), at: 0)
        }
        #expect(throws: PDUError.self) {
            var r = ConcatenationReassembler(); _ = try r.add(Self.part(3, of: 2, text: "x"), at: 0)
        }
    }
}

/// Issue 11: encoders refuse what TS 23.040 cannot carry, instead of trapping or truncating.
@Suite struct SMSEncoderLimitTests {
    static let stamp = SMSTimestamp(year: 2026, month: 12, day: 1, hour: 9, minute: 0, second: 0, quarterHours: 4)

    func submit(to destination: SMSAddress, userData: SMSUserData) -> SMSPDU {
        SMSPDU(tpdu: .submit(SMSSubmit(destination: destination, userData: userData)))
    }

    @Test func overlongAddressesAreRefusedWithTheirField() throws {
        let long = submit(to: SMSAddress("+" + String(repeating: "1", count: 25)), userData: SMSUserData(text: "x"))
        #expect(throws: PDUError(.tooLarge("25 digits; at most 20"), at: 0, field: "TP-DA")) {
            try long.encodeChecked()
        }
        _ = long.encode()  // never traps
        let fine = submit(to: SMSAddress("+491701234567"), userData: SMSUserData(text: "x"))
        let checked = try fine.encodeChecked()
        #expect(checked == fine.encode())
    }

    @Test func userDataOverTheLimitIsRefusedNotTruncated() {
        let octets = SMSUserData(header: nil, body: .octets([UInt8](repeating: 0x41, count: 141)))
        let pdu = submit(to: SMSAddress("+491701234567"), userData: octets)
        #expect(throws: PDUError(.tooLarge("141 octets of user data; at most 140"), at: 0, field: "TP-UDL")) {
            try pdu.encodeChecked()
        }
        let septets = SMSUserData(text: String(repeating: "a", count: 161))
        #expect(throws: PDUError.self) {
            try submit(to: SMSAddress("+491701234567"), userData: septets).encodeChecked()
        }
        let element = InformationElement(identifier: 0x70, data: [UInt8](repeating: 0, count: 300))
        let header = SMSUserData(header: UserDataHeader(elements: [element]), body: .octets([]))
        #expect(throws: PDUError.self) {
            try submit(to: SMSAddress("+491701234567"), userData: header).encodeChecked()
        }
    }

    @Test func aPushBecomesSMSDeliversThatReassembleToIt() throws {
        let notification = MMSPDU(
            type: .notificationInd, transactionID: "t", version: .v1_2,
            headers: [.field(.contentLocation, .text(Array(String(repeating: "y", count: 300).utf8)))])
        let push = WAPPush.mms(notification)
        let messages = try push.deliverPDUs(
            reference: 9, smsc: SMSAddress("+15550199999"), originator: SMSAddress("+15550100002"),
            timestamp: Self.stamp)
        #expect(messages.count == 3)
        var reassembler = ConcatenationReassembler()
        var payload: [UInt8]?
        for message in messages.reversed() {
            guard case .deliver(let deliver) = message.tpdu else {
                Issue.record("expected SMS-DELIVERs, got \(message.tpdu)")
                return
            }
            #expect(deliver.originator.description == "+15550100002")
            #expect(deliver.userData.header?.ports?.destination == WAPPush.port)
            if case .complete(let complete) = try reassembler.add(message, at: 0) { payload = complete.payload }
        }
        #expect(try WAPPush.decode(try #require(payload)).mmsPDU() == notification)
    }

    @Test func aPushThatWouldNeedMoreThan255SMSIsRefused() throws {
        let big = MMSPDU(
            type: .notificationInd, transactionID: "t", version: .v1_2,
            headers: [.field(.contentLocation, .text(Array(String(repeating: "x", count: 40_000).utf8)))])
        #expect(throws: PDUError.self) { try WAPPush.mms(big).userDataSegments(reference: 1) }
        let small = MMSPDU(
            type: .notificationInd, transactionID: "t", version: .v1_2,
            headers: [.field(.contentLocation, .text(Array("http://a/b".utf8)))])
        #expect(try WAPPush.mms(small).userDataSegments(reference: 1).count == 1)
    }
}
