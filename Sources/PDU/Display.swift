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
            if scalar.value < 0x20 || scalar.value == 0x7F || ":*?\"<>|".unicodeScalars.contains(scalar) {
                cleaned.append("_")
            } else {
                cleaned.unicodeScalars.append(scalar)
            }
        }
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        if cleaned.utf8.count > maximumLength {
            let ext = cleaned.split(separator: ".").count > 1 ? String(cleaned.split(separator: ".").last!) : ""
            var stem = cleaned
            while stem.utf8.count > maximumLength - ext.utf8.count - 1 { stem.removeLast() }
            cleaned = ext.isEmpty || ext.utf8.count > 10 ? stem : stem + "." + ext
        }
        if cleaned.isEmpty { cleaned = fallback }
        return cleaned
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
