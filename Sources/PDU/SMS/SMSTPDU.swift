/// User data (TP-UDL, TP-UD) with its optional header (TS 23.040 §9.2.3.16, §9.2.3.24).
public struct SMSUserData: Hashable, Sendable {
    public enum Body: Hashable, Sendable {
        /// GSM 7-bit septets (header and fill excluded).
        case septets([UInt8])
        /// 8-bit or UCS2 octets (header excluded).
        case octets([UInt8])
    }

    public var header: UserDataHeader?
    public var body: Body
    /// Septets or octets that TP-UDL announced beyond the end of the PDU (only with
    /// `allowShortUserData`; 0 for a sound PDU).
    public var missingUnits: Int = 0

    public init(header: UserDataHeader? = nil, body: Body) {
        self.header = header
        self.body = body
    }

    /// Text in the best alphabet: GSM 7-bit when every character has a septet (in the national
    /// language tables the header selects, if any), UCS2 otherwise.
    public init(text: String, header: UserDataHeader? = nil) {
        if let septets = GSM7.encode(text, tables: header?.gsm7Tables ?? .default) {
            self.init(header: header, body: .septets(septets))
        } else {
            self.init(header: header, body: .octets(text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }))
        }
    }

    /// The 7-bit tables the header selects (the default ones without a header).
    public var gsm7Tables: GSM7.Tables { header?.gsm7Tables ?? .default }

    /// The DCS alphabet this body needs.
    public var alphabet: DataCodingScheme.Alphabet {
        if case .septets = body { return .gsm7 }
        return .eightBit
    }

    public var octets: [UInt8] {
        switch body {
        case .septets(let septets): return septets
        case .octets(let octets): return octets
        }
    }

    /// The text for this DCS: nil for 8-bit data and compressed text.
    public func text(dcs: DataCodingScheme) -> String? {
        if dcs.isCompressed { return nil }
        switch (body, dcs.alphabet) {
        case (.septets(let septets), _): return GSM7.decode(septets, tables: gsm7Tables)
        case (.octets(let octets), .ucs2): return Charset.decodeUTF16(octets, bigEndian: true)
        default: return nil
        }
    }

    static func decode(
        from reader: inout WSPReader, dcs: DataCodingScheme, hasHeader declaredHeader: Bool,
        allowShort: Bool
    ) throws(PDUError) -> SMSUserData {
        reader.field = "TP-UDL"
        let udlOffset = reader.position
        var udl = Int(try reader.readByte())
        // TP-UDHI with no user data at all (seen in a phone's stored SUBMIT): there is no header.
        let hasHeader = declaredHeader && udl > 0
        reader.field = "TP-UD"
        var missing = 0
        if dcs.alphabet == .gsm7 && !dcs.isCompressed {
            var needed = (udl * 7 + 7) / 8
            if needed > reader.remaining {
                let available = reader.remaining * 8 / 7
                guard allowShort else {
                    throw PDUError(.lengthOverrun(declared: udl, available: available), at: udlOffset, field: "TP-UDL")
                }
                missing = udl - available
                udl = available
                needed = reader.remaining
            }
            let octets = try reader.readBytes(needed)
            var skip = 0
            var header: UserDataHeader?
            if hasHeader, let udhl = octets.first {
                header = try UserDataHeader.decode(from: octets)
                skip = GSM7.headerSeptets(forHeaderOctets: Int(udhl) + 1)
                guard skip <= udl else {
                    throw PDUError(
                        .lengthOverrun(declared: Int(udhl) + 1, available: needed), at: octets.startIndex,
                        field: "UDH")
                }
            }
            let septets = GSM7.unpack(octets, count: udl)
            var data = SMSUserData(header: header, body: .septets(Array(septets.dropFirst(skip))))
            data.missingUnits = missing
            return data
        }
        if udl > reader.remaining {
            guard allowShort else {
                throw PDUError(
                    .lengthOverrun(declared: udl, available: reader.remaining), at: udlOffset, field: "TP-UDL")
            }
            missing = udl - reader.remaining
            udl = reader.remaining
        }
        let octets = try reader.readBytes(udl)
        var data: SMSUserData
        if hasHeader, let udhl = octets.first {
            let header = try UserDataHeader.decode(from: octets)
            data = SMSUserData(header: header, body: .octets(Array(octets.dropFirst(Int(udhl) + 1))))
        } else {
            data = SMSUserData(body: .octets(Array(octets)))
        }
        data.missingUnits = missing
        return data
    }

    func encode(into writer: inout WSPWriter) {
        var headerBytes = WSPWriter(capacity: 16)
        header?.encode(into: &headerBytes)
        switch body {
        case .septets(let septets):
            let headerSeptets = header == nil ? 0 : GSM7.headerSeptets(forHeaderOctets: headerBytes.bytes.count)
            let fill = headerSeptets * 7 - headerBytes.bytes.count * 8
            writer.append(UInt8(truncatingIfNeeded: headerSeptets + septets.count))
            writer.append(contentsOf: headerBytes.bytes)
            writer.append(contentsOf: GSM7.pack(septets, fillBits: fill))
        case .octets(let octets):
            writer.append(UInt8(truncatingIfNeeded: headerBytes.bytes.count + octets.count))
            writer.append(contentsOf: headerBytes.bytes)
            writer.append(contentsOf: octets)
        }
    }
}

