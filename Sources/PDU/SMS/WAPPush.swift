/// A connectionless WSP Push PDU (WAP-230-WSP §8.2.4.1, WAP-235-PushOTA) as carried in the WDP
/// datagram of an SMS addressed to port 2948.
public struct WAPPush: Hashable, Sendable {
    public struct Header: Hashable, Sendable {
        public enum Name: Hashable, Sendable {
            case wellKnown(UInt8)
            case text(String)
        }
        public var name: Name
        /// The value octets as sent.
        public var value: [UInt8]

        public var nameText: String {
            switch name {
            case .wellKnown(let code): return WSPTables.headerFieldName(code)
            case .text(let text): return text
            }
        }
    }

    /// WDP port of WAP connectionless push (wap-wsp-push).
    public static let port: UInt16 = 2948

    public var transactionID: UInt8
    /// 0x06 Push (0x07 ConfirmedPush exists only in connection-mode WSP).
    public var pduType: UInt8
    public var contentType: ContentType
    public var headers: [Header]
    public var data: ArraySlice<UInt8>

    public init(
        transactionID: UInt8, pduType: UInt8 = 0x06, contentType: ContentType, headers: [Header],
        data: ArraySlice<UInt8>
    ) {
        self.transactionID = transactionID
        self.pduType = pduType
        self.contentType = contentType
        self.headers = headers
        self.data = data
    }

    /// X-Wap-Application-Id (0x2F): the URN, from its code or its text. Absent means mms.ua for MMS content.
    public var applicationID: String? {
        guard let header = headers.first(where: { $0.name == .wellKnown(0x2F) }) else { return nil }
        var reader = WSPReader(header.value)
        guard let first = try? reader.peek() else { return nil }
        if first >= 0x80 || first < 0x20 {
            guard let code = try? reader.readIntegerValue() else { return nil }
            return WSPTables.pushApplicationIDs[UInt32(truncatingIfNeeded: code)] ?? "application-id-\(code)"
        }
        return (try? reader.readTextString()).map { textString($0) }
    }

    public var isMMS: Bool { contentType.mediaType == "application/vnd.wap.mms-message" }

    /// What the push carries, for people: MMS, Service Indication, Service Loading, provisioning…
    public var contentDescription: String {
        switch contentType.mediaType {
        case "application/vnd.wap.mms-message": return "MMS PDU"
        case "application/vnd.wap.sic", "text/vnd.wap.si": return "WAP Service Indication (SI)"
        case "application/vnd.wap.slc", "text/vnd.wap.sl": return "WAP Service Loading (SL)"
        case "application/vnd.wap.connectivity-wbxml", "text/vnd.wap.connectivity-xml":
            return "OMA client provisioning"
        case "application/vnd.syncml.notification", "application/vnd.syncml.dm+wbxml": return "SyncML/OMA DM"
        default: return contentType.mediaType
        }
    }

    /// The MMS PDU inside, when the content type says so.
    public func mmsPDU() throws(PDUError) -> MMSPDU? {
        guard isMMS else { return nil }
        return try MMSPDU.decode(data)
    }

    public static func decode(_ bytes: [UInt8]) throws(PDUError) -> WAPPush {
        try decode(bytes[...])
    }

    public static func decode(_ bytes: ArraySlice<UInt8>) throws(PDUError) -> WAPPush {
        var reader = WSPReader(bytes, field: "WSP TID")
        let tid = try reader.readByte()
        reader.field = "WSP PDU type"
        let type = try reader.readByte()
        guard type == 0x06 || type == 0x07 else {
            throw reader.error(.notThisKind("WSP PDU type 0x\(hex(type)) is not Push (0x06)"), at: reader.position - 1)
        }
        reader.field = "WSP HeadersLen"
        let length = Int(try reader.readUintvar())
        var headers = try reader.subReader(length: length, field: "WSP push Content-Type")
        let contentType = try ContentType.decode(from: &headers)
        headers.field = "WSP push headers"
        var list: [Header] = []
        while !headers.isAtEnd {
            let first = try headers.peek()
            if first >= 0x80 {
                let code = try headers.readShortInteger()
                headers.field = "WSP push \(WSPTables.headerFieldName(code))"
                list.append(Header(name: .wellKnown(code), value: Array(try headers.readRawValue())))
            } else if first >= 0x20 {
                let name = textString(try headers.readTextString())
                list.append(Header(name: .text(name), value: Array(try headers.readTextString(lenientEnd: true))))
            } else if first == 0 {
                _ = try headers.readByte()
            } else {
                throw headers.error(.invalid("push header starts with 0x\(hex(first))"))
            }
        }
        return WAPPush(
            transactionID: tid, pduType: type, contentType: contentType, headers: list, data: reader.readRest())
    }

