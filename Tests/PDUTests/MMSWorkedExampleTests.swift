import TestSupport
import Testing

@testable import PDU

/// The worked examples of protocol-reference §11, written out by hand from the ENC/WSP tables
/// (not produced by this encoder), decoded field by field and re-encoded byte for byte.
@Suite struct MMSWorkedExampleTests {
    /// §11.1: the M-Notification.ind inside ofono's wap_push_1 (the WSP push data).
    static let notification = WorkedExamples.notification

    @Test func notificationIndFieldsMatchTheWorkedExample() throws {
        let pdu = try MMSPDU.decode(Self.notification)
        #expect(pdu.messageType == .notificationInd)
        #expect(pdu.transactionID == "OgQKKB")
        #expect(pdu.version == .v1_0)
        #expect(pdu.from == .some(MMSAddress(value: "Erotik", kind: .unspecified)))
        #expect(pdu.subject == "Pin-Ups")
        #expect(pdu.messageClass == .personal)
        #expect(pdu.messageSize == 16384)
        #expect(pdu.expiry == .relative(259_200))
        #expect(pdu.contentLocation == "http://eps3.de/O/Z9IZO")
        #expect(pdu.missingMandatoryHeaders.isEmpty)
        #expect(pdu.encode() == Self.notification)
    }

    /// §11.2: minimal M-NotifyResp.ind answering §11.1.
    @Test func notifyRespIndIsExactlyTheMinimalExample() throws {
        let expected = bytes("8C 83 98 4F 67 51 4B 4B 42 00 8D 90 95 81")
        let built = MMSPDU.notifyResp(transactionID: ascii("OgQKKB"), status: .retrieved)
        #expect(built.encode() == expected)
        let decoded = try MMSPDU.decode(expected)
        #expect(decoded.messageType == .notifyRespInd)
        #expect(decoded.status == .retrieved)
        #expect(decoded == built)
    }

    @Test func reportAllowedNoIsAppendedToSuppressTheDeliveryReport() {
        let built = MMSPDU.notifyResp(transactionID: ascii("OgQKKB"), status: .retrieved, reportAllowed: false)
        #expect(built.encode() == bytes("8C 83 98 4F 67 51 4B 4B 42 00 8D 90 95 81 91 81"))
    }

    static let smil = "<smil><body><par><text src=\"text.txt\"/></par></body></smil>"

    /// §11.3: minimal M-Send.req, text/plain + SMIL in multipart.related (197 octets).
    static let sendReq: [UInt8] =
        bytes("8C 80 98 54 31 00 8D 92 89 01 81 97") + ascii("+15551234567/TYPE=PLMN") + [0]
        + bytes("96 48 69 00 84 1B B3 89") + ascii("application/smil") + bytes("00 8A") + ascii("<smil>") + [0]
        + [0x02]
        + [0x25, 0x3B] + ascii("application/smil") + [0] + bytes("C0 22") + ascii("<smil>") + [0]
        + [0x8E] + ascii("smil.smil") + [0] + ascii(smil)
        + [0x17, 0x05] + bytes("03 83 81 EA C0 22") + ascii("<text>") + [0] + [0x8E] + ascii("text.txt") + [0]
        + ascii("Hello")

    @Test func sendReqDecodesToTheDocumentedPartsAndIs197Octets() throws {
        #expect(Self.sendReq.count == 197)
        let pdu = try MMSPDU.decode(Self.sendReq)
        #expect(pdu.messageType == .sendReq)
        #expect(pdu.transactionID == "T1")
        #expect(pdu.version == .v1_2)
        #expect(pdu.from == .some(nil))
        #expect(pdu.to == [MMSAddress(value: "+15551234567", kind: .plmn)])
        #expect(pdu.subject == "Hi")
        #expect(pdu.contentType?.start == "<smil>")
        let parts = pdu.parts
        #expect(parts.count == 2)
        #expect(parts[0].contentType.mediaType == "application/smil")
        #expect(parts[0].contentID == "<smil>")
        #expect(parts[0].contentLocation == "smil.smil")
        #expect(parts[0].text == Self.smil)
        #expect(parts[1].contentType.charset == .utf8)
        #expect(parts[1].text == "Hello")
        #expect(pdu.rootPart?.contentLocation == "smil.smil")
    }

    @Test func sendRequestBuilderWritesExactlyTheDocumentedOctets() {
        let smilPart = MMSPart(
            contentType: ContentType("application/smil"), contentID: "<smil>",
            contentLocation: "smil.smil", data: ascii(Self.smil))
        let text = MMSPart(
            contentType: ContentType("text/plain", parameters: [.init(name: .wellKnown(0x01), value: .integer(106))]),
            contentID: "<text>", contentLocation: "text.txt", data: ascii("Hello"))
        let pdu = MMSPDU.sendRequest(
            transactionID: "T1", to: [MMSAddress(recipient: "+15551234567")], subject: "Hi",
            parts: [text], smil: smilPart)
        #expect(pdu.encode() == Self.sendReq)
    }

