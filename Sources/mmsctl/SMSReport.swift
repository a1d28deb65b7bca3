import PDU

/// One SMS PDU in `mmsctl decode --sms --json` (schema mmsctl.decode/1, see README).
struct SMSReport: Encodable {
    struct Element: Encodable {
        var iei: Int
        var data: String
    }
    struct Concat: Encodable {
        var reference: Int
        var total: Int
        var sequence: Int
        var referenceBits: Int
        enum CodingKeys: String, CodingKey { case reference, total, sequence, referenceBits = "reference_bits" }
    }
    struct Language: Encodable {
        var locking: String?
        var singleShift: String?
        /// Languages whose table mmsctl lacks; the default alphabet was used for them.
        var unsupported: [String]?
        enum CodingKeys: String, CodingKey { case locking, singleShift = "single_shift", unsupported }
    }
    struct DCS: Encodable {
        var value: Int
        var alphabet: String
        var messageClass: Int?
        var compressed: Bool
        enum CodingKeys: String, CodingKey { case value, alphabet, messageClass = "class", compressed }
    }

    var type: String
    var smsc: String?
    var originator: String?
    var destination: String?
    var recipient: String?
    var addressType: Int?
    var pid: Int?
    var dcs: DCS?
    var timestamp: String?
    var timestampUnix: Int64?
    var dischargeTime: String?
    var status: Int?
    var statusText: String?
    var messageReference: Int?
    var validity: String?
    var udh: [Element]?
    var concatenation: Concat?
    var nationalLanguage: Language?
    var destinationPort: Int?
    var originatorPort: Int?
    var text: String?
    var userDataHex: String?
    var userDataMissing: Int?
    var tpduLength: Int

    enum CodingKeys: String, CodingKey {
        case type, smsc, originator, destination, recipient, addressType = "address_type", pid, dcs, timestamp
        case timestampUnix = "timestamp_unix", dischargeTime = "discharge_time", status, statusText = "status_text"
        case messageReference = "message_reference", validity, udh, concatenation
        case nationalLanguage = "national_language"
        case destinationPort = "destination_port", originatorPort = "originator_port", text
        case userDataHex = "user_data_hex", userDataMissing = "user_data_missing", tpduLength = "tpdu_length"
    }

    init(_ pdu: SMSPDU) {
        type = pdu.tpdu.kind
        smsc = pdu.smsc?.description
        tpduLength = pdu.tpduLength
        var userData: SMSUserData?
        var dataCoding: DataCodingScheme?
        switch pdu.tpdu {
        case .deliver(let deliver):
            originator = deliver.originator.description
            addressType = Int(deliver.originator.typeOfAddress)
            pid = Int(deliver.protocolIdentifier)
            dataCoding = deliver.dataCoding
            timestamp = deliver.serviceCentreTimestamp.description
            timestampUnix = deliver.serviceCentreTimestamp.unixTime
            userData = deliver.userData
        case .submit(let submit):
            destination = submit.destination.description
            addressType = Int(submit.destination.typeOfAddress)
            pid = Int(submit.protocolIdentifier)
            messageReference = Int(submit.messageReference)
            dataCoding = submit.dataCoding
            switch submit.validityPeriod {
            case .relative(let value)?: validity = "\(ValidityPeriod.seconds(relative: value)) s"
            case .absolute(let stamp)?: validity = stamp.description
            case .enhanced(let octets)?: validity = "enhanced 0x" + hexString(octets)
            case nil: break
            }
            userData = submit.userData
        case .statusReport(let report):
            recipient = report.recipient.description
            addressType = Int(report.recipient.typeOfAddress)
            messageReference = Int(report.messageReference)
            timestamp = report.serviceCentreTimestamp.description
            timestampUnix = report.serviceCentreTimestamp.unixTime
            dischargeTime = report.dischargeTime.description
            status = Int(report.status)
            statusText = report.statusDescription
            pid = report.protocolIdentifier.map(Int.init)
            dataCoding = report.dataCoding
            userData = report.userData
        }
        if let dataCoding {
            dcs = DCS(
                value: Int(dataCoding.rawValue), alphabet: dataCoding.alphabet.rawValue,
                messageClass: dataCoding.messageClass, compressed: dataCoding.isCompressed)
        }
        if let userData {
            udh = userData.header?.elements.map { Element(iei: Int($0.identifier), data: hexString($0.data)) }
            if let concat = userData.header?.concatenation {
                concatenation = Concat(
                    reference: Int(concat.reference), total: Int(concat.total),
                    sequence: Int(concat.sequence), referenceBits: concat.sixteenBit ? 16 : 8)
            }
            let tables = userData.gsm7Tables
            if tables != .default {
                let unsupported = tables.unsupported.map(\.name)
                nationalLanguage = Language(
                    locking: tables.locking?.name, singleShift: tables.singleShift?.name,
                    unsupported: unsupported.isEmpty ? nil : unsupported)
            }
            if let ports = userData.header?.ports {
                destinationPort = Int(ports.destination)
                originatorPort = Int(ports.originator)
            }
            text = userData.text(dcs: dataCoding ?? .gsm7)
            if text == nil { userDataHex = hexString(userData.octets) }
            if userData.missingUnits > 0 { userDataMissing = userData.missingUnits }
        }
    }
}

/// A WAP push found in SMS user data.
struct PushReport: Encodable {
    var transactionID: Int
    var contentType: String
    var applicationID: String?
    var content: String
    var headers: [HeaderReport]
    var size: Int

    enum CodingKeys: String, CodingKey {
        case transactionID = "transaction_id", contentType = "content_type", applicationID = "application_id"
        case content, headers, size
    }

    init(_ push: WAPPush) {
        transactionID = Int(push.transactionID)
        contentType = push.contentType.description
        applicationID = push.applicationID
        content = push.contentDescription
        headers = push.headers.map { HeaderReport(name: $0.nameText, value: "0x" + hexString($0.value)) }
        size = push.data.count
    }
}