    public func encode() -> [UInt8] {
        var headerBytes = WSPWriter(capacity: 64)
        contentType.encode(into: &headerBytes)
        for header in headers {
            switch header.name {
            case .wellKnown(let code): headerBytes.writeShortInteger(code)
            case .text(let name): headerBytes.writeTextString(name)
            }
            headerBytes.append(contentsOf: header.value)
            if case .text = header.name { headerBytes.append(0) }
        }
        var writer = WSPWriter(capacity: headerBytes.bytes.count + data.count + 8)
        writer.append(transactionID)
        writer.append(pduType)
        writer.writeUintvar(UInt32(headerBytes.bytes.count))
        writer.append(contentsOf: headerBytes.bytes)
        writer.append(contentsOf: data)
        return writer.bytes
    }

    /// An MMS push as MMSCs send it: application id mms.ua, Push-Flag "trusted, last".
    public static func mms(_ pdu: MMSPDU, transactionID: UInt8 = 0) -> WAPPush {
        WAPPush(
            transactionID: transactionID, contentType: ContentType(media: .wellKnown(0x3E)),
            headers: [Header(name: .wellKnown(0x2F), value: [0x84]), Header(name: .wellKnown(0x34), value: [0x86])],
            data: pdu.encode()[...])
    }

    /// The push as the network delivers it: one 8-bit SMS-DELIVER per segment of `userDataSegments`.
    public func deliverPDUs(
        reference: UInt16, smsc: SMSAddress?, originator: SMSAddress, timestamp: SMSTimestamp
    ) throws(PDUError) -> [SMSPDU] {
        try userDataSegments(reference: reference).map { segment in
            SMSPDU(
                smsc: smsc,
                tpdu: .deliver(
                    SMSDeliver(
                        originator: originator, dataCoding: .eightBit, serviceCentreTimestamp: timestamp,
                        userData: segment)))
        }
    }

    /// The most a push can carry: 255 concatenated SMS (TS 23.040 §9.2.3.24.8, an octet counts them).
    public static let maximumSegments = 255

    /// Splits the push into SMS-DELIVER user data: port IE 2948/9200, and 16-bit concatenation when
    /// it does not fit one SMS (140 octets per SMS). More than 255 parts cannot be numbered: an error.
    public func userDataSegments(reference: UInt16) throws(PDUError) -> [SMSUserData] {
        let payload = encode()
        let ports = InformationElement(identifier: 0x05, data: [0x0B, 0x84, 0x23, 0xF0])
        if payload.count <= 140 - 7 {
            return [SMSUserData(header: UserDataHeader(elements: [ports]), body: .octets(payload))]
        }
        let perPart = 140 - 13
        let total = (payload.count + perPart - 1) / perPart
        guard total <= Self.maximumSegments else {
            throw PDUError(
                .tooLarge("a push of \(payload.count) octets needs \(total) SMS; at most 255 can be concatenated"),
                at: 0, field: "UDH concatenation")
        }
        return (0..<total).map { index in
            let concat = InformationElement(
                identifier: 0x08,
                data: [
                    UInt8(reference >> 8), UInt8(reference & 0xFF), UInt8(total), UInt8(index + 1),
                ])
            let slice = Array(payload[(index * perPart)..<min(payload.count, (index + 1) * perPart)])
            return SMSUserData(header: UserDataHeader(elements: [concat, ports]), body: .octets(slice))
        }
    }
}
