import Foundation
import PDU
import Testing

/// `mmsctl decode --sms` on PDUs as a user copies them from a modem.
@Suite struct DecodeSMSCommandTests {
    /// A two-part WAP push built here, listed as a modem would list it (+CMGL lines with lengths).
    static func modemLog() throws -> (String, MMSPDU) {
        let notification = MMSPDU(
            type: .notificationInd, transactionID: "TX-0001-" + String(repeating: "A", count: 40),
            version: .v1_2,
            headers: [
                .field(.from, .from(EncodedString("+15551234567/TYPE=PLMN"))),
                .field(.messageClass, .octet(0x80)), .field(.messageSize, .integer(12345)),
                .field(.expiry, .time(.relative(172_800))),
                .field(
                    .contentLocation,
                    .text(Array("http://mmsc.example.net/get?id=0123456789abcdef0123456789abcdef".utf8))),
            ])
        let segments = try WAPPush.mms(notification).userDataSegments(reference: 4660)
        var log = "AT+CMGL=4\r\n"
        for (index, segment) in segments.enumerated().reversed() {
            let pdu = SMSPDU(
                smsc: SMSAddress("+447785016005"),
                tpdu: .deliver(
                    SMSDeliver(
                        originator: SMSAddress("+15550001111"), dataCoding: .eightBit,
                        serviceCentreTimestamp: SMSTimestamp(
                            year: 2026, month: 11, day: 25, hour: 9, minute: 30, second: index, quarterHours: 4),
                        userData: segment)))
            log += "+CMGL: \(index),0,,\(pdu.tpduLength)\r\n\(pdu.hex)\r\n"
        }
        return (log + "OK\r\n", notification)
    }

    @Test func aModemLogIsReassembledDownToTheNotification() throws {
        let (log, notification) = try Self.modemLog()
        let result = try MMSCtl.run(["decode", "--sms", "--json"], stdin: Data(log.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(document["results"] as? [[String: Any]])
        #expect(results.count == 1)
        let item = results[0]
        #expect((item["sms"] as? [Any])?.count == 2)
        #expect((item["push"] as? [String: Any])?["application_id"] as? String == "x-wap-application:mms.ua")
        let mms = try #require(item["mms"] as? [String: Any])
        #expect(mms["content_location"] as? String == notification.contentLocation)
        #expect(mms["transaction_id"] as? String == notification.transactionID)
    }

    @Test func oneMissingPartIsReportedAsIncomplete() throws {
        let (log, _) = try Self.modemLog()
        let firstTwoLines = log.split(separator: "\r\n").prefix(3).joined(separator: "\n")
        let result = try MMSCtl.run(["decode", "--sms"], stdin: Data(firstTwoLines.utf8))
        #expect(result.status == 0)
        #expect(result.stdout.contains("incomplete, waiting for part(s) 1"))
    }

    @Test func badHexIsAnErrorNamingThePosition() throws {
        let result = try MMSCtl.run(["decode", "--sms", "07911326040000F0040B91134661008ZF6"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("hex input at byte 31: 'Z' (U+5A) at character 32 is not a hex digit"))
    }

    @Test func plainTextSMSIsShown() throws {
        let result = try MMSCtl.run([
            "decode", "--sms", "07911326040000F0040B911346610089F60000208062917314480CC8F71D14969741F977FD07",
        ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Text           How are you?"))
        #expect(result.stdout.contains("From           +31641600986"))
    }
}

/// National language shift tables through the command line (PDUs from NationalLanguageTests).
@Suite struct DecodeNationalLanguageCommandTests {
    @Test func aTurkishSMSShowsItsLanguageAndText() throws {
        let result = try MMSCtl.run([
            "decode", "--sms",
            "00440481214300006201102100000021062501012401018930437ED08180737AD82DAEB3419DBAB83C4F830835",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Language       locking shift Turkish, single shift Turkish"))
        #expect(result.stdout.contains("Text           Çağrı: İstanbul şubesi €5"))
    }

    @Test func aLanguageWithoutATableIsNamedInTheJSON() throws {
        let result = try MMSCtl.run([
            "decode", "--sms", "--json", "0044048121430000620110210000000A062501062401064121",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(document["results"] as? [[String: Any]])
        let sms = try #require((results.first?["sms"] as? [[String: Any]])?.first)
        let language = try #require(sms["national_language"] as? [String: Any])
        #expect(language["locking"] as? String == "Hindi")
        #expect(language["unsupported"] as? [String] == ["Hindi"])
        #expect(sms["text"] as? String == "AB")
    }
}