/// SMS-DELIVER (TS 23.040 §9.2.2.1): a message from the service centre to the phone.
public struct SMSDeliver: Hashable, Sendable {
    public var moreMessagesToSend: Bool
    public var loopPrevention: Bool
    public var replyPath: Bool
    public var statusReportIndication: Bool
    public var originator: SMSAddress
    public var protocolIdentifier: UInt8
    public var dataCoding: DataCodingScheme
    public var serviceCentreTimestamp: SMSTimestamp
    public var userData: SMSUserData

    public init(
        originator: SMSAddress, protocolIdentifier: UInt8 = 0, dataCoding: DataCodingScheme,
        serviceCentreTimestamp: SMSTimestamp, userData: SMSUserData, moreMessagesToSend: Bool = false,
        replyPath: Bool = false, statusReportIndication: Bool = false, loopPrevention: Bool = false
    ) {
        self.originator = originator
        self.protocolIdentifier = protocolIdentifier
        self.dataCoding = dataCoding
        self.serviceCentreTimestamp = serviceCentreTimestamp
        self.userData = userData
        self.moreMessagesToSend = moreMessagesToSend
        self.replyPath = replyPath
        self.statusReportIndication = statusReportIndication
        self.loopPrevention = loopPrevention
    }

    public var text: String? { userData.text(dcs: dataCoding) }
}

/// SMS-SUBMIT (TS 23.040 §9.2.2.2): a message from the phone to the service centre.
public struct SMSSubmit: Hashable, Sendable {
    public var rejectDuplicates: Bool
    public var replyPath: Bool
    public var statusReportRequest: Bool
    public var messageReference: UInt8
    public var destination: SMSAddress
    public var protocolIdentifier: UInt8
    public var dataCoding: DataCodingScheme
    public var validityPeriod: ValidityPeriod?
    public var userData: SMSUserData

    public init(
        destination: SMSAddress, userData: SMSUserData, dataCoding: DataCodingScheme? = nil,
        messageReference: UInt8 = 0, protocolIdentifier: UInt8 = 0, validityPeriod: ValidityPeriod? = nil,
        statusReportRequest: Bool = false, rejectDuplicates: Bool = false, replyPath: Bool = false
    ) {
        self.destination = destination
        self.userData = userData
        self.dataCoding = dataCoding ?? (userData.alphabet == .gsm7 ? .gsm7 : .ucs2)
        self.messageReference = messageReference
        self.protocolIdentifier = protocolIdentifier
        self.validityPeriod = validityPeriod
        self.statusReportRequest = statusReportRequest
        self.rejectDuplicates = rejectDuplicates
        self.replyPath = replyPath
    }

    public var text: String? { userData.text(dcs: dataCoding) }
}

/// SMS-STATUS-REPORT (TS 23.040 §9.2.2.3): the fate of a message sent with a report requested.
public struct SMSStatusReport: Hashable, Sendable {
    public var moreMessagesToSend: Bool
    public var statusReportQualifier: Bool
    public var messageReference: UInt8
    public var recipient: SMSAddress
    public var serviceCentreTimestamp: SMSTimestamp
    public var dischargeTime: SMSTimestamp
    /// TP-ST (§9.2.3.15): 0x00–0x1F completed, 0x20–0x3F still trying, 0x40–0x7F failed.
    public var status: UInt8
    public var protocolIdentifier: UInt8?
    public var dataCoding: DataCodingScheme?
    public var userData: SMSUserData?