    @Test func relativeExpiryAsShortIntegerIsAcceptedAndWrittenBackAsLongInteger() throws {
        // Firefox OS reads a Short-integer Delta-seconds; Android and mmsd only a Long-integer (§6.1).
        let short = bytes("8C 82 98 41 00 8D 90 88 02 81 8A")
        let pdu = try MMSPDU.decode(short)
        #expect(pdu.expiry == .relative(10))
        #expect(pdu.encode() == bytes("8C 82 98 41 00 8D 90 88 03 81 01 0A"))
    }

    @Test func absoluteExpiryExample() throws {
        let pdu = try MMSPDU.decode(bytes("8C 82 98 41 00 8D 90 88 06 80 04 4C 27 E6 00"))
        #expect(pdu.expiry == .absolute(1_277_683_200))
        #expect(formatUnixTime(1_277_683_200) == "2010-06-28T00:00:00Z")
    }

    @Test func unknownHeadersAndApplicationHeadersSurviveARoundTrip() throws {
        // 0xC5 is not an MMS field (§12.7: skip by the first-octet rule), then an application header.
        let wire =
            bytes("8C 84 8D 92 C5 03 01 02 03") + ascii("X-Carrier") + [0] + ascii("abc") + [0]
            + bytes("85 04 4C 27 E6 00")
        let pdu = try MMSPDU.decode(wire)
        #expect(pdu.headers[2] == .field(MMSField(code: 0x45), .raw(bytes("03 01 02 03"))))
        #expect(pdu.headers[3] == .application(name: "X-Carrier", value: ascii("abc")))
        #expect(pdu.date == 1_277_683_200)
        #expect(pdu.encode() == wire)
    }

    @Test func statusCodesFoldToTheirClass() {
        #expect(MMSResponseStatus(rawValue: 0xC7).isTransient)
        #expect(MMSResponseStatus(rawValue: 0xF0).isPermanent)
        #expect(MMSResponseStatus(rawValue: 0xE2).description == "Error-permanent-message-format-corrupt")
    }

    @Test func malformedPDUsNameTheFieldAndOffset() {
        func error(_ wire: [UInt8]) -> PDUError? {
            do {
                _ = try MMSPDU.decode(wire)
                return nil
            } catch {
                return error
            }
        }
        #expect(
            error(ascii("This is not a PDU"))
                == PDUError(
                    .notThisKind("not an MMS PDU: first octet must be X-Mms-Message-Type (0x8C), found 0x54 ('T')"),
                    at: 0, field: "X-Mms-Message-Type"))
        #expect(error([0x8C]) == PDUError(.truncated(needed: 1), at: 0, field: "X-Mms-Message-Type"))
        // Transaction-Id without its terminator.
        #expect(error(bytes("8C 82 98 41 42")) == PDUError(.truncated(needed: 1), at: 5, field: "X-Mms-Transaction-Id"))
        // A control octet where a header must start.
        #expect(error(bytes("8C 82 05 41")) == PDUError(.invalid("0x05 cannot start a header"), at: 2, field: "header"))
        // Multipart declaring two entries but holding one.
        let short = bytes("8C 84 8D 92 84 A3 02 01 01 83 41")
        #expect(error(short)?.reason == .truncated(needed: 1))
        // A part whose DataLen runs past the end.
        let overrun = bytes("8C 84 8D 92 84 A3 01 01 7F 83 41")
        #expect(error(overrun) == PDUError(.lengthOverrun(declared: 127, available: 1), at: 10, field: "part 1 data"))
        // Multipart entry count beyond the limit.
        #expect(
            error(bytes("8C 84 84 A3 8F FF FF FF 7F"))?.reason
                == .tooLarge("multipart claims 4294967295 entries (limit 4096)"))
    }

    @Test func nestedMultipartBombsStopAtTheDepthLimit() throws {
        // Each level: a multipart.mixed part whose data is the next level.
        var level: [UInt8] = bytes("01 01 01 83 41")
        for _ in 0..<20 {
            var writer = WSPWriter()
            writer.writeUintvar(1)
            writer.writeUintvar(1)
            writer.writeUintvar(UInt32(level.count))
            writer.append(0xA3)
            writer.append(contentsOf: level)
            level = writer.bytes
        }
        let pdu = try MMSPDU.decode(bytes("8C 84 8D 92 84 A3") + level)
        var parts = pdu.parts
        var depth = 1
        var failure: PDUError?
        while let first = parts.first {
            do {
                guard let nested = try first.subparts(depth: depth) else { break }
                parts = nested
                depth += 1
            } catch {
                failure = error
                break
            }
        }
        #expect(failure?.reason == .tooDeep(limit: Multipart.maximumDepth))
    }
}
