import PDU

/// The JSON document of `mmsctl decode --json` (schema "mmsctl.decode/1", described in README.md).
struct DecodeDocument: Encodable {
    var schema = "mmsctl.decode/1"
    var results: [DecodeResult]
}

struct DecodeResult: Encodable {
    var input: String
    var kind: String
    var size: Int?
    var ok: Bool
    var error: ErrorReport?
    var mms: MMSReport?
    /// SMS input: the PDUs (several when concatenated parts were reassembled).
    var sms: [SMSReport]?
    /// Reassembled text, or the state of an incomplete concatenation.
    var text: String?
    var missingParts: [Int]?
    var push: PushReport?

    enum CodingKeys: String, CodingKey {
        case input, kind, size, ok, error, mms, sms, text, missingParts = "missing_parts", push
    }
}

struct ErrorReport: Encodable {
    var message: String
    var field: String?
    var offset: Int?

    init(_ error: PDUError) {
        message = error.description
        field = error.field
        offset = error.offset
    }

    init(message: String) { self.message = message }
}

struct HeaderReport: Encodable {
    var name: String
    var value: String
}

struct TimeReport: Encodable {
    var relativeSeconds: UInt64?
    var absolute: String?
    var unix: UInt64?

    init(_ time: MMSTime) {
        switch time {
        case .relative(let seconds): relativeSeconds = seconds
        case .absolute(let seconds):
            absolute = formatUnixTime(seconds)
            unix = seconds
        }
    }

    enum CodingKeys: String, CodingKey {
        case relativeSeconds = "relative_seconds", absolute, unix
    }
}

struct MMSReport: Encodable {
    var type: String
    var version: String?
    var transactionID: String?
    var messageID: String?
    var date: String?
    var dateUnix: UInt64?
    var from: String?
    var fromInsertAddress: Bool?
    var to: [String]
    var cc: [String]
    var bcc: [String]
    var subject: String?
    var messageClass: String?
    var priority: String?
    var messageSize: UInt64?
    var expiry: TimeReport?
    var deliveryTime: TimeReport?
    var contentLocation: String?
    var status: String?
    var responseStatus: String?
    var responseText: String?
    var retrieveStatus: String?
    var retrieveText: String?
    var readStatus: String?
    var deliveryReport: Bool?
    var readReport: Bool?
    var reportAllowed: Bool?
    var contentType: String?
    var headers: [HeaderReport]
    var missingMandatory: [String]
    var parts: [PartReport]

    enum CodingKeys: String, CodingKey {
        case type, version, transactionID = "transaction_id", messageID = "message_id", date
        case dateUnix = "date_unix", from, fromInsertAddress = "from_insert_address", to, cc, bcc, subject
        case messageClass = "message_class", priority, messageSize = "message_size", expiry
        case deliveryTime = "delivery_time", contentLocation = "content_location", status
        case responseStatus = "response_status", responseText = "response_text"
        case retrieveStatus = "retrieve_status", retrieveText = "retrieve_text", readStatus = "read_status"
        case deliveryReport = "delivery_report", readReport = "read_report", reportAllowed = "report_allowed"
        case contentType = "content_type", headers, missingMandatory = "missing_mandatory", parts
    }

    init(_ pdu: MMSPDU) {
        type = pdu.messageType?.description ?? "unknown"
        version = pdu.version?.description
        transactionID = pdu.transactionID
        messageID = pdu.messageID
        if let seconds = pdu.date {
            date = formatUnixTime(seconds)
            dateUnix = seconds
        }
        if let from = pdu.from {
            self.from = from?.wireText
            fromInsertAddress = from == nil
        }
        to = pdu.to.map(\.wireText)
        cc = pdu.cc.map(\.wireText)
        bcc = pdu.bcc.map(\.wireText)
        subject = pdu.subject
        messageClass = pdu.messageClass?.description
        priority = pdu.priority?.description
        messageSize = pdu.messageSize
        expiry = pdu.expiry.map(TimeReport.init)
        deliveryTime = pdu.deliveryTime.map(TimeReport.init)
        contentLocation = pdu.contentLocation
        status = pdu.status?.description
        responseStatus = pdu.responseStatus?.description
        responseText = pdu.responseText
        retrieveStatus = pdu.retrieveStatus?.description
        retrieveText = pdu.retrieveText
        readStatus = pdu.readStatus?.description
        deliveryReport = pdu.deliveryReport
        readReport = pdu.readReport
        reportAllowed = pdu.reportAllowed
        contentType = pdu.contentType?.description
        headers = pdu.headers.map { HeaderReport(name: $0.name, value: $0.displayValue) }
        missingMandatory = pdu.missingMandatoryHeaders.map(\.name)
        parts = PartReport.list(pdu.parts, depth: 1)
    }
}

struct PartReport: Encodable {
    var index: String
    var contentType: String
    var mediaType: String
    var charset: String?
    var contentID: String?
    var contentLocation: String?
    var name: String?
    var size: Int
    var offset: Int
    var transferEncoding: String?
    var text: String?
    var parts: [PartReport]?
    var error: String?
    var savedTo: String?

    enum CodingKeys: String, CodingKey {
        case index, contentType = "content_type", mediaType = "media_type", charset
        case contentID = "content_id", contentLocation = "content_location", name, size, offset
        case transferEncoding = "transfer_encoding", text, parts, error, savedTo = "saved_to"
    }

    /// The longest text shown inline; longer texts are cut with "…".
    static let textLimit = 4096

    static func list(_ parts: [MMSPart], depth: Int, prefix: String = "") -> [PartReport] {
        parts.enumerated().map { offset, part in
            PartReport(part, index: prefix + String(offset + 1), depth: depth)
        }
    }

    init(_ part: MMSPart, index: String, depth: Int) {
        self.index = index
        contentType = part.contentType.description
        mediaType = part.contentType.mediaType
        charset = part.contentType.charset?.name
        contentID = part.contentID
        contentLocation = part.contentLocation
        name = part.suggestedName
        size = part.data.count
        offset = part.data.startIndex
        transferEncoding = part.transferEncoding
        if var text = part.text {
            if text.count > PartReport.textLimit { text = String(text.prefix(PartReport.textLimit)) + "…" }
            self.text = text
        }
        self.error = part.transferEncodingError
        do {
            if let nested = try part.subparts(depth: depth) {
                parts = PartReport.list(nested, depth: depth + 1, prefix: index + ".")
            }
        } catch {
            self.error = error.description
        }
    }

    /// Every problem of this part and the parts inside it, with the part's index.
    var problems: [String] {
        (error.map { ["part \(index): \($0)"] } ?? []) + (parts ?? []).flatMap(\.problems)
    }
}
