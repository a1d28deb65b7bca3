/// Assigned numbers of OMA-MMS-ENC 1.0–1.3 §7 (protocol-reference §6–§7), one table per concept.

/// An octet-valued code with a name from a spec table; unknown codes keep their number.
public protocol MMSOctetCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible
where RawValue == UInt8 {
    static var names: [UInt8: String] { get }
}

extension MMSOctetCode {
    /// The spec's name, or nil when the code is not in the table.
    public var name: String? { Self.names[rawValue] }
    public var description: String { name ?? "unknown(0x\(hex(rawValue)))" }
    public init?(name: String) {
        guard let entry = Self.names.first(where: { $0.value == name }) else { return nil }
        self.init(rawValue: entry.key)
    }
}

/// X-Mms-Message-Type values (ENC §7.3.30).
public struct MMSMessageType: MMSOctetCode {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let sendReq = Self(rawValue: 0x80)
    public static let sendConf = Self(rawValue: 0x81)
    public static let notificationInd = Self(rawValue: 0x82)
    public static let notifyRespInd = Self(rawValue: 0x83)
    public static let retrieveConf = Self(rawValue: 0x84)
    public static let acknowledgeInd = Self(rawValue: 0x85)
    public static let deliveryInd = Self(rawValue: 0x86)
    public static let readRecInd = Self(rawValue: 0x87)
    public static let readOrigInd = Self(rawValue: 0x88)
    public static let forwardReq = Self(rawValue: 0x89)
    public static let forwardConf = Self(rawValue: 0x8A)
    public static let mboxStoreReq = Self(rawValue: 0x8B)
    public static let mboxStoreConf = Self(rawValue: 0x8C)
    public static let mboxViewReq = Self(rawValue: 0x8D)
    public static let mboxViewConf = Self(rawValue: 0x8E)
    public static let mboxUploadReq = Self(rawValue: 0x8F)
    public static let mboxUploadConf = Self(rawValue: 0x90)
    public static let mboxDeleteReq = Self(rawValue: 0x91)
    public static let mboxDeleteConf = Self(rawValue: 0x92)
    public static let mboxDescr = Self(rawValue: 0x93)
    public static let deleteReq = Self(rawValue: 0x94)
    public static let deleteConf = Self(rawValue: 0x95)
    public static let cancelReq = Self(rawValue: 0x96)
    public static let cancelConf = Self(rawValue: 0x97)

    public static let names: [UInt8: String] = [
        0x80: "m-send-req", 0x81: "m-send-conf", 0x82: "m-notification-ind", 0x83: "m-notifyresp-ind",
        0x84: "m-retrieve-conf", 0x85: "m-acknowledge-ind", 0x86: "m-delivery-ind", 0x87: "m-read-rec-ind",
        0x88: "m-read-orig-ind", 0x89: "m-forward-req", 0x8A: "m-forward-conf", 0x8B: "m-mbox-store-req",
        0x8C: "m-mbox-store-conf", 0x8D: "m-mbox-view-req", 0x8E: "m-mbox-view-conf", 0x8F: "m-mbox-upload-req",
        0x90: "m-mbox-upload-conf", 0x91: "m-mbox-delete-req", 0x92: "m-mbox-delete-conf", 0x93: "m-mbox-descr",
        0x94: "m-delete-req", 0x95: "m-delete-conf", 0x96: "m-cancel-req", 0x97: "m-cancel-conf",
    ]

    public static let all: [MMSMessageType] = (0x80...0x97).map { Self(rawValue: UInt8($0)) }

    /// PDU types that carry a message body after Content-Type.
    public var hasBody: Bool { [0x80, 0x84, 0x8E, 0x8F, 0x93].contains(rawValue) }
}

/// X-Mms-Message-Class (ENC §7.3.27): a well-known class or a Token-text.
public enum MMSMessageClass: Hashable, Sendable, CustomStringConvertible {
    case personal, advertisement, informational, auto
    case token(String)

    public init(octet: UInt8) {
        switch octet {
        case 0x80: self = .personal
        case 0x81: self = .advertisement
        case 0x82: self = .informational
        case 0x83: self = .auto
        default: self = .token("class-0x\(hex(octet))")
        }
    }