    public init(
        messageReference: UInt8, recipient: SMSAddress, serviceCentreTimestamp: SMSTimestamp,
        dischargeTime: SMSTimestamp, status: UInt8, moreMessagesToSend: Bool = false,
        statusReportQualifier: Bool = false
    ) {
        self.messageReference = messageReference
        self.recipient = recipient
        self.serviceCentreTimestamp = serviceCentreTimestamp
        self.dischargeTime = dischargeTime
        self.status = status
        self.moreMessagesToSend = moreMessagesToSend
        self.statusReportQualifier = statusReportQualifier
    }

    public var delivered: Bool { status < 0x20 }
    public var statusDescription: String {
        switch status {
        case 0x00: return "received by the recipient"
        case 0x01: return "forwarded, delivery unconfirmed"
        case 0x02: return "replaced"
        case 0x00...0x1F: return "completed (SC-specific 0x\(hex(status)))"
        case 0x20...0x3F: return "pending: the service centre is still trying (0x\(hex(status)))"
        case 0x40...0x7F: return "failed (0x\(hex(status)))"
        default: return "reserved (0x\(hex(status)))"
        }
    }
}

/// The TPDU kinds mmsctl meets in modem storage and URCs.
public enum SMSTPDU: Hashable, Sendable {
    case deliver(SMSDeliver)
    case submit(SMSSubmit)
    case statusReport(SMSStatusReport)

    public var kind: String {
        switch self {
        case .deliver: return "SMS-DELIVER"
        case .submit: return "SMS-SUBMIT"
        case .statusReport: return "SMS-STATUS-REPORT"
        }
    }

    public var userData: SMSUserData? {
        switch self {
        case .deliver(let deliver): return deliver.userData
        case .submit(let submit): return submit.userData
        case .statusReport(let report): return report.userData
        }
    }
}

/// An SMS PDU as a modem gives it in PDU mode (TS 27.005 §3.1): the SMSC address, then the TPDU.
public struct SMSPDU: Hashable, Sendable {
    /// The service centre, nil when the SMSC field is `00` or absent.
    public var smsc: SMSAddress?
    /// Whether the PDU carries the SMSC field at all (modems do; bare TPDUs do not).
    public var hasSMSCField: Bool
    public var tpdu: SMSTPDU

    public init(smsc: SMSAddress? = nil, hasSMSCField: Bool = true, tpdu: SMSTPDU) {
        self.smsc = smsc
        self.hasSMSCField = hasSMSCField
        self.tpdu = tpdu
    }

    /// Octets of the TPDU alone (what +CMGS and +CMGL count as `<length>`).
    public var tpduLength: Int {
        var copy = self
        copy.hasSMSCField = false
        return copy.encode().count
    }

    /// Decodes hex as copied from a modem log (white space ignored).
    public static func decode(hex: String, smscField: Bool = true, allowShortUserData: Bool = false) throws(PDUError)
        -> SMSPDU
    {
        try decode(SMSHex.bytes(hex), smscField: smscField, allowShortUserData: allowShortUserData)
    }

    /// Decodes a PDU; with `smscField` the first octets are the SMSC address (as +CMGR, +CMGL, +CMT give).
    /// A TP-UDL that announces more than the PDU holds is an error, unless `allowShortUserData` asks for
    /// the lenient reading: what is there is decoded and `SMSUserData.missingUnits` says how much is missing.
    public static func decode(
        _ bytes: [UInt8], smscField: Bool = true,
        allowShortUserData: Bool = false
    ) throws(PDUError) -> SMSPDU {
        var reader = WSPReader(bytes, field: "SMSC address")
        let smsc = smscField ? try SMSAddress.decodeSMSC(from: &reader) : nil
        reader.field = "first octet"
        let first = try reader.readByte()
        let tpdu: SMSTPDU
        switch first & 0x03 {
        case 0x00: tpdu = .deliver(try decodeDeliver(first: first, from: &reader, allowShort: allowShortUserData))
        case 0x01: tpdu = .submit(try decodeSubmit(first: first, from: &reader, allowShort: allowShortUserData))
        case 0x02:
            tpdu = .statusReport(try decodeStatusReport(first: first, from: &reader, allowShort: allowShortUserData))
        default:
            throw reader.error(.invalid("TP-MTI 3 is reserved: not an SMS TPDU"), at: reader.position - 1)
        }
        return SMSPDU(smsc: smsc, hasSMSCField: smscField, tpdu: tpdu)
    }

