import TestSupport
import Testing

@testable import PDU

/// Randomly built PDUs of every message type survive encode → decode unchanged.
@Suite struct MMSPropertyTests {
    struct Maker {
        var rng: SeededGenerator

        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }

        /// Text octets: no 0x00, not starting with a Quote (0x7F) or a control octet.
        mutating func textOctets(maxLength: Int = 24, ascii: Bool = false) -> [UInt8] {
            let count = int(0...maxLength)
            var out: [UInt8] = []
            for index in 0..<count {
                var octet = UInt8(int(ascii ? 0x20...0x7E : 0x20...0xFF))
                if index == 0, octet == 0x7F || octet == 0x22 { octet = 0x41 }
                out.append(octet)
            }
            return out
        }

        mutating func token() -> String {
            let letters = Array("abcdefghijklmnopqrstuvwxyz-XYZ")
            return String((0..<int(1...12)).map { _ in letters[int(0...letters.count - 1)] }).capitalized
        }

        mutating func encodedString() -> EncodedString {
            switch int(0...3) {
            case 0: return EncodedString(charset: nil, octets: textOctets())
            case 1: return EncodedString("Grüße \(int(0...999)) ☃")
            case 2:
                let text = String((0..<int(1...8)).map { _ in Character(Unicode.Scalar(UInt32(int(0x41...0x24F)))!) })
                return EncodedString(charset: .ucs2, octets: Charset.ucs2.encode(text)!)
            default:
                return EncodedString(
                    charset: Charset(mib: [4, 17, 2026, 2084][int(0...3)]), octets: textOctets(ascii: true))
            }
        }

        mutating func value(for field: MMSField) -> MMSHeaderValue {
            switch field.kind {
            case .octet: return .octet(UInt8(int(0x80...0xFF)))
            case .version: return .octet(MMSVersion(major: 1, minor: UInt8(int(0...3))).octet)
            case .messageClass: return chance(70) ? .octet(UInt8(int(0x80...0x83))) : .text(Array(token().utf8))
            case .text: return .text(textOctets())
            case .encodedString, .address: return .encodedString(encodedString())
            case .longInteger: return .integer(UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64(int(0...63)))
            case .integer: return .integer(UInt64(int(0...100_000)))
            case .time:
                let seconds = UInt64(int(0...2_000_000_000))
                return .time(chance(50) ? .absolute(seconds) : .relative(seconds))
            case .from: return .from(chance(30) ? nil : encodedString())
            case .contentType: return .contentType(contentType(multipart: false))
            case .raw:
                var writer = WSPWriter()
                if chance(50) {
                    writer.writeShortInteger(UInt8(int(0...127)))
                } else {
                    let payload = (0..<int(0...40)).map { _ in UInt8(int(0...255)) }
                    writer.writeValueLength(payload.count)
                    writer.append(contentsOf: payload)
                }
                return .raw(writer.bytes)
            }
        }

        mutating func contentType(multipart: Bool) -> ContentType {
            let media: ContentType.Media
            if multipart {
                media = .wellKnown([0x23, 0x33, 0x0C][int(0...2)])
            } else if chance(60) {
                media = .wellKnown([0x03, 0x1E, 0x1D, 0x20, 0x3E, 0x4F][int(0...5)])
            } else {
                media = .text(["application/smil", "audio/amr", "video/3gpp", "image/heic"][int(0...3)])
            }
            var params: [ContentType.Parameter] = []
            for _ in 0..<int(0...3) {
                switch int(0...4) {
                case 0:
                    params.append(
                        .init(name: .wellKnown(0x01), value: .integer(UInt64([3, 4, 106, 1000, 2026][int(0...4)]))))
                case 1: params.append(.init(name: .wellKnown(0x05), value: .text(token() + ".jpg")))
                case 2: params.append(.init(name: .wellKnown(0x0A), value: .text("<\(token())>")))
                case 3: params.append(.init(name: .text(token().lowercased()), value: .text(token())))
                default: params.append(.init(name: .text(token().lowercased()), value: .integer(UInt64(int(0...5000)))))
                }
            }
            return ContentType(media: media, parameters: params)
        }

