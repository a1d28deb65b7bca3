/// TP-SCTS, TP-DT and the absolute TP-VP (TS 23.040 §9.2.3.11): local time and its offset from UTC.
public struct SMSTimestamp: Hashable, Sendable, CustomStringConvertible {
    public var year: Int  // 1970–2069: YY 70–99 → 19YY, else 20YY
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// Offset from UTC in quarter hours (−79…79).
    public var quarterHours: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, quarterHours: Int) {
        (self.year, self.month, self.day) = (year, month, day)
        (self.hour, self.minute, self.second, self.quarterHours) = (hour, minute, second, quarterHours)
    }

    /// Seconds since 1970-01-01 UTC.
    public var unixTime: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(quarterHours * 900)
    }

    /// ISO 8601 with the sender's offset, e.g. `2010-08-11T04:13:41+02:00`.
    public var description: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let offset = abs(quarterHours) * 15
        let sign = quarterHours < 0 ? "-" : "+"
        return
            "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))\(sign)\(two(offset / 60)):\(two(offset % 60))"
    }

    static func decode(from reader: inout WSPReader) throws(PDUError) -> SMSTimestamp {
        let start = reader.position
        let octets = Array(try reader.readBytes(7))
        var values: [Int] = []
        for (index, octet) in octets.prefix(6).enumerated() {
            let (tens, units) = (Int(octet & 0x0F), Int(octet >> 4))
            guard tens <= 9, units <= 9 else {
                throw reader.error(
                    .invalid("time stamp octet 0x\(hex(octet)) is not two BCD digits"), at: start + index)
            }
            values.append(tens * 10 + units)
        }
        let zone = octets[6]
        let magnitude = Int(zone & 0x07) * 10 + Int(zone >> 4)
        // Two-digit years: 70–99 are 1970–1999 (old phones' stored messages), the rest 20YY.
        let stamp = SMSTimestamp(
            year: values[0] >= 70 ? 1900 + values[0] : 2000 + values[0], month: values[1], day: values[2],
            hour: values[3],
            minute: values[4], second: values[5],
            quarterHours: zone & 0x08 != 0 ? -magnitude : magnitude)
        guard (1...12).contains(stamp.month), (1...31).contains(stamp.day), stamp.hour < 24, stamp.minute < 60,
            stamp.second < 60, (zone >> 4) <= 9
        else {
            throw reader.error(.invalid("time stamp \(hexString(octets)) is not a valid date"), at: start)
        }
        return stamp
    }

    func encode(into writer: inout WSPWriter) {
        func bcd(_ value: Int) -> UInt8 { UInt8((value % 10) << 4 | (value / 10) % 10) }
        for value in [year % 100, month, day, hour, minute, second] { writer.append(bcd(value)) }
        let magnitude = abs(quarterHours)
        writer.append(UInt8((magnitude % 10) << 4 | (magnitude / 10) & 0x07) | (quarterHours < 0 ? 0x08 : 0))
    }
}

/// TP-DCS (TS 23.038 §4): alphabet, message class, compression, message-waiting groups.
public struct DataCodingScheme: Hashable, Sendable, CustomStringConvertible {
    public enum Alphabet: String, Sendable { case gsm7 = "GSM 7-bit", eightBit = "8-bit", ucs2 = "UCS2", reserved }

    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let gsm7 = DataCodingScheme(rawValue: 0x00)
    public static let eightBit = DataCodingScheme(rawValue: 0x04)
    public static let ucs2 = DataCodingScheme(rawValue: 0x08)

    public var alphabet: Alphabet {
        switch rawValue >> 4 {
        case 0x0...0x7:
            switch (rawValue >> 2) & 0x03 {
            case 0: return .gsm7
            case 1: return .eightBit
            case 2: return .ucs2
            default: return .reserved
            }
        case 0xC, 0xD: return .gsm7
        case 0xE: return .ucs2
        case 0xF: return rawValue & 0x04 != 0 ? .eightBit : .gsm7
        default: return .reserved
        }
    }

    /// Class 0 (flash) … 3 (TE), when the DCS gives one.
    public var messageClass: Int? {
        switch rawValue >> 4 {
        case 0x0...0x7: return rawValue & 0x10 != 0 ? Int(rawValue & 0x03) : nil
        case 0xF: return Int(rawValue & 0x03)
        default: return nil
        }
    }

    /// Bit 5 of the general groups: compressed text, which this codec does not inflate.
    public var isCompressed: Bool { rawValue >> 6 == 0 || rawValue >> 6 == 1 ? rawValue & 0x20 != 0 : false }

    /// Message-waiting indication groups (1100–1110): active flag and kind (0 voicemail, 1 fax, 2 e-mail, 3 other).
    public var messageWaiting: (active: Bool, kind: Int, store: Bool)? {
        guard (0xC...0xE).contains(rawValue >> 4) else { return nil }
        return (rawValue & 0x08 != 0, Int(rawValue & 0x03), rawValue >> 4 != 0xC)
    }