    /// Decodes with the TPDU length a modem reported (+CMGR/+CMGL/+CMT `<length>`): tells whether
    /// the SMSC field is present and checks the length.
    public static func decode(_ bytes: [UInt8], tpduLength: Int, allowShortUserData: Bool = false) throws(PDUError)
        -> SMSPDU
    {
        if bytes.count == tpduLength {
            return try decode(bytes, smscField: false, allowShortUserData: allowShortUserData)
        }
        let smscLength = Int(bytes.first ?? 0) + 1
        guard bytes.count - smscLength == tpduLength else {
            throw PDUError(
                .invalid("the modem reported \(tpduLength) TPDU octets but the PDU holds \(bytes.count - smscLength)"),
                at: 0, field: "length")
        }
        return try decode(bytes, smscField: true, allowShortUserData: allowShortUserData)
    }

    static func decodeDeliver(first: UInt8, from reader: inout WSPReader, allowShort: Bool) throws(PDUError)
        -> SMSDeliver
    {
        reader.field = "TP-OA"
        let originator = try SMSAddress.decodeTP(from: &reader)
        reader.field = "TP-PID"
        let pid = try reader.readByte()
        reader.field = "TP-DCS"
        let dcs = DataCodingScheme(rawValue: try reader.readByte())
        reader.field = "TP-SCTS"
        let scts = try SMSTimestamp.decode(from: &reader)
        let userData = try SMSUserData.decode(
            from: &reader, dcs: dcs, hasHeader: first & 0x40 != 0, allowShort: allowShort)
        return SMSDeliver(
            originator: originator, protocolIdentifier: pid, dataCoding: dcs, serviceCentreTimestamp: scts,
            userData: userData, moreMessagesToSend: first & 0x04 == 0, replyPath: first & 0x80 != 0,
            statusReportIndication: first & 0x20 != 0, loopPrevention: first & 0x08 != 0)
    }

    static func decodeSubmit(first: UInt8, from reader: inout WSPReader, allowShort: Bool) throws(PDUError) -> SMSSubmit
    {
        reader.field = "TP-MR"
        let reference = try reader.readByte()
        reader.field = "TP-DA"
        let destination = try SMSAddress.decodeTP(from: &reader)
        reader.field = "TP-PID"
        let pid = try reader.readByte()
        reader.field = "TP-DCS"
        let dcs = DataCodingScheme(rawValue: try reader.readByte())
        reader.field = "TP-VP"
        let validity: ValidityPeriod?
        switch (first >> 3) & 0x03 {
        case 0b10: validity = .relative(try reader.readByte())
        case 0b11: validity = .absolute(try SMSTimestamp.decode(from: &reader))
        case 0b01: validity = .enhanced(Array(try reader.readBytes(7)))
        default: validity = nil
        }
        let userData = try SMSUserData.decode(
            from: &reader, dcs: dcs, hasHeader: first & 0x40 != 0, allowShort: allowShort)
        return SMSSubmit(
            destination: destination, userData: userData, dataCoding: dcs, messageReference: reference,
            protocolIdentifier: pid, validityPeriod: validity, statusReportRequest: first & 0x20 != 0,
            rejectDuplicates: first & 0x04 != 0, replyPath: first & 0x80 != 0)
    }

