/// Appends WSP primitives to a byte buffer: the mirror of `WSPReader` (WAP-230-WSP §8.4.2).
public struct WSPWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func append(_ octet: UInt8) { bytes.append(octet) }
    public mutating func append<S: Sequence>(contentsOf other: S) where S.Element == UInt8 {
        bytes.append(contentsOf: other)
    }

    public mutating func writeUintvar(_ value: UInt32) {
        var groups: [UInt8] = [UInt8(value & 0x7F)]
        var rest = value >> 7
        while rest > 0 {
            groups.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(contentsOf: groups.reversed())
    }

    public mutating func writeShortInteger(_ value: UInt8) {
        precondition(value < 0x80, "Short-integer holds 0–127")
        bytes.append(value | 0x80)
    }

    /// Long-integer with the minimum number of octets (at least one).
    public mutating func writeLongInteger(_ value: UInt64) {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(rest & 0xFF))
            rest >>= 8
        } while rest > 0
        bytes.append(UInt8(digits.count))
        bytes.append(contentsOf: digits.reversed())
    }

    /// Integer-value: Short-integer for 0–127, Long-integer above.
    public mutating func writeIntegerValue(_ value: UInt64) {
        if value < 0x80 { writeShortInteger(UInt8(value)) } else { writeLongInteger(value) }
    }

    public mutating func writeValueLength(_ length: Int) {
        if length <= 30 {
            bytes.append(UInt8(length))
        } else {
            bytes.append(31)
            writeUintvar(UInt32(length))
        }
    }

    /// Writes `body` preceded by its Value-length.
    public mutating func writeLengthPrefixed(_ body: (inout WSPWriter) -> Void) {
        var inner = WSPWriter(capacity: 32)
        body(&inner)
        writeValueLength(inner.bytes.count)
        bytes.append(contentsOf: inner.bytes)
    }

    /// Text-string: Quote 0x7F when the first octet is ≥ 0x80 (WSP §8.4.2.1), the octets, then 0x00.
    /// A first octet that is a control character or 0x7F itself (not TEXT, so only from malformed
    /// input) is quoted too, so that it cannot be read back as a length or a Quote.
    public mutating func writeTextString<S: Collection>(_ text: S) where S.Element == UInt8 {
        if let first = text.first, first >= 0x7F || first < 0x20 { bytes.append(0x7F) }
        bytes.append(contentsOf: text)
        bytes.append(0)
    }

    public mutating func writeTextString(_ text: String) {
        writeTextString(Array(text.utf8))
    }

    /// Quoted-string: 0x22, the octets, 0x00.
    public mutating func writeQuotedString<S: Collection>(_ text: S) where S.Element == UInt8 {
        bytes.append(0x22)
        bytes.append(contentsOf: text)
        bytes.append(0)
    }
}