    public var octet: UInt8? {
        switch self {
        case .personal: return 0x80
        case .advertisement: return 0x81
        case .informational: return 0x82
        case .auto: return 0x83
        case .token: return nil
        }
    }

    public var description: String {
        switch self {
        case .personal: return "Personal"
        case .advertisement: return "Advertisement"
        case .informational: return "Informational"
        case .auto: return "Auto"
        case .token(let text): return text
        }
    }
}

/// X-Mms-Priority (ENC §7.3.35).
public struct MMSPriority: MMSOctetCode {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let low = Self(rawValue: 0x80)
    public static let normal = Self(rawValue: 0x81)
    public static let high = Self(rawValue: 0x82)
    public static let names: [UInt8: String] = [0x80: "Low", 0x81: "Normal", 0x82: "High"]
}

/// X-Mms-Status (ENC §7.3.54), in M-NotifyResp.ind and M-Delivery.ind.
public struct MMSStatus: MMSOctetCode {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let expired = Self(rawValue: 0x80)
    public static let retrieved = Self(rawValue: 0x81)
    public static let rejected = Self(rawValue: 0x82)
    public static let deferred = Self(rawValue: 0x83)
    public static let unrecognised = Self(rawValue: 0x84)
    public static let indeterminate = Self(rawValue: 0x85)
    public static let forwarded = Self(rawValue: 0x86)
    public static let unreachable = Self(rawValue: 0x87)
    public static let names: [UInt8: String] = [
        0x80: "Expired", 0x81: "Retrieved", 0x82: "Rejected", 0x83: "Deferred", 0x84: "Unrecognised",
        0x85: "Indeterminate", 0x86: "Forwarded", 0x87: "Unreachable",
    ]
}

/// X-Mms-Response-Status (ENC §7.3.48), in M-Send.conf, M-Forward.conf and MMBox confirmations.
public struct MMSResponseStatus: MMSOctetCode {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ok = Self(rawValue: 0x80)
    public static let names: [UInt8: String] = [
        0x80: "Ok", 0x81: "Error-unspecified", 0x82: "Error-service-denied", 0x83: "Error-message-format-corrupt",
        0x84: "Error-sending-address-unresolved", 0x85: "Error-message-not-found", 0x86: "Error-network-problem",
        0x87: "Error-content-not-accepted", 0x88: "Error-unsupported-message",
        0xC0: "Error-transient-failure", 0xC1: "Error-transient-sending-address-unresolved",
        0xC2: "Error-transient-message-not-found", 0xC3: "Error-transient-network-problem",
        0xC4: "Error-transient-partial-success",
        0xE0: "Error-permanent-failure", 0xE1: "Error-permanent-service-denied",
        0xE2: "Error-permanent-message-format-corrupt", 0xE3: "Error-permanent-sending-address-unresolved",
        0xE4: "Error-permanent-message-not-found", 0xE5: "Error-permanent-content-not-accepted",
        0xE6: "Error-permanent-reply-charging-limitations-not-met",
        0xE7: "Error-permanent-reply-charging-request-not-accepted",
        0xE8: "Error-permanent-reply-charging-forwarding-denied",
        0xE9: "Error-permanent-reply-charging-not-supported", 0xEA: "Error-permanent-address-hiding-not-supported",
        0xEB: "Error-permanent-lack-of-prepaid",
    ]
    /// Unknown values fold to their class (ENC 1.3 §7.3.48): C5–DF transient, EC–FF permanent.
    public var isTransient: Bool { (0xC0...0xDF).contains(rawValue) }
    public var isPermanent: Bool { rawValue >= 0xE0 || (0x81...0x88).contains(rawValue) }
    public var isOK: Bool { rawValue == 0x80 }
}

/// X-Mms-Retrieve-Status (ENC §7.3.50), in M-Retrieve.conf.
public struct MMSRetrieveStatus: MMSOctetCode {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ok = Self(rawValue: 0x80)
    public static let names: [UInt8: String] = [
        0x80: "Ok", 0xC0: "Error-transient-failure", 0xC1: "Error-transient-message-not-found",
        0xC2: "Error-transient-network-problem", 0xE0: "Error-permanent-failure",
        0xE1: "Error-permanent-service-denied", 0xE2: "Error-permanent-message-not-found",
        0xE3: "Error-permanent-content-unsupported",
    ]
    public var isTransient: Bool { (0xC0...0xDF).contains(rawValue) }
    public var isOK: Bool { rawValue == 0x80 }
}

