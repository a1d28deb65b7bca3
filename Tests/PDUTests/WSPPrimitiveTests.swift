import TestSupport
import Testing

@testable import PDU

/// Known-good encodings from WAP-230-WSP §8.1.2/§8.4.2 as tabulated in protocol-reference §1.2–1.3.
@Suite struct WSPPrimitiveTests {
    static let uintvars: [(UInt32, String)] = [
        (0, "00"), (127, "7F"), (128, "81 00"), (300, "82 2C"), (16383, "FF 7F"), (16384, "81 80 00"),
        (0x87A5, "82 8F 25"), (0xFFFF_FFFF, "8F FF FF FF 7F"),
    ]

    @Test(arguments: uintvars)
    func uintvarDecodesAndEncodesAsTheSpecExampleShows(value: UInt32, hex: String) throws {
        var reader = WSPReader(bytes(hex))
        #expect(try reader.readUintvar() == value)
        #expect(reader.isAtEnd)
        var writer = WSPWriter()
        writer.writeUintvar(value)
        #expect(writer.bytes == bytes(hex))
    }

    @Test func longIntegerUsesTheMinimumNumberOfOctets() throws {
        for (value, hex) in [(UInt64(1), "01 01"), (16384, "02 40 00"), (259_200, "03 03 F4 80")] {
            var writer = WSPWriter()
            writer.writeLongInteger(value)
            #expect(writer.bytes == bytes(hex))
            var reader = WSPReader(bytes(hex))
            #expect(try reader.readLongInteger() == value)
        }
    }

    @Test func integerValueIsShortBelow128AndLongAbove() throws {
        var writer = WSPWriter()
        writer.writeIntegerValue(5)
        writer.writeIntegerValue(200)
        #expect(writer.bytes == bytes("85 01 C8"))
        var reader = WSPReader(writer.bytes)
        #expect(try reader.readIntegerValue() == 5)
        #expect(try reader.readIntegerValue() == 200)
    }

    @Test func valueLengthAcceptsTheLengthQuoteFormEvenForSmallValues() throws {
        var reader = WSPReader(bytes("1F 05 05 1F 81 00"))
        #expect(try reader.readValueLength() == 5)
        #expect(try reader.readValueLength() == 5)
        #expect(try reader.readValueLength() == 128)
    }

    @Test func textStringDropsTheQuoteBeforeHighOctets() throws {
        var reader = WSPReader(bytes("7F C3 A9 00 41 00"))
        #expect(Array(try reader.readTextString()) == [0xC3, 0xA9])
        #expect(Array(try reader.readTextString()) == [0x41])
    }

    /// protocol-reference §1.3: UTF-8 "été" → `08 EA 7F C3 A9 74 C3 A9 00`.
    @Test func encodedStringValueWithCharsetMatchesTheWorkedExample() throws {
        let wire = bytes("08 EA 7F C3 A9 74 C3 A9 00")
        var reader = WSPReader(wire)
        let value = try EncodedString.decode(from: &reader)
        #expect(value.charset == .utf8)
        #expect(value.text == "été")
        var writer = WSPWriter()
        EncodedString("été").encode(into: &writer)
        #expect(writer.bytes == wire)
    }

    @Test func encodedStringsInOtherCharsetsDecode() throws {
        // ISO-8859-1 (MIB 4, 0x84), UCS-2 (MIB 1000, 02 03 E8), KOI8-R (MIB 2084, 02 08 24), Big5 (2026).
        let cases: [(String, String)] = [
            ("05 84 E9 74 E9 00", "été"),
            ("08 02 03 E8 00 41 04 16 00", "AЖ"),
            ("09 02 03 F7 FE FF 00 41 00 00", "A"),
            ("06 02 08 24 EB CF 00", "Ко"),
            ("06 02 07 EA A4 A4 00", "中"),
        ]
        for (hex, text) in cases {
            var reader = WSPReader(bytes(hex))
            #expect(try EncodedString.decode(from: &reader).text == text, "\(hex)")
        }
    }

