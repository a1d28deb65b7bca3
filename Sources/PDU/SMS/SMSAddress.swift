/// A TP address (TS 23.040 §9.1.2.5) or the SMSC address that precedes the TPDU (TS 24.011 §8.2.5.1).
public struct SMSAddress: Hashable, Sendable, CustomStringConvertible {
    /// Type of number, bits 6–4 of the type-of-address octet.
    public enum NumberType: UInt8, Sendable {
        case unknown = 0, international = 1, national = 2, networkSpecific = 3, subscriber = 4
        case alphanumeric = 5, abbreviated = 6, reserved = 7
    }

    /// The type-of-address octet (bit 7 set).
    public var typeOfAddress: UInt8
    /// Digits (with `*#abc` for the nibbles A–E), or the text of an alphanumeric address.
    public var value: String

    public init(typeOfAddress: UInt8, value: String) {
        self.typeOfAddress = typeOfAddress | 0x80
        self.value = value
    }

    /// A number as a user writes it: a leading "+" makes it international (TOA 0x91), else unknown/E.164 (0x81);
    /// text that is not a number becomes an alphanumeric address (0xD0).
    public init(_ text: String) {
        if text.hasPrefix("+"), text.dropFirst().allSatisfy(\.isNumber) {
            self.init(typeOfAddress: 0x91, value: String(text.dropFirst()))
        } else if text.allSatisfy({ $0.isNumber || "*#".contains($0) }) {
            self.init(typeOfAddress: 0x81, value: text)
        } else {
            self.init(typeOfAddress: 0xD0, value: text)
        }
    }

    public var numberType: NumberType { NumberType(rawValue: (typeOfAddress >> 4) & 0x07) ?? .unknown }
    public var numberingPlan: UInt8 { typeOfAddress & 0x0F }

    /// The address as shown to people: "+" before international numbers.
    public var description: String { numberType == .international && !value.isEmpty ? "+" + value : value }

    static let nibbleDigits: [Character] = Array("0123456789*#abc")

    static func decodeDigits(_ octets: some Collection<UInt8>, count: Int) -> String {
        var out = ""
        for octet in octets {
            for nibble in [octet & 0x0F, octet >> 4] where out.count < count {
                if nibble == 0x0F { continue }
                out.append(nibbleDigits[Int(nibble)])
            }
        }
        return out
    }

    static func encodeDigits(_ digits: String) -> [UInt8] {
        var nibbles: [UInt8] = digits.map { char in
            UInt8(nibbleDigits.firstIndex(of: char) ?? 0x0F)
        }
        if nibbles.count % 2 == 1 { nibbles.append(0x0F) }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] | (nibbles[$0 + 1] << 4) }
    }

    /// TP-DA/TP-OA/TP-RA: length in semi-octets (useful digits), TOA, swapped BCD or packed 7-bit.
    static func decodeTP(from reader: inout WSPReader) throws(PDUError) -> SMSAddress {
        let start = reader.position
        let digits = Int(try reader.readByte())
        guard digits <= 20 else {
            throw reader.error(.invalid("address length \(digits) semi-octets exceeds 20"), at: start)
        }
        let toa = try reader.readByte()
        guard toa & 0x80 != 0 else {
            throw reader.error(.invalid("type-of-address 0x\(hex(toa)) lacks bit 7"), at: start + 1)
        }
        let octets = try reader.readBytes((digits + 1) / 2)
        if (toa >> 4) & 0x07 == 5 {
            let septets = GSM7.unpack(octets, count: digits * 4 / 7)
            return SMSAddress(typeOfAddress: toa, value: GSM7.decode(septets))
        }
        return SMSAddress(typeOfAddress: toa, value: decodeDigits(octets, count: digits))
    }

    func encodeTP(into writer: inout WSPWriter) {
        if numberType == .alphanumeric {
            let septets = GSM7.encode(value) ?? []
            let packed = GSM7.pack(septets)
            writer.append(UInt8(min((septets.count * 7 + 3) / 4, 255)))
            writer.append(typeOfAddress)
            writer.append(contentsOf: packed)
        } else {
            writer.append(UInt8(truncatingIfNeeded: value.count))
            writer.append(typeOfAddress)
            writer.append(contentsOf: SMSAddress.encodeDigits(value))
        }
    }

    /// The SMSC field: octet count (TOA included), TOA, BCD. `00` means none.
    static func decodeSMSC(from reader: inout WSPReader) throws(PDUError) -> SMSAddress? {
        let start = reader.position
        let length = Int(try reader.readByte())
        if length == 0 { return nil }
        guard length <= 12 else {
            throw reader.error(.invalid("SMSC address length \(length) octets exceeds 12"), at: start)
        }
        var inner = try reader.subReader(length: length)
        let toa = try inner.readByte()
        let octets = inner.readRest()
        return SMSAddress(typeOfAddress: toa, value: decodeDigits(octets, count: octets.count * 2))
    }

    static func encodeSMSC(_ address: SMSAddress?, into writer: inout WSPWriter) {
        guard let address else {
            writer.append(0)
            return
        }
        let digits = encodeDigits(address.value)
        writer.append(UInt8(truncatingIfNeeded: digits.count + 1))
        writer.append(address.typeOfAddress)
        writer.append(contentsOf: digits)
    }
}