/// X-Mms-Read-Status (ENC §7.3.39).
public struct MMSReadStatus: MMSOctetCode {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let read = Self(rawValue: 0x80)
    public static let deletedWithoutBeingRead = Self(rawValue: 0x81)
    public static let names: [UInt8: String] = [0x80: "Read", 0x81: "Deleted-without-being-read"]
}

/// X-Mms-MMS-Version (ENC §7.3.34): major in bits 6–4, minor in bits 3–0.
public struct MMSVersion: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var octet: UInt8
    public init(octet: UInt8) { self.octet = octet | 0x80 }
    public init(major: UInt8, minor: UInt8) { self.octet = 0x80 | (major << 4) | (minor & 0x0F) }
    public static let v1_0 = MMSVersion(major: 1, minor: 0)
    public static let v1_1 = MMSVersion(major: 1, minor: 1)
    public static let v1_2 = MMSVersion(major: 1, minor: 2)
    public static let v1_3 = MMSVersion(major: 1, minor: 3)
    public var major: UInt8 { (octet >> 4) & 0x07 }
    public var minor: UInt8 { octet & 0x0F }
    public var description: String { minor == 0x0F ? "\(major)" : "\(major).\(minor)" }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.octet < rhs.octet }
}

/// An absolute or relative time (Expiry, Delivery-Time, Reply-Charging-Deadline; ENC §7.3.20).
public enum MMSTime: Hashable, Sendable, CustomStringConvertible {
    /// Seconds since 1970-01-01 UTC.
    case absolute(UInt64)
    /// Seconds from the time the PDU was sent or received.
    case relative(UInt64)

    public var description: String {
        switch self {
        case .absolute(let seconds): return "at \(seconds) (\(formatUnixTime(seconds)))"
        case .relative(let seconds): return "in \(seconds) s"
        }
    }
}

/// How a header's value is encoded (ENC §7.3), per field code.
enum MMSValueKind {
    case octet, text, encodedString, address, longInteger, integer, time, from, contentType, version
    case messageClass, raw
}

/// X-Mms / MMS header field codes (ENC §7.4 Table 12), wire octet = code | 0x80.
public struct MMSField: Hashable, Sendable, CustomStringConvertible {
    public var code: UInt8
    public init(code: UInt8) { self.code = code & 0x7F }

    public static let bcc = Self(code: 0x01)
    public static let cc = Self(code: 0x02)
    public static let contentLocation = Self(code: 0x03)
    public static let contentType = Self(code: 0x04)
    public static let date = Self(code: 0x05)
    public static let deliveryReport = Self(code: 0x06)
    public static let deliveryTime = Self(code: 0x07)
    public static let expiry = Self(code: 0x08)
    public static let from = Self(code: 0x09)
    public static let messageClass = Self(code: 0x0A)
    public static let messageID = Self(code: 0x0B)
    public static let messageType = Self(code: 0x0C)
    public static let mmsVersion = Self(code: 0x0D)
    public static let messageSize = Self(code: 0x0E)
    public static let priority = Self(code: 0x0F)
    public static let readReport = Self(code: 0x10)
    public static let reportAllowed = Self(code: 0x11)
    public static let responseStatus = Self(code: 0x12)
    public static let responseText = Self(code: 0x13)
    public static let senderVisibility = Self(code: 0x14)
    public static let status = Self(code: 0x15)
    public static let subject = Self(code: 0x16)
    public static let to = Self(code: 0x17)
    public static let transactionID = Self(code: 0x18)
    public static let retrieveStatus = Self(code: 0x19)
    public static let retrieveText = Self(code: 0x1A)
    public static let readStatus = Self(code: 0x1B)
    public static let replyCharging = Self(code: 0x1C)
    public static let replyChargingDeadline = Self(code: 0x1D)
    public static let replyChargingID = Self(code: 0x1E)
    public static let replyChargingSize = Self(code: 0x1F)
    public static let previouslySentBy = Self(code: 0x20)
    public static let previouslySentDate = Self(code: 0x21)
    public static let store = Self(code: 0x22)
    public static let mmState = Self(code: 0x23)
    public static let mmFlags = Self(code: 0x24)
    public static let storeStatus = Self(code: 0x25)
    public static let storeStatusText = Self(code: 0x26)
    public static let stored = Self(code: 0x27)
    public static let contentClass = Self(code: 0x3A)
    public static let applicID = Self(code: 0x37)
    public static let replaceID = Self(code: 0x3D)
    public static let cancelID = Self(code: 0x3E)
    public static let cancelStatus = Self(code: 0x3F)

