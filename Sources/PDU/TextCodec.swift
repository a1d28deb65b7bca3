#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Conversion between charset-tagged octets and Swift strings.
///
/// Decoding never fails: octets that are invalid in their charset become U+FFFD, so a subject
/// truncated in the middle of a UTF-8 sequence (a real Nokia N9 message) still reads.
/// UTF-8, US-ASCII, ISO-8859-1 and UTF-16 are converted here; other charsets go through iconv.
extension Charset {
    /// UCS-2 and the UTF-16 family, whose text contains 0x00 octets.
    public var isUTF16: Bool { (1013...1015).contains(mib) || mib == 1000 }

    public func decode<C: Collection>(_ octets: C) -> String where C.Element == UInt8 {
        switch mib {
        case 0, 3, 106:
            // "*" and absent are read as UTF-8 (protocol-reference §12 item 16); ASCII is a subset.
            var bytes = Array(octets)
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            return String(decoding: bytes, as: UTF8.self)
        case 4:
            return String(String.UnicodeScalarView(octets.map { Unicode.Scalar($0) }))
        case 1000, 1013, 1014, 1015:
            // ISO-10646-UCS-2, UTF-16BE, UTF-16LE, UTF-16: a byte-order mark in either order wins over
            // the label (gammu's HelloWorld.mms labels little-endian text UCS-2 and starts it FF FE);
            // without one, the label's order, big-endian for UCS-2 and UTF-16 (RFC 2781 §4.3).
            let bytes = Array(octets)
            if bytes.starts(with: [0xFF, 0xFE]) {
                return Charset.decodeUTF16(Array(bytes.dropFirst(2)), bigEndian: false)
            }
            if bytes.starts(with: [0xFE, 0xFF]) {
                return Charset.decodeUTF16(Array(bytes.dropFirst(2)), bigEndian: true)
            }
            return Charset.decodeUTF16(bytes, bigEndian: mib != 1014)
        default:
            if let converted = Charset.iconvDecode(Array(octets), from: iconvName) { return converted }
            return String(decoding: Array(octets), as: UTF8.self)
        }
    }

    /// Encodes text in this charset; nil when a character cannot be represented.
    public func encode(_ text: String) -> [UInt8]? {
        switch mib {
        case 0, 106: return Array(text.utf8)
        case 3: return text.unicodeScalars.allSatisfy { $0.value < 0x80 } ? Array(text.utf8) : nil
        case 4:
            guard text.unicodeScalars.allSatisfy({ $0.value < 0x100 }) else { return nil }
            return text.unicodeScalars.map { UInt8($0.value) }
        case 1000, 1013, 1015:
            if mib == 1000, text.unicodeScalars.contains(where: { $0.value > 0xFFFF }) { return nil }
            return text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        case 1014: return text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        default: return nil
        }
    }

    var iconvName: String {
        switch mib {
        case 36: return "CP949"
        case 81, 82: return "ISO-8859-6"
        case 84, 85: return "ISO-8859-8"
        default: return name.uppercased()
        }
    }

    static func decodeUTF16(_ bytes: [UInt8], bigEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = 0
        while index + 1 < bytes.count {
            let high = UInt16(bytes[index])
            let low = UInt16(bytes[index + 1])
            units.append(bigEndian ? (high << 8 | low) : (low << 8 | high))
            index += 2
        }
        var text = String(decoding: units, as: UTF16.self)
        if index < bytes.count { text.append("\u{FFFD}") }
        return text
    }

    static func iconvDecode(_ bytes: [UInt8], from name: String) -> String? {
        let descriptor = iconv_open("UTF-8", name)
        guard descriptor != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(descriptor) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        var input = bytes
        var inOffset = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        while inOffset < input.count {
            var inLeft = input.count - inOffset
            var outLeft = buffer.count
            let result: Int = input.withUnsafeMutableBufferPointer { inBuf in
                buffer.withUnsafeMutableBufferPointer { outBuf in
                    var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress! + inOffset)
                        .assumingMemoryBound(to: CChar.self)
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!)
                        .assumingMemoryBound(to: CChar.self)
                    return iconv(descriptor, &inPtr, &inLeft, &outPtr, &outLeft)
                }
            }
            let consumed = (input.count - inOffset) - inLeft
            inOffset += consumed
            output.append(contentsOf: buffer[0..<(buffer.count - outLeft)])
            if result == -1 {
                let code = errno
                if code == E2BIG { continue }
                // EILSEQ or EINVAL: replace one octet and go on.
                output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                inOffset += 1
            }
        }
        input.removeAll()
        return String(decoding: output, as: UTF8.self)
    }
}
