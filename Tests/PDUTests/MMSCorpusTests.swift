import Foundation
import Testing

@testable import PDU

/// The real PDUs of `../shared/vectors/mms` and what their source projects assert about them
/// (`mms-expected.json`). Skipped when the shared folder is absent.
@Suite(.enabled(if: Corpus.available, "../shared/vectors is not present"))
struct MMSCorpusTests {
    static let files = Corpus.available ? Corpus.mmsFiles() : []

    @Test func theCorpusIsThere() {
        #expect(Self.files.count >= 80)
    }

    @Test(arguments: files)
    func everyFileDecodesOrIsRejectedAsProvenanceSays(file: URL) throws {
        let data = Corpus.bytes(file)
        let name = file.lastPathComponent
        if Corpus.garbage.contains(name) {
            #expect(throws: PDUError.self) { try MMSPDU.decode(data) }
            do {
                _ = try MMSPDU.decode(data)
            } catch {
                guard case .notThisKind = error.reason else {
                    Issue.record("expected notThisKind, got \(error)")
                    return
                }
                #expect(error.offset == 0)
            }
            return
        }
        let pdu = try MMSPDU.decode(data)
        #expect(pdu.messageType?.name != nil)
        if let expected = Self.expectedType(for: name) {
            #expect(pdu.messageType == expected, "\(name)")
        }
        // Multipart parts are slices of the input, not copies: their offsets point into it.
        for part in pdu.parts {
            #expect(Array(data[part.data.startIndex..<part.data.endIndex]) == Array(part.data))
        }
    }

    @Test(arguments: files.filter { !Corpus.garbage.contains($0.lastPathComponent) })
    func decodeEncodeDecodeGivesAnEqualValue(file: URL) throws {
        let pdu = try MMSPDU.decode(Corpus.bytes(file))
        let again = try MMSPDU.decode(pdu.encode())
        #expect(again == pdu.inSpecOrder())
        // And encoding is stable: the second encoding is byte-identical to the first.
        #expect(again.encode() == pdu.encode())
    }

    /// The message type named by the file (m-retrieve → retrieve-conf, …).
    static func expectedType(for name: String) -> MMSMessageType? {
        let table: [(String, MMSMessageType)] = [
            ("m-retrieve", .retrieveConf), ("m-notification", .notificationInd), ("m-notifyresp", .notifyRespInd),
            ("m-acknowledge", .acknowledgeInd), ("m-delivery", .deliveryInd), ("m-read-orig", .readOrigInd),
            ("m-read-rec", .readRecInd), ("m-send_1.req", .sendReq), ("m-send_2.req", .sendReq),
            ("m-send_1.conf", .sendConf), ("m-send_2.conf", .sendConf), ("m-send_3.conf", .sendConf),
            ("m-send.conf", .sendConf), ("notify_ind", .notificationInd), ("notifyresp_ind", .notifyRespInd),
            ("retrieve_conf", .retrieveConf), ("send_conf", .sendConf), ("send_req", .sendReq),
            ("-rc-mms", .retrieveConf), ("-sr-mms", .sendReq), ("-ni-mms", .notificationInd),
        ]
        if name == "jolla-codec-m-retrieve_7.conf" { return .retrieveConf }  // provenance: a Retrieve.conf on purpose
        return table.first { name.contains($0.0) }?.1
    }

    // MARK: mms-expected.json

    nonisolated(unsafe) static let expected: [String: [String: Any]] =
        (Corpus.json("mms-expected.json") as? [String: [String: Any]]) ?? [:]

    static let mmsdEntries = expected.filter { $0.value["fields_as_printed_by_mmsd"] != nil }.keys.sorted()
    static let partEntries = expected.filter { $0.value["parts"] != nil }.keys.sorted()

    @Test func expectationsFileIsRead() {
        #expect(Self.mmsdEntries.count >= 15)
        #expect(Self.partEntries.count >= 6)
    }

