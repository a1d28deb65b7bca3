/// Human-readable renderings of header values, shared by `mmsctl decode` and logs.
extension MMSHeader {
    public var name: String {
        switch self {
        case .field(let field, _): return field.name
        case .application(let name, _): return name
        }
    }

    public var displayValue: String {
        switch self {
        case .application(_, let value): return textString(value)
        case .field(let field, let value): return value.displayText(for: field)
        }
    }
}

extension MMSHeaderValue {
    public func displayText(for field: MMSField) -> String {
        switch self {
        case .octet(let octet):
            switch field {
            case .messageType: return MMSMessageType(rawValue: octet).description
            case .mmsVersion: return MMSVersion(octet: octet).description
            case .messageClass: return MMSMessageClass(octet: octet).description
            case .priority: return MMSPriority(rawValue: octet).description
            case .status: return MMSStatus(rawValue: octet).description
            case .responseStatus: return MMSResponseStatus(rawValue: octet).description
            case .retrieveStatus: return MMSRetrieveStatus(rawValue: octet).description
            case .readStatus: return MMSReadStatus(rawValue: octet).description
            case .deliveryReport, .readReport, .reportAllowed, .store, .stored, .init(code: 0x29), .init(code: 0x2B),
                .init(code: 0x31), .init(code: 0x3B), .init(code: 0x3C):
                return octet == 0x80 ? "Yes" : octet == 0x81 ? "No" : "0x\(hex(octet))"
            case .senderVisibility: return octet == 0x80 ? "Hide" : octet == 0x81 ? "Show" : "0x\(hex(octet))"
            default: return "0x\(hex(octet))"
            }
        case .text(let octets): return textString(octets)
        case .encodedString(let string):
            if let charset = string.charset, charset != .utf8, charset != .usASCII {
                return "\(string.text) [\(charset.name)]"
            }
            return string.text
        case .integer(let number):
            return field == .date ? "\(formatUnixTime(number)) (\(number))" : String(number)
        case .time(let time): return time.description
        case .from(let address): return address.map(\.text) ?? "<insert-address>"
        case .contentType(let type): return type.description
        case .raw(let octets): return "0x" + hexString(octets)
        }
    }
}

/// File names for exported parts that cannot escape their folder or hide (no `/`, `\`, `..`,
/// control characters or leading dots), bounded in length.
public enum SafeFileName {
    public static let maximumLength = 100

    public static func make(from candidate: String?, fallback: String) -> String {
        var name = candidate ?? ""
        if let slash = name.lastIndex(where: { $0 == "/" || $0 == "\\" }) {
            name = String(name[name.index(after: slash)...])
        }
        name = name.trimming("<> \"")
        var cleaned = ""
        for scalar in name.unicodeScalars {
            // C0 and C1 controls, DEL, the bidirectional and separator controls (U+202E would make
            // "‮txt.exe" read as "exe.txt"), and characters other systems refuse in names.
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || TerminalText.invisible.contains(scalar.value) || ":*?\"<>|".unicodeScalars.contains(scalar)
            {
                cleaned.append("_")
            } else {
                cleaned.unicodeScalars.append(scalar)
            }
        }
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        // A leading dash would read as an option to the next tool that is handed the name.
        if cleaned.hasPrefix("-") { cleaned = "_" + cleaned.dropFirst() }
        if cleaned.isEmpty { cleaned = fallback }
        let dot = cleaned.lastIndex(of: ".")
        let ext = dot.map { String(cleaned[$0...]) } ?? ""
        if ext.utf8.count > 1 && ext.utf8.count <= 11 {
            return fit(stem: String(cleaned[..<dot!]), suffix: ext)
        }
        return fit(stem: cleaned, suffix: "")
    }

    /// `stem + suffix` in at most `maximumLength` bytes of UTF-8: the stem is shortened, whole
    /// characters at a time, so that an extension or a `-1` added to a name never makes it longer.
    public static func fit(stem: String, suffix: String) -> String {
        var stem = stem
        let room = max(1, maximumLength - suffix.utf8.count)
        while stem.utf8.count > room { stem.removeLast() }
        return stem + suffix
    }

    /// A conventional extension for a media type, used when a part's name has none.
    public static func fileExtension(for mediaType: String) -> String? {
        let table: [String: String] = [
            "text/plain": "txt", "application/smil": "smil", "image/jpeg": "jpg", "image/jpg": "jpg",
            "image/png": "png", "image/gif": "gif", "image/bmp": "bmp", "image/vnd.wap.wbmp": "wbmp",
            "image/webp": "webp", "image/heic": "heic", "audio/amr": "amr", "audio/mpeg": "mp3", "audio/mp4": "m4a",
            "audio/aac": "aac", "audio/ogg": "ogg", "video/3gpp": "3gp", "video/mp4": "mp4", "text/x-vcard": "vcf",
            "text/vcard": "vcf", "text/x-vcalendar": "vcs", "text/html": "html", "application/pdf": "pdf",
        ]
        return table[mediaType.lowercased()]
    }
}

/// The one sanitiser for text a stranger controls on its way to a terminal: C0 and C1 control
/// characters, DEL, and the bidirectional and line-separator controls are shown as visible escapes
/// (`\u{1B}`), so a subject cannot clear a screen, set a window title, forge a line or reverse the
/// text around it. JSON output does not need it: its encoder escapes.
public enum TerminalText {
    /// Bidirectional formatting characters (Unicode UAX #9) and the line and paragraph separators.
    static let invisible: Set<UInt32> = [
        0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069,
        0x2028, 0x2029, 0xFEFF,
    ]

    /// Whether the UTF-8 of `text` may hold something to escape: a C0 byte or DEL, or the lead bytes of
    /// C1 (C2 80–9F), U+061C (D8 9C), U+200E–U+2069 (E2 80/81 …) and U+FEFF (EF BB BF). Most text
    /// holds none, and is returned as it is without being rebuilt.
    static func needsEscaping(_ text: String, multiline: Bool) -> Bool {
        let fast = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte < 0x20 {
                    if !(multiline && (byte == 0x0A || byte == 0x09)) { return true }
                } else if byte == 0x7F || byte == 0xC2 || byte == 0xD8 || byte == 0xE2 || byte == 0xEF {
                    return true  // checked exactly by the slow path
                }
                index += 1
            }
            return false
        }
        return fast ?? true
    }

    /// `text` with every control shown as `\u{XX}`; with `multiline`, LF and TAB stay (text bodies).
    public static func safe(_ text: String, multiline: Bool = false) -> String {
        if !needsEscaping(text, multiline: multiline) { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if multiline && (value == 0x0A || value == 0x09) {
                result.unicodeScalars.append(scalar)
            } else if value < 0x20 || (0x7F...0x9F).contains(value) || invisible.contains(value) {
                result += "\\u{" + String(value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
