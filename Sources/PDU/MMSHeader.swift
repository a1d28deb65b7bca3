/// One MMS header: a well-known field with its value, or an application header (Token-text + Text-string).
public enum MMSHeader: Hashable, Sendable {
    case field(MMSField, MMSHeaderValue)
    case application(name: String, value: [UInt8])

    public var fieldCode: MMSField? {
        if case .field(let field, _) = self { return field }
        return nil
    }
}

/// The value of a well-known MMS header, in the form its field's grammar gives it (ENC §7.3).
public enum MMSHeaderValue: Hashable, Sendable {
    /// A one-octet code (message type, Yes/No, statuses, class, priority…), bit 7 included.
    case octet(UInt8)
    /// Text-string / Uri-value octets (Transaction-Id, Message-ID, Content-Location), exact.
    case text([UInt8])
    /// Encoded-string-value (Subject, addresses, response texts).
    case encodedString(EncodedString)
    /// Long-integer or Integer-value, by the field.
    case integer(UInt64)
    case time(MMSTime)
    /// From: an address, or nil for the Insert-address-token.
    case from(EncodedString?)
    case contentType(ContentType)
    /// Octets kept verbatim: composite values this codec does not model, and values that do not
    /// follow their field's grammar (decoded by the generic rule of WSP §8.4.1.2 and written back unchanged).
    case raw([UInt8])
}

extension MMSHeaderValue {
    static func decode(field: MMSField, from reader: inout WSPReader) throws(PDUError) -> MMSHeaderValue {
        let start = reader
        do {
            return try decodeStrict(field: field, from: &reader)
        } catch {
            // The value does not follow the field's grammar: keep it raw if it is at least well delimited.
            reader = start
            if let raw = try? reader.readRawValue() { return .raw(Array(raw)) }
            throw error
        }
    }

    static func decodeStrict(field: MMSField, from reader: inout WSPReader) throws(PDUError) -> MMSHeaderValue {
        switch field.kind {
        case .octet:
            let octet = try reader.peek()
            guard octet >= 0x80 else { throw reader.error(.invalid("expected a code octet ≥ 0x80")) }
            return .octet(try reader.readByte())
        case .version, .messageClass, .text:
            // A code octet (version, class), a Text-string, or — when the first octet is a
            // Value-length — a composite form kept raw (Content-Location in M-Delete.conf).
            let first = try reader.peek()
            if first >= 0x80, field.kind != .text { return .octet(try reader.readByte()) }
            // A Text-string never starts with an octet ≥ 0x80 (it needs the Quote): such a value, or
            // one starting with a Value-length, is kept raw; its extent is then known without scanning.
            if (first > 0 && first < 0x20) || first >= 0x80 { return .raw(Array(try reader.readRawValue())) }
            return .text(Array(try reader.readTextString()))
        case .encodedString, .address:
            let first = try reader.peek()
            if first >= 0x80 { throw reader.error(.invalid("expected an Encoded-string-value")) }
            if field == .responseText, first < 0x20 {
                // Mbox-Delete.conf form: Value-length Status-count Encoded-string; or a charset-tagged string.
                var probe = reader
                if let value = try? EncodedString.decode(from: &probe) {
                    reader = probe
                    return .encodedString(value)
                }
                return .raw(Array(try reader.readRawValue()))
            }
            return .encodedString(try EncodedString.decode(from: &reader))
        case .longInteger:
            return .integer(try reader.readIntegerValue())
        case .integer:
            return .integer(try reader.readIntegerValue())
        case .time:
            var inner = try reader.readLengthPrefixed()
            let token = try inner.readByte()
            let seconds: UInt64
            switch token {
            case 0x80: seconds = try inner.readLongInteger()
            case 0x81: seconds = try inner.readIntegerValue()
            default: throw inner.error(.invalid("time token must be 0x80 (absolute) or 0x81 (relative)"))
            }
            guard inner.isAtEnd else { throw inner.error(.invalid("extra octets in a time value")) }
            return .time(token == 0x80 ? .absolute(seconds) : .relative(seconds))
        case .from:
            var inner = try reader.readLengthPrefixed()
            let token = try inner.readByte()
            switch token {
            case 0x80:
                if inner.isAtEnd { return .from(EncodedString(charset: nil, octets: [])) }
                let address = try EncodedString.decode(from: &inner)
                return .from(address)
            case 0x81:
                return .from(nil)
            default:
                throw inner.error(.invalid("From token must be 0x80 (address present) or 0x81 (insert address)"))
            }
        case .contentType:
            return .contentType(try ContentType.decode(from: &reader))
        case .raw:
            return .raw(Array(try reader.readRawValue()))
        }
    }

    func encode(field: MMSField, into writer: inout WSPWriter) {
        switch self {
        case .octet(let octet): writer.append(octet)
        case .text(let octets): writer.writeTextString(octets)
        case .encodedString(let value): value.encode(into: &writer)
        case .integer(let number):
            if field.kind == .longInteger {
                writer.writeLongInteger(number)
            } else {
                writer.writeIntegerValue(number)
            }
        case .time(let time):
            writer.writeLengthPrefixed { inner in
                switch time {
                case .absolute(let seconds):
                    inner.append(0x80)
                    inner.writeLongInteger(seconds)
                case .relative(let seconds):
                    inner.append(0x81)
                    inner.writeLongInteger(seconds)
                }
            }
        case .from(let address):
            writer.writeLengthPrefixed { inner in
                if let address {
                    inner.append(0x80)
                    address.encode(into: &inner)
                } else {
                    inner.append(0x81)
                }
            }
        case .contentType(let type): type.encode(into: &writer)
        case .raw(let octets): writer.append(contentsOf: octets)
        }
    }
}
