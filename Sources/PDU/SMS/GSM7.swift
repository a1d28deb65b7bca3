/// The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1), and septet
/// packing (§6.1.2.1) with the fill bits that follow a user data header (TS 23.040 §9.2.3.16).
public enum GSM7 {
    /// Septet → character of the default alphabet; 0x1B is the escape to the extension table.
    public static let basic: [Character] = Array(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1B}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")

    /// Extension table (after ESC): septet → character.
    public static let extended: [UInt8: Character] = [
        0x0A: "\u{0C}", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]",
        0x40: "|", 0x65: "€",
    ]

    static let basicReverse = reverse(basic)

    /// Characters the default table writes with a neighbour's septet when no table holds them:
    /// 23.038 maps both C-cedillas to 0x09 on encode.
    static let basicAliases: [Character: UInt8] = ["ç": 0x09]

    static let extendedReverse = reverse(extended)

    /// Character → septet for a basic or locking table (ESC has no character).
    static func reverse(_ table: [Character]) -> [Character: UInt8] {
        var map: [Character: UInt8] = [:]
        for (index, char) in table.enumerated() where index != 0x1B { map[char] = UInt8(index) }
        return map
    }

    /// Character → septet for an extension or single shift table.
    static func reverse(_ table: [UInt8: Character]) -> [Character: UInt8] {
        var map: [Character: UInt8] = [:]
        for (septet, char) in table { map[char] = septet }
        return map
    }

    /// The tables a message's septets are read with: the basic table (or a national locking shift
    /// table) and the extension table (or a national single shift table), as its user data header
    /// selects (IEI 0x25 and 0x24).
    public struct Tables: Hashable, Sendable {
        public var locking: NationalLanguage?
        public var singleShift: NationalLanguage?

        public init(locking: NationalLanguage? = nil, singleShift: NationalLanguage? = nil) {
            self.locking = locking
            self.singleShift = singleShift
        }

        public static let `default` = Tables()

        /// Languages selected whose table mmsctl does not carry: the default one is used instead.
        public var unsupported: [NationalLanguage] {
            var missing: [NationalLanguage] = []
            if let locking, locking.definesLockingTable, locking.lockingTable == nil { missing.append(locking) }
            if let singleShift, singleShift.singleShiftTable == nil, !missing.contains(singleShift) {
                missing.append(singleShift)
            }
            return missing
        }

        var basicTable: [Character] { locking?.lockingTable ?? GSM7.basic }
        var extensionTable: [UInt8: Character] { singleShift?.singleShiftTable ?? GSM7.extended }
        var basicReverse: [Character: UInt8] {
            locking.flatMap { NationalTables.lockingReverse[$0] } ?? GSM7.basicReverse
        }
        var extensionReverse: [Character: UInt8] {
            singleShift.flatMap { NationalTables.singleReverse[$0] } ?? GSM7.extendedReverse
        }
    }

    /// Characters from septets. An unknown escape shows the basic character (23.038); ESC ESC and a
    /// trailing ESC show a space.
    public static func decode(_ septets: some Collection<UInt8>, tables: Tables = .default) -> String {
        let basic = tables.basicTable
        let extended = tables.extensionTable
        var text = ""
        var escaped = false
        for raw in septets {
            let septet = raw & 0x7F
            if escaped {
                escaped = false
                if septet == 0x1B {
                    text.append(" ")
                } else {
                    text.append(extended[septet] ?? basic[Int(septet)])
                }
            } else if septet == 0x1B {
                escaped = true
            } else {
                text.append(basic[Int(septet)])
            }
        }
        if escaped { text.append(" ") }
        return text
    }

    /// Septets for a text, or nil when a character is in neither table. A character both tables
    /// hold takes the single septet.
    public static func encode(_ text: String, tables: Tables = .default) -> [UInt8]? {
        let basic = tables.basicReverse
        let extended = tables.extensionReverse
        var septets: [UInt8] = []
        septets.reserveCapacity(text.count)
        for char in text {
            if let septet = basic[char] {
                septets.append(septet)
            } else if let septet = extended[char] {
                septets.append(0x1B)
                septets.append(septet)
            } else if tables.locking?.lockingTable == nil, let septet = basicAliases[char] {
                septets.append(septet)
            } else {
                return nil
            }
        }
        return septets
    }

    /// Packs septets LSB first, after `fillBits` zero bits.
    public static func pack(_ septets: [UInt8], fillBits: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((septets.count * 7 + fillBits + 7) / 8)
        var accumulator: UInt32 = 0
        var bits = fillBits
        for septet in septets {
            accumulator |= UInt32(septet & 0x7F) << UInt32(bits)
            bits += 7
            while bits >= 8 {
                out.append(UInt8(accumulator & 0xFF))
                accumulator >>= 8
                bits -= 8
            }
        }
        if bits > 0 { out.append(UInt8(accumulator & 0xFF)) }
        return out
    }

    /// Unpacks `count` septets from packed octets (bit 0 of the first octet is bit 0 of septet 0).
    public static func unpack(_ octets: some Collection<UInt8>, count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var accumulator: UInt32 = 0
        var bits = 0
        var iterator = octets.makeIterator()
        while out.count < count {
            if bits < 7 {
                guard let octet = iterator.next() else { break }
                accumulator |= UInt32(octet) << UInt32(bits)
                bits += 8
            }
            out.append(UInt8(accumulator & 0x7F))
            accumulator >>= 7
            bits -= 7
        }
        return out
    }

    /// Septets a user data header of `length` octets (UDHL included) occupies, fill bits included.
    public static func headerSeptets(forHeaderOctets length: Int) -> Int { (length * 8 + 6) / 7 }
}