    /// mmsd's verbose dump of each PDU: type, ids, version, addresses, subject, class, size, location, date.
    @Test(arguments: mmsdEntries)
    func fieldsMatchWhatMmsdPrints(name: String) throws {
        let fields = try #require(Self.expected[name]?["fields_as_printed_by_mmsd"] as? [String: Any])
        let data = Corpus.bytes(Corpus.root.appendingPathComponent("mms/\(name)"))
        let pdu = try MMSPDU.decode(data)
        func field(_ key: String) -> String? {
            guard let value = fields[key] as? String, value != "(null)" else { return nil }
            return value
        }
        if let size = field("Overall message size"), name != "mmsd-rc-mms-1-3-con-216.mms" {
            #expect(String(data.count) == size)
        }
        let type = try #require(field("MMS message type"))
        #expect(pdu.messageType?.name == "m-" + type)
        #expect(pdu.transactionID == field("MMS transaction id"))
        #expect(pdu.version?.description == field("MMS version"))
        // mmsd prints the bare test files' numbers without their leading "+" (the octets have it).
        func withoutPlus(_ text: String?) -> String? {
            name.hasPrefix("mmsd-test-mmsutil") ? text?.replacingOccurrences(of: "+", with: "") : text
        }
        if fields["From"] != nil {
            let from = pdu.from.flatMap { $0 }?.wireText
            #expect(withoutPlus(from) == field("From"))
        }
        if fields["To"] != nil {
            let to = pdu.to.map(\.wireText).joined(separator: ",")
            #expect(withoutPlus(to.isEmpty ? nil : to) == field("To"))
        }
        if fields["Subject"] != nil { #expect(pdu.subject == field("Subject")) }
        if fields["Class"] != nil { #expect(pdu.messageClass?.description == field("Class")) }
        if fields["Priority"] != nil { #expect(pdu.priority?.description == field("Priority")) }
        if let size = field("Size") { #expect(pdu.messageSize.map(String.init) == size) }
        if fields["Location"] != nil { #expect(pdu.contentLocation == field("Location")) }
        if fields["Msg-Id"] != nil { #expect(pdu.messageID == field("Msg-Id")) }
        if let status = field("Response-Status") {
            #expect(pdu.responseStatus?.description.lowercased() == status)
        }
        if let date = field("Date") {
            #expect(pdu.date == Self.utcSeconds(mmsdLocalTime: date), "\(date)")
        }
        if let attachments = fields["attachments"] as? [[String: String]] {
            #expect(pdu.parts.count == attachments.count)
            for (part, attachment) in zip(pdu.parts, attachments) {
                #expect(String(part.data.startIndex) == attachment["Offset"])
                #expect(String(part.data.count) == attachment["Length"])
                #expect(part.contentID == attachment["Content-id"])
                #expect(Self.compact(part.contentType) == attachment["Content-type"])
            }
        }
    }

    /// mms-engine's part lists for its retrieve tests: content type, Content-ID, file name, in order.
    @Test(arguments: partEntries)
    func partsMatchMmsEngineExpectations(name: String) throws {
        let parts = try #require(Self.expected[name]?["parts"] as? [[String: String]])
        let pdu = try MMSPDU.decode(Corpus.bytes(Corpus.root.appendingPathComponent("mms/\(name)")))
        #expect(pdu.parts.count == parts.count)
        for (part, expected) in zip(pdu.parts, parts) {
            // mms-engine names a part without Content-ID by its Content-Location in brackets.
            #expect((part.contentID ?? part.contentLocation.map { "<\($0)>" }) == expected["content_id"])
            let type = part.contentType.mediaType + (part.contentType.charset.map { ";charset=\($0.name)" } ?? "")
            #expect(type == expected["content_type"], "\(name) \(part.contentID ?? "")")
        }
    }

    @Test func successThreeSubjectTruncatedMidCharacterStillDecodes() throws {
        let pdu = try MMSPDU.decode(
            Corpus.bytes(Corpus.root.appendingPathComponent("mms/jolla-retrieve-Success3-m-retrieve.conf")))
        #expect(pdu.subject == "И ещё баноч\u{FFFD}")
    }

    /// Issue 10, item 7: gammu's HelloWorld.mms labels its text parts UCS-2 and writes them
    /// little-endian with a byte-order mark (FF FE): they read as the text, not backwards.
    @Test func ucs2TextWithALittleEndianByteOrderMarkReadsForwards() throws {
        let pdu = try MMSPDU.decode(Corpus.bytes(Corpus.root.appendingPathComponent("mms/gammu-HelloWorld.mms")))
        let texts = pdu.parts.filter { $0.contentType.mediaType == "text/plain" }.compactMap(\.text)
        #expect(texts == ["Hello World!", "The end."])
    }

    /// No text part of the corpus reads with a swapped byte-order mark (U+FFFE) or as CJK noise made of
    /// ASCII read in the wrong byte order: every UTF-16 text that holds Latin letters has them in order.
    @Test(arguments: files.filter { !Corpus.garbage.contains($0.lastPathComponent) })
    func noTextPartOfTheCorpusReadsBackwards(file: URL) throws {
        let pdu = try MMSPDU.decode(Corpus.bytes(file))
        for part in pdu.parts where part.contentType.mediaType.hasPrefix("text/") {
            let text = try #require(part.text)
            #expect(!text.unicodeScalars.contains("\u{FFFE}"), "\(file.lastPathComponent)")
            // ASCII read byte-swapped lands in U+xx00 code points (0x4800 for "H").
            let swapped = text.unicodeScalars.filter { $0.value >= 0x2000 && $0.value & 0xFF == 0 }.count
            #expect(swapped < max(3, text.unicodeScalars.count / 2), "\(file.lastPathComponent): \(text.prefix(40))")
        }
    }

    @Test func koreanFromInKSC5601Decodes() throws {
        let pdu = try MMSPDU.decode(
            Corpus.bytes(Corpus.root.appendingPathComponent("mms/jolla-codec-m-retrieve_10.conf")))
        guard case .from(let from?)? = pdu.value(.from) else {
            Issue.record("no From")
            return
        }
        #expect(from.charset?.mib == 36)
        #expect(pdu.parts.count == 2)
        #expect(pdu.parts[1].text?.contains("SK 텔레콤") == true)
    }

    @Test func transferEncodedTextPartsAreDecoded() throws {
        for name in ["jolla-retrieve-Base64-m-retrieve.conf", "jolla-retrieve-QuotedPrintable-m-retrieve.conf"] {
            let pdu = try MMSPDU.decode(Corpus.bytes(Corpus.root.appendingPathComponent("mms/\(name)")))
            let text = try #require(pdu.parts.first { $0.contentType.mediaType == "text/plain" })
            #expect(text.transferEncoding != nil)
            #expect(text.text?.hasPrefix("Tämmönen") == true, "\(name): \(text.text ?? "")")
        }
    }

    @Test func headerOnlySendReqWithMultipartTypeHasNoParts() throws {
        let pdu = try MMSPDU.decode(
            Corpus.bytes(Corpus.root.appendingPathComponent("mms/mmsd-test-mmsutil-mms_m_send_req_test_1.mms")))
        #expect(pdu.messageType == .sendReq)
        #expect(pdu.parts.isEmpty)
    }

    @Test func emptyBccWithStrayNulIsTolerated() throws {
        let pdu = try MMSPDU.decode(
            Corpus.bytes(Corpus.root.appendingPathComponent("mms/jolla-retrieve-Success2-m-notification.ind")))
        #expect(pdu.messageType == .notificationInd)
        #expect(pdu.contentLocation?.hasPrefix("http://mmsc62:10021/") == true)
    }

    static func compact(_ type: ContentType) -> String {
        type.mediaType + (type.charset.map { ";charset=\($0.name)" } ?? "")
    }

    /// mmsd prints local time with an offset, sometimes without its sign or digits ("380100", "+020").
    static func utcSeconds(mmsdLocalTime text: String) -> UInt64? {
        let chars = Array(text)
        guard chars.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int { Int(String(chars[range])) ?? 0 }
        let (year, month, day) = (number(0..<4), number(5..<7), number(8..<10))
        let (hour, minute, second) = (number(11..<13), number(14..<16), number(17..<19))
        var zone = String(chars[19...]).filter(\.isNumber)
        let negative = text.dropFirst(19).hasPrefix("-")
        while zone.count < 4 { zone += "0" }
        let offset = (Int(zone.prefix(2)) ?? 0) * 3600 + (Int(zone.dropFirst(2).prefix(2)) ?? 0) * 60
        // Days from civil (Howard Hinnant).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let local = days * 86_400 + hour * 3600 + minute * 60 + second
        return UInt64(negative ? local + offset : local - offset)
    }
}
