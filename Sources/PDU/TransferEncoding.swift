/// RFC 2045 transfer encodings that some MMS senders apply to text parts.
enum Base64 {
    static let table: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let reverse: [Int8] = {
        var map = [Int8](repeating: -1, count: 256)
        for (index, char) in table.enumerated() { map[Int(char)] = Int8(index) }
        return map
    }()

    /// Decodes, skipping whitespace; nil on any other non-alphabet octet.
    static func decode<C: Collection>(_ input: C) -> [UInt8]? where C.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for char in input {
            if char == UInt8(ascii: "=") { break }
            if char == 0x20 || char == 0x0A || char == 0x0D || char == 0x09 { continue }
            let value = reverse[Int(char)]
            guard value >= 0 else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
        }
        return output
    }

}

enum QuotedPrintable {
    static func decode<C: Collection>(_ input: C) -> [UInt8] where C.Element == UInt8 {
        let bytes = Array(input)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        func nibble(_ char: UInt8) -> UInt8? {
            switch char {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return char - UInt8(ascii: "A") + 10
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return char - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        while index < bytes.count {
            let char = bytes[index]
            if char == UInt8(ascii: "="), index + 1 < bytes.count {
                if bytes[index + 1] == 0x0A {
                    index += 2
                    continue
                }
                if bytes[index + 1] == 0x0D {
                    index += (index + 2 < bytes.count && bytes[index + 2] == 0x0A) ? 3 : 2
                    continue
                }
                if index + 2 < bytes.count, let high = nibble(bytes[index + 1]), let low = nibble(bytes[index + 2]) {
                    output.append(high << 4 | low)
                    index += 3
                    continue
                }
            }
            output.append(char)
            index += 1
        }
        return output
    }
}
