/// Constructors for the PDUs a client sends (ENC §6.1, §6.2, §6.4), with ENC's mandatory headers.
extension MMSPDU {
    /// M-NotifyResp.ind answering a notification (ENC §6.2): echoes the Transaction-Id octets.
    public static func notifyResp(
        transactionID: [UInt8], status: MMSStatus, reportAllowed: Bool? = nil,
        version: MMSVersion = .v1_0
    ) -> MMSPDU {
        var headers: [MMSHeader] = [
            .field(.messageType, .octet(MMSMessageType.notifyRespInd.rawValue)),
            .field(.transactionID, .text(transactionID)),
            .field(.mmsVersion, .octet(version.octet)),
            .field(.status, .octet(status.rawValue)),
        ]
        if let reportAllowed { headers.append(.field(.reportAllowed, .octet(reportAllowed ? 0x80 : 0x81))) }
        return MMSPDU(headers: headers)
    }

    /// M-Acknowledge.ind after a deferred retrieval (ENC §6.4).
    public static func acknowledge(
        transactionID: [UInt8], reportAllowed: Bool? = nil,
        version: MMSVersion = .v1_0
    ) -> MMSPDU {
        var headers: [MMSHeader] = [
            .field(.messageType, .octet(MMSMessageType.acknowledgeInd.rawValue)),
            .field(.transactionID, .text(transactionID)),
            .field(.mmsVersion, .octet(version.octet)),
        ]
        if let reportAllowed { headers.append(.field(.reportAllowed, .octet(reportAllowed ? 0x80 : 0x81))) }
        return MMSPDU(headers: headers)
    }

    /// M-Send.req (ENC §6.1) with From = Insert-address-token, one header per recipient, and the parts in
    /// multipart.related with a SMIL root when `smil` is given, multipart.mixed otherwise.
    public static func sendRequest(
        transactionID: String, to: [MMSAddress], cc: [MMSAddress] = [],
        bcc: [MMSAddress] = [], subject: String? = nil, parts: [MMSPart],
        smil: MMSPart? = nil, deliveryReport: Bool? = nil, readReport: Bool? = nil,
        expiry: MMSTime? = nil, messageClass: MMSMessageClass? = nil,
        priority: MMSPriority? = nil, date: UInt64? = nil,
        version: MMSVersion = .v1_2
    ) -> MMSPDU {
        var headers: [MMSHeader] = []
        if let date { headers.append(.field(.date, .integer(date))) }
        headers.append(.field(.from, .from(nil)))
        for address in to { headers.append(.field(.to, .encodedString(EncodedString(address.wireText)))) }
        for address in cc { headers.append(.field(.cc, .encodedString(EncodedString(address.wireText)))) }
        for address in bcc { headers.append(.field(.bcc, .encodedString(EncodedString(address.wireText)))) }
        if let subject { headers.append(.field(.subject, .encodedString(EncodedString(subject)))) }
        if let messageClass {
            if let octet = messageClass.octet {
                headers.append(.field(.messageClass, .octet(octet)))
            } else {
                headers.append(.field(.messageClass, .text(Array(messageClass.description.utf8))))
            }
        }
        if let priority { headers.append(.field(.priority, .octet(priority.rawValue))) }
        if let expiry { headers.append(.field(.expiry, .time(expiry))) }
        if let deliveryReport { headers.append(.field(.deliveryReport, .octet(deliveryReport ? 0x80 : 0x81))) }
        if let readReport { headers.append(.field(.readReport, .octet(readReport ? 0x80 : 0x81))) }
        let allParts: [MMSPart]
        let contentType: ContentType
        if let smil {
            allParts = [smil] + parts
            var params: [ContentType.Parameter] = [
                .init(name: .wellKnown(0x09), value: .text(smil.contentType.mediaType))
            ]
            if let id = smil.contentID { params.append(.init(name: .wellKnown(0x0A), value: .text(id))) }
            contentType = ContentType(media: .wellKnown(0x33), parameters: params)
        } else {
            allParts = parts
            contentType = ContentType(media: .wellKnown(0x23))
        }
        headers.append(.field(.contentType, .contentType(contentType)))
        return MMSPDU(
            type: .sendReq, transactionID: transactionID, version: version, headers: headers,
            body: .multipart(allParts))
    }
}

/// SMIL presentation for an outgoing message (OMA-MMS-CONF §8): one slide per media part, text beside it.
public enum SMIL {
    /// A SMIL document with an Image and a Text region; each slide shows one visual or audio part and the
    /// text that follows it. Parts are referenced by Content-Location.
    public static func compose(parts: [MMSPart], slideDuration: Int = 5000) -> String {
        var slides: [[MMSPart]] = []
        var current: [MMSPart] = []
        for part in parts {
            let isText = part.contentType.mediaType.hasPrefix("text/")
            if !isText, current.contains(where: { !$0.contentType.mediaType.hasPrefix("text/") }) {
                slides.append(current)
                current = []
            }
            current.append(part)
        }
        if !current.isEmpty { slides.append(current) }
        var body = ""
        for slide in slides {
            body += "<par dur=\"\(slideDuration)ms\">"
            for part in slide {
                let source = escape(part.contentLocation ?? part.contentID ?? "part")
                let type = part.contentType.mediaType
                if type.hasPrefix("image/") {
                    body += "<img src=\"\(source)\" region=\"Image\"/>"
                } else if type.hasPrefix("text/") {
                    body += "<text src=\"\(source)\" region=\"Text\"/>"
                } else if type.hasPrefix("audio/") {
                    body += "<audio src=\"\(source)\"/>"
                } else if type.hasPrefix("video/") {
                    body += "<video src=\"\(source)\" region=\"Image\"/>"
                } else {
                    body += "<ref src=\"\(source)\"/>"
                }
            }
            body += "</par>"
        }
        return "<smil><head><layout><root-layout width=\"100%\" height=\"100%\"/>"
            + "<region id=\"Image\" top=\"0\" left=\"0\" height=\"70%\" width=\"100%\" fit=\"meet\"/>"
            + "<region id=\"Text\" top=\"70%\" left=\"0\" height=\"30%\" width=\"100%\" fit=\"scroll\"/>"
            + "</layout></head><body>\(body)</body></smil>"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for char in text {
            switch char {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(char)
            }
        }
        return out
    }
}