    static func decodeStatusReport(first: UInt8, from reader: inout WSPReader, allowShort: Bool) throws(PDUError)
        -> SMSStatusReport
    {
        reader.field = "TP-MR"
        let reference = try reader.readByte()
        reader.field = "TP-RA"
        let recipient = try SMSAddress.decodeTP(from: &reader)
        reader.field = "TP-SCTS"
        let scts = try SMSTimestamp.decode(from: &reader)
        reader.field = "TP-DT"
        let discharge = try SMSTimestamp.decode(from: &reader)
        reader.field = "TP-ST"
        let status = try reader.readByte()
        var report = SMSStatusReport(
            messageReference: reference, recipient: recipient, serviceCentreTimestamp: scts,
            dischargeTime: discharge, status: status, moreMessagesToSend: first & 0x04 == 0,
            statusReportQualifier: first & 0x20 != 0)
        // The TP-PI block is optional (ofono); 0xFF filler from SIM storage is not a PI.
        guard !reader.isAtEnd, let indicator = try? reader.peek(), indicator != 0xFF, indicator & 0x78 == 0 else {
            return report
        }
        reader.field = "TP-PI"
        _ = try reader.readByte()
        if indicator & 0x01 != 0 {
            reader.field = "TP-PID"
            report.protocolIdentifier = try reader.readByte()
        }
        if indicator & 0x02 != 0 {
            reader.field = "TP-DCS"
            report.dataCoding = DataCodingScheme(rawValue: try reader.readByte())
        }
        if indicator & 0x04 != 0 {
            report.userData = try SMSUserData.decode(
                from: &reader, dcs: report.dataCoding ?? .gsm7,
                hasHeader: first & 0x40 != 0, allowShort: allowShort)
        }
        return report
    }

    public func encode() -> [UInt8] {
        var writer = WSPWriter(capacity: 180)
        if hasSMSCField { SMSAddress.encodeSMSC(smsc, into: &writer) }
        switch tpdu {
        case .deliver(let deliver):
            var first: UInt8 = 0x00
            if !deliver.moreMessagesToSend { first |= 0x04 }
            if deliver.loopPrevention { first |= 0x08 }
            if deliver.statusReportIndication { first |= 0x20 }
            if deliver.userData.header != nil { first |= 0x40 }
            if deliver.replyPath { first |= 0x80 }
            writer.append(first)
            deliver.originator.encodeTP(into: &writer)
            writer.append(deliver.protocolIdentifier)
            writer.append(deliver.dataCoding.rawValue)
            deliver.serviceCentreTimestamp.encode(into: &writer)
            deliver.userData.encode(into: &writer)
        case .submit(let submit):
            var first: UInt8 = 0x01
            if submit.rejectDuplicates { first |= 0x04 }
            switch submit.validityPeriod {
            case .relative?: first |= 0x10
            case .absolute?: first |= 0x18
            case .enhanced?: first |= 0x08
            case nil: break
            }
            if submit.statusReportRequest { first |= 0x20 }
            if submit.userData.header != nil { first |= 0x40 }
            if submit.replyPath { first |= 0x80 }
            writer.append(first)
            writer.append(submit.messageReference)
            submit.destination.encodeTP(into: &writer)
            writer.append(submit.protocolIdentifier)
            writer.append(submit.dataCoding.rawValue)
            switch submit.validityPeriod {
            case .relative(let value)?: writer.append(value)
            case .absolute(let stamp)?: stamp.encode(into: &writer)
            case .enhanced(let octets)?:
                writer.append(contentsOf: octets.prefix(7) + Array(repeating: 0, count: max(0, 7 - octets.count)))
            case nil: break
            }
            submit.userData.encode(into: &writer)
        case .statusReport(let report):
            var first: UInt8 = 0x02
            if !report.moreMessagesToSend { first |= 0x04 }
            if report.statusReportQualifier { first |= 0x20 }
            if report.userData?.header != nil { first |= 0x40 }
            writer.append(first)
            writer.append(report.messageReference)
            report.recipient.encodeTP(into: &writer)
            report.serviceCentreTimestamp.encode(into: &writer)
            report.dischargeTime.encode(into: &writer)
            writer.append(report.status)
            var indicator: UInt8 = 0
            if report.protocolIdentifier != nil { indicator |= 0x01 }
            if report.dataCoding != nil { indicator |= 0x02 }
            if report.userData != nil { indicator |= 0x04 }
            if indicator != 0 {
                writer.append(indicator)
                if let pid = report.protocolIdentifier { writer.append(pid) }
                if let dcs = report.dataCoding { writer.append(dcs.rawValue) }
                report.userData?.encode(into: &writer)
            }
        }
        return writer.bytes
    }

