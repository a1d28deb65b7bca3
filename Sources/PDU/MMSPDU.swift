/// An MMS PDU of OMA-MMS-ENC 1.0–1.3: its headers in wire order and, for PDUs with a body, the body.
///
/// One value type serves every PDU type (ENC §6): headers are kept as a list so that unknown and
/// repeated headers survive a decode/encode round trip, and typed accessors (`transactionID`,
/// `from`, `expiry`, …) read them. `missingMandatoryHeaders` checks ENC's per-type rules without
/// making decoding fail on them (real senders omit "mandatory" headers; protocol-reference §12.8).
public struct MMSPDU: Hashable, Sendable {
    public var headers: [MMSHeader]
    public var body: MMSBody?

    public init(headers: [MMSHeader], body: MMSBody? = nil) {
        self.headers = headers
        self.body = body
    }

    /// A PDU of the given type with Transaction-Id and version in the positions ENC §7 prescribes.
    public init(
        type: MMSMessageType, transactionID: String? = nil, version: MMSVersion = .v1_2,
        headers extra: [MMSHeader] = [], body: MMSBody? = nil
    ) {
        var list: [MMSHeader] = [.field(.messageType, .octet(type.rawValue))]
        if let transactionID { list.append(.field(.transactionID, .text(Array(transactionID.utf8)))) }
        list.append(.field(.mmsVersion, .octet(version.octet)))
        list += extra
        self.init(headers: list, body: body)
    }
}

/// What follows Content-Type.
public enum MMSBody: Hashable, Sendable {
    /// A multipart body (the usual case).
    case multipart([MMSPart])
    /// A single, non-multipart body (allowed by ENC; seen with text/plain).
    case single(ArraySlice<UInt8>)

    public var parts: [MMSPart] {
        switch self {
        case .multipart(let parts): return parts
        case .single: return []
        }
    }
}

// MARK: - Decoding

extension MMSPDU {
    /// The largest PDU the decoder accepts (well above any carrier's limit).
    public static let maximumSize = 64 << 20

    public static func decode(_ bytes: [UInt8]) throws(PDUError) -> MMSPDU {
        try decode(bytes[...])
    }

    /// Decodes an MMS PDU. Offsets in errors are indices of `bytes`.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(PDUError) -> MMSPDU {
        var reader = WSPReader(bytes, field: "X-Mms-Message-Type")
        guard bytes.count <= maximumSize else {
            throw reader.error(.tooLarge("PDU of \(bytes.count) octets exceeds \(maximumSize)"))
        }
        guard bytes.count >= 2 else {
            throw reader.error(.truncated(needed: 2 - bytes.count))
        }
        let first = bytes[bytes.startIndex]
        guard first == 0x8C else {
            throw reader.error(
                .notThisKind(
                    "not an MMS PDU: first octet must be X-Mms-Message-Type (0x8C), found 0x\(hex(first))"
                        + (first >= 0x20 && first < 0x7F ? " ('\(Character(Unicode.Scalar(first)))')" : "")))
        }
        var headers: [MMSHeader] = []
        var body: MMSBody?
        while !reader.isAtEnd {
            let headerStart = reader.position
            let octet = try reader.peek()
            if octet >= 0x80 {
                let field = MMSField(code: try reader.readByte())
                reader.field = field.name
                let value = try MMSHeaderValue.decode(field: field, from: &reader)
                headers.append(.field(field, value))
                if field == .contentType {
                    reader.field = "message body"
                    body = try decodeBody(contentType: value, from: &reader)
                    break
                }
            } else if octet >= 0x20 {
                reader.field = "application header"
                let name = textString(try reader.readTextString())
                reader.field = "application header \(name)"
                let value = Array(try reader.readTextString())
                // A header without a name cannot be written back; it carries nothing.
                if !name.isEmpty { headers.append(.application(name: name, value: value)) }
            } else if octet == 0 && reader.bytes[headerStart...].allSatisfy({ $0 == 0 }) {
                // Trailing NUL padding after the last header (seen from a real MMSC): ignore.
                _ = reader.readRest()
            } else {
                reader.field = "header"
                throw reader.error(.invalid("0x\(hex(octet)) cannot start a header"))
            }
        }
        return MMSPDU(headers: headers, body: body)
    }

    static func decodeBody(contentType: MMSHeaderValue, from reader: inout WSPReader) throws(PDUError) -> MMSBody {
        guard case .contentType(let type) = contentType, type.isMultipart else {
            return .single(reader.readRest())
        }
        return .multipart(try Multipart.decode(from: &reader))
    }
}

