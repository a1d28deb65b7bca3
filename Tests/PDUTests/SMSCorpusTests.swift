import Foundation
import Testing

@testable import PDU

/// The SMS PDUs of `../shared/vectors/sms/*.json`: each decodes to what its source asserts
/// (`expected`) and agrees with python-messaging's reading except where that reading is known to be
/// wrong (checked against TS 23.040 and noted below); malformed entries give an error.
@Suite(.enabled(if: Corpus.available, "../shared/vectors is not present"))
struct SMSCorpusTests {
    struct Entry: CustomTestStringConvertible, Sendable {
        var file: String
        var index: Int
        var hex: String
        var source: String
        nonisolated(unsafe) var fields: [String: Any]
        var testDescription: String { "\(file)[\(index)] \(source.suffix(60))" }

        var expected: [String: Any] { fields["expected"] as? [String: Any] ?? [:] }
        var python: [String: Any]? { fields["python_messaging"] as? [String: Any] }
        var malformed: Bool {
            fields["malformed"] as? Bool == true || expected["must_fail"] as? Bool == true
                || (fields["python_messaging_error"] as? String)?.contains("odd-length") == true
        }
        var tpduLength: Int? { fields["tpdu_length"] as? Int }
    }

    static let entries: [Entry] = {
        guard Corpus.available else { return [] }
        let folder = Corpus.root.appendingPathComponent("sms")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
            $0.hasSuffix(".json")
        }
        var out: [Entry] = []
        for name in names.sorted() {
            let list = Corpus.json("sms/\(name)") as? [[String: Any]] ?? []
            for (index, fields) in list.enumerated() {
                out.append(
                    Entry(
                        file: name, index: index, hex: fields["hex"] as? String ?? "",
                        source: fields["source"] as? String ?? "", fields: fields))
            }
        }
        return out
    }()

    /// Broken by their sender, and read leniently as documented in README ("Lenient readings"):
    /// the ZTE status report whose SMSC length is wrong decodes to a garbage recipient, as the source says.
    static let documentedLenient: Set<String> = ["python-gsmmodem-pdus.json[14]"]

    /// PDUs whose TP-UDL announces more than the transcription holds, not flagged malformed by their
    /// source: strict decoding refuses them, the lenient reading decodes what is there.
    static let shortUserData: [String: Int] = ["gammu-pdus.json[42]": 3]

    static func decode(_ entry: Entry, allowShort: Bool = false) throws -> SMSPDU {
        let bytes = try SMSHex.bytes(entry.hex)
        if let length = entry.tpduLength, bytes.count == length {
            return try SMSPDU.decode(bytes, smscField: false, allowShortUserData: allowShort)
        }
        do {
            return try SMSPDU.decode(bytes, smscField: true, allowShortUserData: allowShort)
        } catch {
            if entry.tpduLength == nil,
                let bare = try? SMSPDU.decode(bytes, smscField: false, allowShortUserData: allowShort)
            {
                return bare
            }
            throw error
        }
    }

    @Test func theVectorsAreThere() {
        #expect(Self.entries.count >= 170)
    }

    @Test(arguments: entries)
    func decodesAsItsSourceAsserts(entry: Entry) throws {
        let key = "\(entry.file)[\(entry.index)]"
        if entry.malformed && !Self.documentedLenient.contains(key) {
            #expect(throws: PDUError.self, "\(key) is malformed and must be refused") { try Self.decode(entry) }
            return
        }
        if let missing = Self.shortUserData[key] {
            #expect(throws: PDUError.self) { try Self.decode(entry) }
            let pdu = try Self.decode(entry, allowShort: true)
            #expect(pdu.tpdu.userData?.missingUnits == missing)
            return
        }
        let pdu = try Self.decode(entry)
        if Self.documentedLenient.contains(key) { return }
        let expected = entry.expected

        func address(_ value: Any?) -> String? {
            (value as? String).map { $0.hasPrefix("+") ? String($0.dropFirst()) : $0 }
        }
        func eightBitText(_ data: SMSUserData?) -> String? {
            data.map { String(String.UnicodeScalarView($0.octets.map { Unicode.Scalar($0) })) }
        }
        var text: String?
        var party: SMSAddress?
        var pid: UInt8?
        var dcs: DataCodingScheme?
        var stamp: SMSTimestamp?
        switch pdu.tpdu {
        case .deliver(let deliver):
            (text, party, pid, dcs, stamp) = (
                deliver.text ?? eightBitText(deliver.userData), deliver.originator,
                deliver.protocolIdentifier, deliver.dataCoding, deliver.serviceCentreTimestamp
            )
        case .submit(let submit):
            (text, party, pid, dcs) = (
                submit.text ?? eightBitText(submit.userData), submit.destination,
                submit.protocolIdentifier, submit.dataCoding
            )
        case .statusReport(let report):
            (party, stamp) = (report.recipient, report.serviceCentreTimestamp)
            #expect(expected["delivered"] == nil || (expected["delivered"] as? Bool) == report.delivered)
            if let discharge = expected["discharge"] as? String {
                #expect(report.dischargeTime.description == discharge)
            }
            if let reference = expected["reference"] as? Int { #expect(Int(report.messageReference) == reference) }
        }
        for key in ["text", "messageBody"] {
            if let value = expected[key] as? String, expected["emailBody"] == nil, expected["pseudoSubject"] == nil {
                #expect(text == value, "\(key)")
            }
        }
        for key in ["number", "originator", "originatingAddress", "recipient", "recipientAddress", "destination"] {
            if let value = address(expected[key]) { #expect(party?.value == value, "\(key)") }
        }
        for key in ["smsc", "serviceCenterAddress"] {
            if let value = address(expected[key]) { #expect((pdu.smsc?.value ?? "") == value, "\(key)") }
        }
        for key in ["pid", "protocol_id"] {
            if let value = expected[key] as? Int { #expect(pid.map(Int.init) == value, "\(key)") }
        }
        if let value = expected["dcs"] as? Int { #expect(dcs.map { Int($0.rawValue) } == value) }
        for key in ["timestamp", "time"] {
            if let value = expected[key] as? String {
                #expect(stamp?.description.hasPrefix(value) == true, "\(key): \(stamp?.description ?? "nil")")
            }
        }
        if let scts = expected["scts"] as? String, let stamp {
            // ofono: "02-08-26 19:37:41 tz=-4 quarter-hours"
            let short = String(stamp.description.dropFirst(2).prefix(17)).replacingOccurrences(of: "T", with: " ")
            #expect(scts == "\(short) tz=\(stamp.quarterHours >= 0 ? "+" : "")\(stamp.quarterHours) quarter-hours")
        }
        if let type = expected["type"] as? String { #expect(pdu.tpdu.kind == type) }
        if let concat = (expected["concat_8bit"] as? [String: Int]) {
            let header = pdu.tpdu.userData?.header?.concatenation
            #expect(
                header.map { [Int($0.reference), Int($0.total), Int($0.sequence)] } == [
                    concat["ref"], concat["total"], concat["seq"],
                ])
        }
        if let part = expected["part"] as? Int {
            #expect(pdu.tpdu.userData?.header?.concatenation.map { Int($0.sequence) } == part)
        }
        if let port = expected["app_port_dst"] as? Int {
            #expect(pdu.tpdu.userData?.header?.ports.map { Int($0.destination) } == port)
        }
        if let vp = expected["vp_relative"] as? Int, case .submit(let submit) = pdu.tpdu {
            #expect(submit.validityPeriod == .relative(UInt8(vp)))
        }
        if let reference = expected["mr"] as? Int, case .submit(let submit) = pdu.tpdu {
            #expect(Int(submit.messageReference) == reference)
        }
        if expected["reencode_identical"] as? Bool == true || expected["encoder_output_of"] != nil {
            #expect(hexString(pdu.encode()) == entry.hex.uppercased(), "re-encoding")
        }
        if let location = expected["DECODED_1_MMS_ADDRESS"] as? String {
            let push = try WAPPush.decode(pdu.tpdu.userData?.octets ?? [])
            let mms = try #require(try push.mmsPDU())
            #expect(mms.contentLocation == location)
            #expect(mms.from.flatMap { $0 }?.wireText == expected["DECODED_1_MMS_SENDER"] as? String)
            #expect(mms.messageSize.map(Int.init) == expected["DECODED_1_MMS_SIZE"] as? Int)
        }
        // Whatever decodes re-encodes to something that decodes to the same value.
        #expect(try SMSPDU.decode(pdu.encode(), smscField: pdu.hasSMSCField) == pdu)
    }

    /// python-messaging's reading, where it is right. Known wrong: alphanumeric originators get a stray
    /// "@" from the padding septet, BCD addresses ignore the digit count, DCS 0xC8 (message waiting,
    /// GSM 7-bit) is read as UCS2, and status reports are shown as pseudo-messages.
    @Test(arguments: entries.filter { $0.python != nil && !$0.malformed })
    func agreesWithPythonMessagingWhereItIsRight(entry: Entry) throws {
        let python = try #require(entry.python)
        let pdu = try Self.decode(entry)
        if let smsc = python["smsc"] as? String { #expect(pdu.smsc?.description == smsc) }
        // SUBMITs and status reports: python-messaging's other fields describe an SMS-DELIVER only.
        guard case .deliver(let deliver) = pdu.tpdu else { return }
        if let pid = python["pid"] as? Int { #expect(Int(deliver.protocolIdentifier) == pid) }
        if let dcs = python["dcs"] as? Int { #expect(Int(deliver.dataCoding.rawValue) == dcs) }
        if let originator = python["originator"] as? String, deliver.originator.numberType != .alphanumeric,
            deliver.originator.value.count % 2 == 0 || !originator.hasSuffix("0")
        {
            if !deliver.originator.value.contains(where: { "*#abc".contains($0) }) {
                #expect(deliver.originator.description == originator)
            }
        }
        if let originator = python["originator"] as? String, deliver.originator.numberType == .alphanumeric {
            #expect(originator == deliver.originator.value || originator == deliver.originator.value + "@")
        }
        // gammu 42.dump: DCS 0xFB is group 1111 with bit 2 clear, GSM 7-bit; python-messaging reads UCS2.
        if let text = python["text"] as? String, deliver.dataCoding.messageWaiting == nil, let ours = deliver.text,
            deliver.dataCoding.rawValue != 0xFB
        {
            #expect(ours == text)
        }
        if let stamp = python["timestamp"] as? String {
            // python-messaging gives UTC.
            #expect(formatUnixTime(UInt64(deliver.serviceCentreTimestamp.unixTime)).hasPrefix(stamp))
        }
        if let concat = python["concat"] as? [String: Int] {
            let ours = deliver.userData.header?.concatenation
            #expect(
                ours.map { [Int($0.reference), Int($0.total), Int($0.sequence)] } == [
                    concat["ref"], concat["total"], concat["seq"],
                ])
        }
    }

    /// python-messaging's two-part UK notifications reassemble to the M-Notification.ind its test asserts.
    @Test func twoPartWAPPushNotificationsReassemble() throws {
        let pushes = Self.entries.filter {
            $0.file == "python-messaging-pdus.json" && $0.source.contains("m_notification_ind")
        }
        #expect(pushes.count == 4)
        var reassembler = ConcatenationReassembler()
        var notifications: [MMSPDU] = []
        for entry in pushes.reversed() {  // out of order on purpose
            if case .complete(let message) = try reassembler.add(try Self.decode(entry), at: 0) {
                let push = try WAPPush.decode(message.payload)
                #expect(push.applicationID == "x-wap-application:mms.ua")
                notifications.append(try #require(try push.mmsPDU()))
            }
        }
        let byID = Dictionary(uniqueKeysWithValues: notifications.map { ($0.transactionID ?? "", $0) })
        let first = try #require(byID["NOK5CiKcoTMYSG4MBSwAAsKv14FUHAAAAAAAA"])
        #expect(first.version == .v1_0)
        #expect(first.from == .some(MMSAddress(value: "+447785342749", kind: .plmn)))
        #expect(first.messageClass == .personal)
        #expect(first.messageSize == 29696)
        #expect(first.expiry == .relative(72000))
        #expect(first.contentLocation == "http://promms/servlets/NOK5CiKcoTMYSG4MBSwAAsKv14FUHAAAAAAAA")
        let second = try #require(byID["NOK5A1ZdFTMYSG4O3VQAAsJv94GoNAAAAAAAA"])
        #expect(second.from == .some(MMSAddress(value: "+447717275049", kind: .plmn)))
        #expect(second.expiry == .relative(259_199))
        #expect(second.contentLocation == "http://promms/servlets/NOK5A1ZdFTMYSG4O3VQAAsJv94GoNAAAAAAAA")
    }

    @Test func everyWAPPushMMSNotificationDecodesToItsContentLocation() throws {
        var reassembler = ConcatenationReassembler()
        var found = 0
        for entry in Self.entries
        where entry.fields["kind"] as? String == "wap-push-mms" || entry.source.lowercased().contains("wap") {
            guard let pdu = try? Self.decode(entry) else { continue }
            var payload: [UInt8]?
            switch try reassembler.add(pdu, at: 0) {
            case .single(let single): payload = single.tpdu.userData?.octets
            case .complete(let message): payload = message.payload
            default: break
            }
            guard let payload, let push = try? WAPPush.decode(payload), push.isMMS else { continue }
            let mms = try #require(try push.mmsPDU())
            #expect(mms.contentLocation?.hasPrefix("http") == true, "\(entry.testDescription)")
            found += 1
        }
        #expect(found == 4)  // ofono's, gammu's, and the two reassembled UK notifications
    }
}