    public var description: String {
        var text = "0x\(hex(rawValue)) \(alphabet.rawValue)"
        if let messageClass { text += ", class \(messageClass)" }
        if isCompressed { text += ", compressed" }
        if let mwi = messageWaiting { text += ", message waiting \(mwi.active ? "on" : "off")" }
        return text
    }
}

/// TP-VP in its three formats (TS 23.040 §9.2.3.12).
public enum ValidityPeriod: Hashable, Sendable {
    case relative(UInt8)
    case absolute(SMSTimestamp)
    case enhanced([UInt8])

    /// The relative period in seconds (§9.2.3.12.1).
    public static func seconds(relative value: UInt8) -> Int {
        let v = Int(value)
        switch v {
        case 0...143: return (v + 1) * 300
        case 144...167: return 12 * 3600 + (v - 143) * 1800
        case 168...196: return (v - 166) * 86_400
        default: return (v - 192) * 7 * 86_400
        }
    }
}

/// One information element of a user data header (TS 23.040 §9.2.3.24).
public struct InformationElement: Hashable, Sendable {
    public var identifier: UInt8
    public var data: [UInt8]
    public init(identifier: UInt8, data: [UInt8]) {
        self.identifier = identifier
        self.data = data
    }
}

/// A user data header: its elements in order, with accessors for the ones mmsctl acts on.
public struct UserDataHeader: Hashable, Sendable {
    public var elements: [InformationElement]
    public init(elements: [InformationElement]) { self.elements = elements }

    public struct Concatenation: Hashable, Sendable, Codable {
        public var reference: UInt16
        public var total: UInt8
        public var sequence: UInt8
        public var sixteenBit: Bool
    }

    /// IEI 00 (8-bit reference) or 08 (16-bit reference).
    public var concatenation: Concatenation? {
        for element in elements {
            if element.identifier == 0x00, element.data.count == 3 {
                return Concatenation(
                    reference: UInt16(element.data[0]), total: element.data[1],
                    sequence: element.data[2], sixteenBit: false)
            }
            if element.identifier == 0x08, element.data.count == 4 {
                return Concatenation(
                    reference: UInt16(element.data[0]) << 8 | UInt16(element.data[1]),
                    total: element.data[2], sequence: element.data[3], sixteenBit: true)
            }
        }
        return nil
    }

    /// IEI 05 (16-bit ports) or 04 (8-bit ports): destination and originator.
    public var ports: (destination: UInt16, originator: UInt16)? {
        for element in elements {
            if element.identifier == 0x05, element.data.count == 4 {
                return (
                    UInt16(element.data[0]) << 8 | UInt16(element.data[1]),
                    UInt16(element.data[2]) << 8 | UInt16(element.data[3])
                )
            }
            if element.identifier == 0x04, element.data.count == 2 {
                return (UInt16(element.data[0]), UInt16(element.data[1]))
            }
        }
        return nil
    }

    /// IEI 0x25 and 0x24: the national language tables the 7-bit text is written in. An identifier
    /// 23.038 does not define reads as the default table.
    public var gsm7Tables: GSM7.Tables {
        func language(_ identifier: UInt8) -> NationalLanguage? {
            elements.last { $0.identifier == identifier && $0.data.count == 1 }.flatMap {
                NationalLanguage(rawValue: $0.data[0])
            }
        }
        return GSM7.Tables(locking: language(0x25), singleShift: language(0x24))
    }

    /// Encoded length including the UDHL octet.
    public var encodedLength: Int { 1 + elements.reduce(0) { $0 + 2 + $1.data.count } }

    static func decode(from octets: ArraySlice<UInt8>) throws(PDUError) -> UserDataHeader {
        var reader = WSPReader(octets, field: "UDH")
        let length = Int(try reader.readByte())
        guard length <= reader.remaining else {
            throw reader.error(.lengthOverrun(declared: length, available: reader.remaining), at: octets.startIndex)
        }
        var inner = try reader.subReader(length: length, field: "UDH")
        var elements: [InformationElement] = []
        while !inner.isAtEnd {
            let start = inner.position
            let identifier = try inner.readByte()
            inner.field = "UDH element 0x\(hex(identifier))"
            guard !inner.isAtEnd else { throw inner.error(.truncated(needed: 1)) }
            let count = Int(try inner.readByte())
            guard count <= inner.remaining else {
                // The header's own length is sound but an element claims more than it holds (seen
                // with an SC-specific IEI 0xC0): keep what is there and stop, so the text still reads.
                elements.append(InformationElement(identifier: identifier, data: Array(inner.readRest())))
                _ = start
                break
            }
            elements.append(InformationElement(identifier: identifier, data: Array(try inner.readBytes(count))))
        }
        return UserDataHeader(elements: elements)
    }

    func encode(into writer: inout WSPWriter) {
        writer.append(UInt8(truncatingIfNeeded: encodedLength - 1))
        for element in elements {
            writer.append(element.identifier)
            writer.append(UInt8(truncatingIfNeeded: element.data.count))
            writer.append(contentsOf: element.data)
        }
    }
}