// MARK: - Encoding

extension MMSPDU {
    /// Encodes with the header order of ENC §7: Message-Type, Transaction-Id, MMS-Version first,
    /// Content-Type last and followed by the body.
    public func encode() -> [UInt8] {
        var writer = WSPWriter(capacity: 512 + (body.map(\.approximateSize) ?? 0))
        for header in inSpecOrder().headers {
            switch header {
            case .field(let field, let value):
                writer.append(field.code | 0x80)
                value.encode(field: field, into: &writer)
            case .application(let name, let value):
                writer.writeTextString(name)
                writer.writeTextString(value)
            }
        }
        switch body {
        case .multipart(let parts)?: Multipart.encode(parts, into: &writer)
        case .single(let data)?: writer.append(contentsOf: data)
        case nil: break
        }
        return writer.bytes
    }

    /// The same PDU with headers reordered as ENC §7 requires; the order of the others is kept.
    public func inSpecOrder() -> MMSPDU {
        func rank(_ header: MMSHeader) -> Int {
            switch header.fieldCode {
            case .messageType?: return 0
            case .transactionID?: return 1
            case .mmsVersion?: return 2
            case .contentType?: return 4
            default: return 3
            }
        }
        let ordered = headers.enumerated().sorted { lhs, rhs in
            let (l, r) = (rank(lhs.element), rank(rhs.element))
            return l != r ? l < r : lhs.offset < rhs.offset
        }.map(\.element)
        // A body needs a Content-Type header to be found again.
        return MMSPDU(headers: ordered, body: body)
    }
}

extension MMSBody {
    var approximateSize: Int {
        switch self {
        case .multipart(let parts): return parts.reduce(0) { $0 + $1.data.count + 64 }
        case .single(let data): return data.count
        }
    }
}

// MARK: - Typed access

extension MMSPDU {
    public func values(_ field: MMSField) -> [MMSHeaderValue] {
        headers.compactMap { header in
            if case .field(field, let value) = header { return value }
            return nil
        }
    }

    public func value(_ field: MMSField) -> MMSHeaderValue? {
        for header in headers {
            if case .field(field, let value) = header { return value }
        }
        return nil
    }

    func octet(_ field: MMSField) -> UInt8? {
        if case .octet(let octet)? = value(field) { return octet }
        return nil
    }

    func text(_ field: MMSField) -> String? {
        if case .text(let octets)? = value(field) { return textString(octets) }
        return nil
    }

    func encoded(_ field: MMSField) -> EncodedString? {
        if case .encodedString(let string)? = value(field) { return string }
        return nil
    }

    func integer(_ field: MMSField) -> UInt64? {
        if case .integer(let number)? = value(field) { return number }
        return nil
    }

    func yesNo(_ field: MMSField) -> Bool? {
        octet(field).map { $0 == 0x80 }
    }

    public var messageType: MMSMessageType? { octet(.messageType).map(MMSMessageType.init(rawValue:)) }
    public var transactionID: String? { text(.transactionID) }
    /// Transaction-Id octets exactly as received, to echo back (protocol-reference §12.13).
    public var transactionIDOctets: [UInt8]? {
        if case .text(let octets)? = value(.transactionID) { return octets }
        return nil
    }
    public var version: MMSVersion? { octet(.mmsVersion).map(MMSVersion.init(octet:)) }
    public var messageID: String? { text(.messageID) }
    /// X-Mms-Content-Location with surrounding white space removed (a real MMSC sends a leading space).
    public var contentLocation: String? { text(.contentLocation)?.trimming(" \t\r\n") }
    public var subject: String? { encoded(.subject)?.text }
    public var date: UInt64? { integer(.date) }
    public var messageSize: UInt64? { integer(.messageSize) }
    public var replyChargingID: String? { text(.replyChargingID) }

    /// From: the address, `.some(nil)` for Insert-address-token, nil when absent.
    public var from: MMSAddress?? {
        switch value(.from) {
        case .from(let address)?: return .some(address.map { MMSAddress(parsing: $0.text) })
        case .encodedString(let address)?: return .some(MMSAddress(parsing: address.text))
        default: return nil
        }
    }