        mutating func part(depth: Int) -> MMSPart {
            if depth < 3, chance(15) {
                var writer = WSPWriter()
                Multipart.encode((0..<int(1...3)).map { _ in part(depth: depth + 1) }, into: &writer)
                return MMSPart(contentType: contentType(multipart: true), headers: [], data: writer.bytes[...])
            }
            var headers: [MMSPart.Header] = []
            if chance(70) { headers.append(.init(name: .wellKnown(0x40), value: .text(Array("<\(token())>".utf8)))) }
            if chance(70) {
                headers.append(.init(name: .wellKnown(0x0E), value: .text(Array((token() + ".txt").utf8))))
            }
            if chance(20) { headers.append(.init(name: .text("X-" + token()), value: .text(textOctets()))) }
            if chance(20) { headers.append(.init(name: .wellKnown(0x45), value: .raw([0x02, 0x81, 0x00]))) }
            let data = (0..<int(0...300)).map { _ in UInt8(int(0...255)) }
            return MMSPart(contentType: contentType(multipart: false), headers: headers, data: data[...])
        }

        mutating func pdu(type: MMSMessageType) -> MMSPDU {
            var headers: [MMSHeader] = []
            let fields = (1...0x3F).map { MMSField(code: UInt8($0)) }.filter {
                ![.contentType, .messageType, .mmsVersion, .transactionID].contains($0)
            }
            for _ in 0..<int(0...14) {
                if chance(10) {
                    headers.append(.application(name: "X-" + token(), value: textOctets()))
                } else {
                    let field = fields[int(0...fields.count - 1)]
                    headers.append(.field(field, value(for: field)))
                }
            }
            var body: MMSBody?
            if type.hasBody || chance(10) {
                if chance(85) {
                    let type = contentType(multipart: true)
                    headers.append(.field(.contentType, .contentType(type)))
                    body = .multipart((0..<int(0...5)).map { _ in part(depth: 1) })
                } else {
                    headers.append(.field(.contentType, .contentType(ContentType("text/plain"))))
                    body = .single(Array("plain body \(int(0...9))".utf8)[...])
                }
            }
            return MMSPDU(
                type: type, transactionID: chance(85) ? token() : nil,
                version: MMSVersion(major: 1, minor: UInt8(int(0...3))), headers: headers, body: body)
        }
    }

    @Test(arguments: MMSMessageType.all)
    func randomPDUsOfEveryTypeRoundTrip(type: MMSMessageType) throws {
        var maker = Maker(rng: SeededGenerator(seed: UInt64(type.rawValue) * 7919))
        for _ in 0..<150 {
            let pdu = maker.pdu(type: type)
            let wire = pdu.encode()
            let decoded = try MMSPDU.decode(wire)
            #expect(decoded == pdu.inSpecOrder(), "seeded case for \(type): \(hexString(wire.prefix(80)))")
            for (original, part) in zip(pdu.parts, decoded.parts) {
                #expect(try part.subparts() == original.subparts())
            }
        }
    }

    @Test func encodeKeepsTypeTransactionAndVersionFirstAndContentTypeLast() throws {
        let pdu = MMSPDU(
            headers: [
                .field(.subject, .encodedString(EncodedString("x"))),
                .field(.contentType, .contentType(ContentType("text/plain"))),
                .field(.mmsVersion, .octet(0x92)),
                .field(.transactionID, .text(Array("t".utf8))),
                .field(.messageType, .octet(0x84)),
            ], body: .single([0x41][...]))
        let wire = pdu.encode()
        #expect(wire == bytes("8C 84 98 74 00 8D 92 96 78 00 84 83 41"))
    }
}