    static let table: [(String, MMSValueKind)] = [
        ("Field-0x80", .raw), ("Bcc", .address), ("Cc", .address), ("X-Mms-Content-Location", .text),
        ("Content-Type", .contentType), ("Date", .longInteger), ("X-Mms-Delivery-Report", .octet),
        ("X-Mms-Delivery-Time", .time), ("X-Mms-Expiry", .time), ("From", .from),
        ("X-Mms-Message-Class", .messageClass), ("Message-ID", .text), ("X-Mms-Message-Type", .octet),
        ("X-Mms-MMS-Version", .version), ("X-Mms-Message-Size", .longInteger), ("X-Mms-Priority", .octet),
        ("X-Mms-Read-Report", .octet), ("X-Mms-Report-Allowed", .octet), ("X-Mms-Response-Status", .octet),
        ("X-Mms-Response-Text", .encodedString), ("X-Mms-Sender-Visibility", .octet), ("X-Mms-Status", .octet),
        ("Subject", .encodedString), ("To", .address), ("X-Mms-Transaction-Id", .text),
        ("X-Mms-Retrieve-Status", .octet), ("X-Mms-Retrieve-Text", .encodedString),
        ("X-Mms-Read-Status", .octet), ("X-Mms-Reply-Charging", .octet),
        ("X-Mms-Reply-Charging-Deadline", .time), ("X-Mms-Reply-Charging-ID", .text),
        ("X-Mms-Reply-Charging-Size", .longInteger), ("X-Mms-Previously-Sent-By", .raw),
        ("X-Mms-Previously-Sent-Date", .raw), ("X-Mms-Store", .octet), ("X-Mms-MM-State", .octet),
        ("X-Mms-MM-Flags", .raw), ("X-Mms-Store-Status", .octet), ("X-Mms-Store-Status-Text", .encodedString),
        ("X-Mms-Stored", .octet), ("X-Mms-Attributes", .octet), ("X-Mms-Totals", .octet),
        ("X-Mms-Mbox-Totals", .raw), ("X-Mms-Quotas", .octet), ("X-Mms-Mbox-Quotas", .raw),
        ("X-Mms-Message-Count", .integer), ("Content", .raw), ("X-Mms-Start", .integer),
        ("Additional-headers", .raw), ("X-Mms-Distribution-Indicator", .octet),
        ("X-Mms-Element-Descriptor", .raw), ("X-Mms-Limit", .integer),
        ("X-Mms-Recommended-Retrieval-Mode", .octet), ("X-Mms-Recommended-Retrieval-Mode-Text", .encodedString),
        ("X-Mms-Status-Text", .encodedString), ("X-Mms-Applic-ID", .text), ("X-Mms-Reply-Applic-ID", .text),
        ("X-Mms-Aux-Applic-Info", .text), ("X-Mms-Content-Class", .octet), ("X-Mms-DRM-Content", .octet),
        ("X-Mms-Adaptation-Allowed", .octet), ("X-Mms-Replace-ID", .text), ("X-Mms-Cancel-ID", .text),
        ("X-Mms-Cancel-Status", .octet),
    ]

    public var name: String {
        Int(code) < MMSField.table.count ? MMSField.table[Int(code)].0 : "Field-0x\(hex(code | 0x80))"
    }
    var kind: MMSValueKind { Int(code) < MMSField.table.count ? MMSField.table[Int(code)].1 : .raw }
    public var description: String { name }
}

/// Formats seconds since 1970 as an ISO 8601 UTC time, without Foundation.
public func formatUnixTime(_ seconds: UInt64) -> String {
    let days = Int64(seconds / 86_400)
    let rest = Int(seconds % 86_400)
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(year)-\(two(Int(month)))-\(two(Int(day)))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))Z"
}