    public var hex: String { hexString(encode()) }

    /// Checks the limits of TS 23.040 that `encode()` cannot express: addresses of at most 20 digits
    /// (alphanumeric: 11 characters), user data of at most 140 octets (160 septets) with its header,
    /// header elements of at most 255 octets, time stamps in range. `encode()` never traps, but a PDU
    /// that fails this would go out truncated: `encodeChecked()` refuses it instead.
    public func validate() throws(PDUError) {
        func address(_ address: SMSAddress, _ field: String) throws(PDUError) {
            if address.numberType == .alphanumeric {
                guard address.value.count <= 11 else {
                    throw PDUError(.tooLarge("\(address.value.count) characters; at most 11"), at: 0, field: field)
                }
            } else {
                let digits = address.value.filter { $0 != "+" }
                guard digits.count <= 20 else {
                    throw PDUError(.tooLarge("\(digits.count) digits; at most 20"), at: 0, field: field)
                }
            }
        }
        if let smsc { try address(smsc, "SMSC address") }
        var userData: SMSUserData?
        var stamps: [SMSTimestamp] = []
        switch tpdu {
        case .deliver(let deliver):
            try address(deliver.originator, "TP-OA")
            userData = deliver.userData
            stamps.append(deliver.serviceCentreTimestamp)
        case .submit(let submit):
            try address(submit.destination, "TP-DA")
            userData = submit.userData
        case .statusReport(let report):
            try address(report.recipient, "TP-RA")
        }
        for stamp in stamps {
            guard (1...12).contains(stamp.month), (1...31).contains(stamp.day), (0...23).contains(stamp.hour),
                (0...59).contains(stamp.minute), (0...59).contains(stamp.second),
                (-79...79).contains(stamp.quarterHours)
            else { throw PDUError(.invalid("time stamp \(stamp) out of range"), at: 0, field: "TP-SCTS") }
        }
        guard let userData else { return }
        for element in userData.header?.elements ?? [] where element.data.count > 255 {
            throw PDUError(
                .tooLarge("element 0x\(PDU.hex(element.identifier)) of \(element.data.count) octets; at most 255"),
                at: 0,
                field: "TP-UD header")
        }
        let headerOctets = userData.header.map { $0.encodedLength } ?? 0
        switch userData.body {
        case .septets(let septets):
            let headerSeptets = (headerOctets * 8 + 6) / 7
            guard headerSeptets + septets.count <= 160 else {
                throw PDUError(
                    .tooLarge("\(headerSeptets + septets.count) septets of user data; at most 160"), at: 0,
                    field: "TP-UDL")
            }
        case .octets(let octets):
            guard headerOctets + octets.count <= 140 else {
                throw PDUError(
                    .tooLarge("\(headerOctets + octets.count) octets of user data; at most 140"), at: 0, field: "TP-UDL"
                )
            }
        }
    }

    /// `encode()`, after `validate()`.
    public func encodeChecked() throws(PDUError) -> [UInt8] {
        try validate()
        return encode()
    }
}

/// Hex as modems print it.
public enum SMSHex {
    /// Octets from hex digits; white space is ignored, anything else is an error naming its position.
    public static func bytes(_ text: String) throws(PDUError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        var position = 0
        for char in text.utf8 {
            defer { position += 1 }
            let value: UInt8
            switch char {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = char - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = char - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = char - UInt8(ascii: "A") + 10
            case 0x20, 0x09, 0x0A, 0x0D: continue
            default:
                // Name the character as typed (a whole UTF-8 sequence, not its first byte), and where.
                let before = String(decoding: text.utf8.prefix(position), as: UTF8.self)
                let character = text[text.index(text.startIndex, offsetBy: before.count)]
                let code = character.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }
                    .joined(separator: " ")
                throw PDUError(
                    .invalid(
                        "'\(character)' (\(code)) at character \(before.count + 1) is not a hex digit"),
                    at: position, field: "hex input")
            }
            if let pending = high {
                out.append(pending << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        guard high == nil else {
            throw PDUError(.invalid("odd number of hex digits"), at: position, field: "hex input")
        }
        return out
    }
}