    @Test func contentTypeValueInAllThreeForms() throws {
        var reader = WSPReader(bytes("83") + ascii("application/smil") + [0] + bytes("03 83 81 EA 05 02 02 01 81 EA"))
        let plain = try ContentType.decode(from: &reader)
        #expect(plain.mediaType == "text/plain" && plain.parameters.isEmpty)
        let smil = try ContentType.decode(from: &reader)
        #expect(smil.mediaType == "application/smil")
        let general = try ContentType.decode(from: &reader)
        #expect(general.mediaType == "text/plain" && general.charset == .utf8)
        let thirdParty = try ContentType.decode(from: &reader)
        #expect(thirdParty.media == .wellKnown(0x0201) && thirdParty.charset == .utf8)
        #expect(reader.isAtEnd)
    }

    /// protocol-reference §4: the top-level Content-Type of a Send.req with SMIL, as mmsd writes it.
    @Test func multipartRelatedContentTypeWithTypeAndStart() throws {
        let wire = bytes("1B B3 89") + ascii("application/smil") + [0, 0x8A] + ascii("<smil>") + [0]
        var reader = WSPReader(wire)
        let type = try ContentType.decode(from: &reader)
        #expect(type.mediaType == "application/vnd.wap.multipart.related")
        #expect(type.type == "application/smil")
        #expect(type.start == "<smil>")
        var writer = WSPWriter()
        type.encode(into: &writer)
        #expect(writer.bytes == wire)
    }

    @Test func untypedTextualParametersAreRead() throws {
        let wire = [UInt8(0x14), 0x83] + ascii("charset") + [0] + ascii("utf-8") + [0] + ascii("x-a") + [0, 0x85]
        var reader = WSPReader(wire)
        let type = try ContentType.decode(from: &reader)
        #expect(type.charset == .utf8)
        #expect(type.parameter("x-a")?.value == .integer(5))
    }

    /// Malformed inputs, each with the exact error expected (reason and offset).
    @Test func malformedPrimitivesGiveExactErrors() {
        func failure(_ hex: String, _ read: (inout WSPReader) throws -> Void) -> PDUError? {
            var reader = WSPReader(bytes(hex), field: "test")
            do {
                try read(&reader)
                return nil
            } catch {
                return error as? PDUError
            }
        }
        #expect(
            failure("81 80 80 80 80 00") { _ = try $0.readUintvar() }?.reason
                == .invalid("uintvar longer than 5 octets"))
        #expect(failure("90 80 80 80 00") { _ = try $0.readUintvar() }?.reason == .tooLarge("uintvar exceeds 32 bits"))
        #expect(failure("81 80") { _ = try $0.readUintvar() } == PDUError(.truncated(needed: 1), at: 2, field: "test"))
        #expect(
            failure("00") { _ = try $0.readLongInteger() }?.reason
                == .invalid("Long-integer length must be 1–30, found 0"))
        #expect(
            failure("03 01 02") { _ = try $0.readLongInteger() }
                == PDUError(.truncated(needed: 1), at: 1, field: "test"))
        #expect(
            failure("09 01 00 00 00 00 00 00 00 00") { _ = try $0.readLongInteger() }?.reason
                == .tooLarge("Long-integer exceeds 64 bits"))
        #expect(
            failure("41 42") { _ = try $0.readTextString() } == PDUError(.truncated(needed: 1), at: 2, field: "test"))
        #expect(
            failure("05 01 02") { _ = try $0.readLengthPrefixed() }?.reason == .lengthOverrun(declared: 5, available: 2)
        )
        #expect(
            failure("1F 8F FF FF FF 7F") { _ = try $0.readLengthPrefixed() }?.reason
                == .lengthOverrun(declared: Int(UInt32.max), available: 0))
        #expect(
            failure("41") { _ = try $0.readValueLength() }?.reason
                == .invalid("expected a Value-length (octet ≤ 0x1F), found 0x41"))
    }
}
