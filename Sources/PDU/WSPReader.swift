/// A cursor over a byte buffer that reads WSP primitives (WAP-230-WSP §8.1.2, §8.4.2).
///
/// Reading moves `position`; reading past `end` throws `PDUError.truncated`. Positions are the
/// indices of the underlying `ArraySlice`, so offsets in errors are absolute and slices returned
/// by `readBytes` share storage with the input (no copies).
public struct WSPReader: Sendable {
    public let bytes: ArraySlice<UInt8>
    public private(set) var position: Int
    public let end: Int
    /// Name of the field being read, used in errors.
    public var field: String

    public init(_ bytes: ArraySlice<UInt8>, field: String = "PDU") {
        self.bytes = bytes
        self.position = bytes.startIndex
        self.end = bytes.endIndex
        self.field = field
    }

    public init(_ bytes: [UInt8], field: String = "PDU") {
        self.init(bytes[...], field: field)
    }

    private init(bytes: ArraySlice<UInt8>, position: Int, end: Int, field: String) {
        self.bytes = bytes
        self.position = position
        self.end = end
        self.field = field
    }

    public var isAtEnd: Bool { position >= end }
    public var remaining: Int { end - position }

    func error(_ reason: PDUError.Reason, at offset: Int? = nil) -> PDUError {
        PDUError(reason, at: offset ?? position, field: field)
    }

    public func peek() throws(PDUError) -> UInt8 {
        guard position < end else { throw error(.truncated(needed: 1)) }
        return bytes[position]
    }

    public mutating func readByte() throws(PDUError) -> UInt8 {
        guard position < end else { throw error(.truncated(needed: 1)) }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func readBytes(_ count: Int) throws(PDUError) -> ArraySlice<UInt8> {
        guard count >= 0 else { throw error(.invalid("negative length")) }
        guard count <= remaining else { throw error(.truncated(needed: count - remaining)) }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    public mutating func readRest() -> ArraySlice<UInt8> {
        defer { position = end }
        return bytes[position..<end]
    }

    public mutating func skip(_ count: Int) throws(PDUError) {
        _ = try readBytes(count)
    }

    /// A reader over the next `length` octets; this reader moves past them.
    public mutating func subReader(length: Int, field: String? = nil) throws(PDUError) -> WSPReader {
        guard length <= remaining else {
            throw error(.lengthOverrun(declared: length, available: remaining))
        }
        let sub = WSPReader(bytes: bytes, position: position, end: position + length, field: field ?? self.field)
        position += length
        return sub
    }

    // MARK: Integers (§8.1.2, §8.4.2.1)

    /// Uintvar-integer: 1–5 octets, 7 bits each, at most 32 bits.
    public mutating func readUintvar() throws(PDUError) -> UInt32 {
        let start = position
        var value: UInt64 = 0
        for index in 0..<5 {
            let octet = try readByte()
            value = (value << 7) | UInt64(octet & 0x7F)
            if octet & 0x80 == 0 {
                guard value <= UInt64(UInt32.max) else {
                    throw error(.tooLarge("uintvar exceeds 32 bits"), at: start)
                }
                return UInt32(value)
            }
            if index == 4 { break }
        }
        throw error(.invalid("uintvar longer than 5 octets"), at: start)
    }

    /// Short-integer: one octet with bit 7 set.
    public mutating func readShortInteger() throws(PDUError) -> UInt8 {
        let octet = try readByte()
        guard octet & 0x80 != 0 else {
            throw error(.invalid("expected a Short-integer (octet ≥ 0x80), found 0x\(hex(octet))"), at: position - 1)
        }
        return octet & 0x7F
    }

    /// Long-integer: Short-length (1–30) then that many octets, big-endian. Values above 64 bits are refused.
    public mutating func readLongInteger() throws(PDUError) -> UInt64 {
        let start = position
        let length = Int(try readByte())
        guard length >= 1, length <= 30 else {
            throw error(.invalid("Long-integer length must be 1–30, found \(length)"), at: start)
        }
        let digits = try readBytes(length)
        var value: UInt64 = 0
        for octet in digits {
            if value > (UInt64.max >> 8) {
                throw error(.tooLarge("Long-integer exceeds 64 bits"), at: start)
            }
            value = (value << 8) | UInt64(octet)
        }
        return value
    }

    /// Integer-value: Short-integer or Long-integer.
    public mutating func readIntegerValue() throws(PDUError) -> UInt64 {
        let first = try peek()
        if first & 0x80 != 0 { return UInt64(try readShortInteger()) }
        return try readLongInteger()
    }

    /// Value-length: 0–30 directly, or Length-quote 31 followed by a uintvar.
    public mutating func readValueLength() throws(PDUError) -> Int {
        let start = position
        let first = try readByte()
        if first <= 30 { return Int(first) }
        if first == 31 { return Int(try readUintvar()) }
        throw error(.invalid("expected a Value-length (octet ≤ 0x1F), found 0x\(hex(first))"), at: start)
    }

    /// A Value-length followed by its content, as a sub-reader.
    public mutating func readLengthPrefixed(field: String? = nil) throws(PDUError) -> WSPReader {
        let length = try readValueLength()
        return try subReader(length: length, field: field)
    }

    // MARK: Text (§8.4.2.1)

    /// Text-string: an optional Quote (0x7F) then octets up to 0x00. Returns the octets without quote or terminator.
    /// A string that runs to the end of the reader without 0x00 is an error unless `lenientEnd` is set.
    public mutating func readTextString(lenientEnd: Bool = false) throws(PDUError) -> ArraySlice<UInt8> {
        let start = position
        if position < end, bytes[position] == 0x7F { position += 1 }
        var index = position
        while index < end, bytes[index] != 0 { index += 1 }
        guard index < end else {
            if lenientEnd {
                defer { position = end }
                return bytes[position..<end]
            }
            position = start
            throw error(.truncated(needed: 1), at: end)
        }
        defer { position = index + 1 }
        return bytes[position..<index]
    }

    /// Quoted-string (0x22 + text + 0x00) or Text-string: returns the text without the opening quote.
    public mutating func readQuotedOrText() throws(PDUError) -> ArraySlice<UInt8> {
        if position < end, bytes[position] == 0x22 { position += 1 }
        return try readTextString(lenientEnd: false)
    }

    /// Skips one field value by the first-octet rule of §8.4.1.2 and returns its raw octets.
    public mutating func readRawValue() throws(PDUError) -> ArraySlice<UInt8> {
        let start = position
        let first = try peek()
        switch first {
        case 0...30:
            position += 1
            try skip(Int(first))
        case 31:
            position += 1
            let length = Int(try readUintvar())
            guard length <= remaining else {
                throw error(.lengthOverrun(declared: length, available: remaining))
            }
            try skip(length)
        case 32...127:
            _ = try readTextString()
        default:
            position += 1
        }
        return bytes[start..<position]
    }
}

@inline(__always)
func hex(_ octet: UInt8) -> String {
    let digits: [Character] = Array("0123456789ABCDEF")
    return String([digits[Int(octet >> 4)], digits[Int(octet & 0x0F)]])
}

/// Hex of a byte sequence, upper case, no separators.
public func hexString<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    var out = ""
    for octet in bytes { out += hex(octet) }
    return out
}