    func addresses(_ field: MMSField) -> [MMSAddress] {
        values(field).compactMap { value in
            if case .encodedString(let string) = value { return MMSAddress(parsing: string.text) }
            return nil
        }
    }

    public var to: [MMSAddress] { addresses(.to) }
    public var cc: [MMSAddress] { addresses(.cc) }
    public var bcc: [MMSAddress] { addresses(.bcc) }

    public var messageClass: MMSMessageClass? {
        switch value(.messageClass) {
        case .octet(let octet)?: return MMSMessageClass(octet: octet)
        case .text(let octets)?: return .token(textString(octets))
        default: return nil
        }
    }

    public var priority: MMSPriority? { octet(.priority).map(MMSPriority.init(rawValue:)) }
    public var status: MMSStatus? { octet(.status).map(MMSStatus.init(rawValue:)) }
    public var responseStatus: MMSResponseStatus? { octet(.responseStatus).map(MMSResponseStatus.init(rawValue:)) }
    public var responseText: String? { encoded(.responseText)?.text }
    public var retrieveStatus: MMSRetrieveStatus? { octet(.retrieveStatus).map(MMSRetrieveStatus.init(rawValue:)) }
    public var retrieveText: String? { encoded(.retrieveText)?.text }
    public var readStatus: MMSReadStatus? { octet(.readStatus).map(MMSReadStatus.init(rawValue:)) }
    public var deliveryReport: Bool? { yesNo(.deliveryReport) }
    public var readReport: Bool? { yesNo(.readReport) }
    public var reportAllowed: Bool? { yesNo(.reportAllowed) }

    public var expiry: MMSTime? {
        if case .time(let time)? = value(.expiry) { return time }
        return nil
    }

    public var deliveryTime: MMSTime? {
        if case .time(let time)? = value(.deliveryTime) { return time }
        return nil
    }

    public var contentType: ContentType? {
        if case .contentType(let type)? = value(.contentType) { return type }
        return nil
    }

    public var parts: [MMSPart] { body?.parts ?? [] }

    /// The root part of a multipart.related body: the part whose Content-ID matches Start
    /// (angle brackets ignored), else Content-Location, else the first part (RFC 2387, §12.18).
    public var rootPart: MMSPart? {
        let parts = self.parts
        guard let start = contentType?.start else { return parts.first }
        let key = start.trimming("<>")
        return parts.first { $0.contentID?.trimming("<>") == key }
            ?? parts.first { $0.contentLocation == key } ?? parts.first
    }
}

extension String {
    /// The string without the given characters at either end (no Foundation needed).
    public func trimming(_ set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}

// MARK: - Mandatory headers

extension MMSPDU {
    /// Headers that ENC marks mandatory for this PDU type and that are missing (the lists enforced by
    /// Android PduParser.checkMandatoryHeader, protocol-reference §7.2–7.3). Empty when complete.
    public var missingMandatoryHeaders: [MMSField] {
        guard let type = messageType else { return [.messageType] }
        var required: [MMSField] = [.mmsVersion]
        switch type {
        case .sendReq: required += [.transactionID, .from, .contentType]
        case .sendConf: required += [.transactionID, .responseStatus]
        case .notificationInd:
            required += [.transactionID, .messageClass, .messageSize, .expiry, .contentLocation]
        case .notifyRespInd: required += [.transactionID, .status]
        case .retrieveConf: required += [.date, .contentType]
        case .acknowledgeInd: required += [.transactionID]
        case .deliveryInd: required += [.messageID, .to, .date, .status]
        case .readRecInd: required += [.messageID, .to, .from, .readStatus]
        case .readOrigInd: required += [.messageID, .to, .from, .date, .readStatus]
        case .forwardReq: required += [.transactionID, .from, .contentLocation]
        case .forwardConf: required += [.transactionID, .responseStatus]
        case .cancelReq: required += [.transactionID, .cancelID]
        case .cancelConf: required += [.transactionID]
        case .mboxDescr: break
        default: required += [.transactionID]
        }
        if type == .sendReq, to.isEmpty, cc.isEmpty, bcc.isEmpty { required.append(.to) }
        return required.filter { value($0) == nil }
    }
}
