import Foundation
import PDU

/// Why a message cannot be composed: each names what is wrong, before anything is sent.
public enum ComposeError: Error, Sendable, Hashable, CustomStringConvertible {
    case noRecipients
    case invalidRecipient(String, reason: String)
    case empty
    case unreadable(String, reason: String)
    case unknownType(String)
    case unsupportedType(String, mediaType: String)
    case tooLarge(size: Int, limit: Int, detail: String)
    case resizeFailed(String, reason: String)

    public var description: String {
        switch self {
        case .noRecipients: return "no recipient: give --to (and --cc, --bcc)"
        case .invalidRecipient(let text, let reason): return "recipient \(TerminalText.safe(text)): \(reason)"
        case .empty: return "nothing to send: give --text, --text-file or files"
        case .unreadable(let path, let reason): return "\(TerminalText.safe(path)): \(reason)"
        case .unknownType(let name):
            return "\(TerminalText.safe(name)): unknown type (not a photo, sound, video, vCard, vCalendar or text)"
        case .unsupportedType(let name, let type):
            return "\(TerminalText.safe(name)): \(type) is not something phones take in an MMS"
        case .tooLarge(let size, let limit, let detail):
            return "the message is \(size) bytes, \(size - limit) over the \(limit)-byte limit\(detail)"
        case .resizeFailed(let name, let reason): return "\(TerminalText.safe(name)): cannot shrink it: \(reason)"
        }
    }
}

/// Recipients in the form MMS wants (ENC §8, `+CC…/TYPE=PLMN` or an e-mail address).
public enum Recipients {
    /// The country calling code for a network's MCC (ITU-T E.212 → E.164), for the countries mmsctl
    /// knows; a configured `mms.country_code` always wins.
    public static let callingCodes: [String: String] = [
        "202": "30", "204": "31", "206": "32", "208": "33", "212": "377", "214": "34", "216": "36", "218": "387",
        "219": "385", "220": "381", "222": "39", "226": "40", "228": "41", "230": "420", "231": "421", "232": "43",
        "234": "44", "235": "44", "238": "45", "240": "46", "242": "47", "244": "358", "246": "370", "247": "371",
        "248": "372", "250": "7", "255": "380", "257": "375", "259": "373", "260": "48", "262": "49", "266": "350",
        "268": "351", "270": "352", "272": "353", "274": "354", "276": "355", "278": "356", "280": "357",
        "282": "995", "283": "374", "284": "359", "286": "90", "293": "386", "294": "389", "302": "1", "310": "1",
        "311": "1", "312": "1", "313": "1", "314": "1", "315": "1", "316": "1", "334": "52", "404": "91",
        "405": "91", "410": "92", "413": "94", "425": "972", "440": "81", "441": "81", "450": "82", "452": "84",
        "454": "852", "460": "86", "466": "886", "502": "60", "505": "61", "510": "62", "515": "63", "520": "66",
        "525": "65", "530": "64", "602": "20", "621": "234", "655": "27", "722": "54", "724": "55", "730": "56",
        "732": "57",
    ]

    /// A phone number in international form with `/TYPE=PLMN`, or an e-mail address. National numbers
    /// (a leading 0, or digits without +) take `countryCode`; short codes (3–8 digits without a
    /// leading 0) are kept as they are.
    public static func parse(_ raw: String, countryCode: String?) throws(ComposeError) -> MMSAddress {
        let text = raw.trimming(" \t")
        guard !text.isEmpty else { throw .invalidRecipient(raw, reason: "empty") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            throw .invalidRecipient(raw, reason: "contains a control character")
        }
        if text.contains("@") {
            let pieces = text.split(separator: "@", omittingEmptySubsequences: false)
            guard pieces.count == 2, !pieces[0].isEmpty, pieces[1].contains("."), !text.contains(" "),
                !text.contains("/"), text.count <= 254
            else { throw .invalidRecipient(raw, reason: "not an e-mail address (name@domain)") }
            return MMSAddress(value: text, kind: .email)
        }
        var number = text.filter { !" -.()/".contains($0) }
        if number.hasPrefix("00") { number = "+" + number.dropFirst(2) }
        let digits = number.hasPrefix("+") ? String(number.dropFirst()) : number
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidRecipient(raw, reason: "not a phone number (digits, optionally + first) or e-mail address")
        }
        if number.hasPrefix("+") {
            guard (7...15).contains(digits.count) else {
                throw .invalidRecipient(raw, reason: "an international number has 7 to 15 digits (E.164)")
            }
            return MMSAddress(value: number, kind: .plmn)
        }
        if !digits.hasPrefix("0") && (3...8).contains(digits.count) {
            return MMSAddress(value: digits, kind: .plmn)  // a short code
        }
        guard let countryCode = countryCode?.filter(\.isNumber), !countryCode.isEmpty else {
            throw .invalidRecipient(
                raw,
                reason:
                    "a national number: write it in international form (+…), or set mms.country_code (or let the SIM tell it with --device)"
            )
        }
        let national = digits.drop { $0 == "0" }
        let international = "+" + countryCode + national
        guard (7...15).contains(international.count - 1) else {
            throw .invalidRecipient(raw, reason: "as \(international), not a valid international number")
        }
        return MMSAddress(value: international, kind: .plmn)
    }
}

/// What to send.
public struct OutgoingMessage: Sendable {
    public struct Attachment: Sendable {
        public var name: String
        public var data: [UInt8]
        public init(name: String, data: [UInt8]) {
            self.name = name
            self.data = data
        }
    }

    public var to: [String] = []
    public var cc: [String] = []
    public var bcc: [String] = []
    public var subject: String?
    public var text: String?
    public var attachments: [Attachment] = []
    public var messageClass: MMSMessageClass?
    public var priority: MMSPriority?
    public var deliveryReport = false
    public var readReport = false
    /// Seconds the MMSC keeps it for the recipients.
    public var expiry: UInt64?

    public init() {}
}

/// A change made to fit the carrier's limit: `IMG_2041.JPG 4.1 MB 4000×3000 → 287 KB 1280×960`.
public struct FitChange: Sendable, Codable, Hashable, CustomStringConvertible {
    public var name: String
    public var fromBytes: Int
    public var fromWidth: Int
    public var fromHeight: Int
    public var toBytes: Int
    public var toWidth: Int
    public var toHeight: Int

    public var description: String {
        "\(TerminalText.safe(name)) \(Self.size(fromBytes)) \(fromWidth)×\(fromHeight) → \(Self.size(toBytes)) \(toWidth)×\(toHeight)"
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1_000_000
            ? String(format: "%.1f MB", Double(bytes) / 1e6)
            : bytes >= 1000 ? "\(Int((Double(bytes) / 1000).rounded())) KB" : "\(bytes) B"
    }
}

/// An M-Send.req ready to post.
public struct ComposedMessage: Sendable {
    public var pdu: MMSPDU
    public var bytes: [UInt8]
    public var transactionID: String
    public var recipients: [AddressRecordLike]
    public var changes: [FitChange]
    public var parts: [(name: String, mediaType: String, size: Int)]
}

/// A normalised recipient and its header.
public struct AddressRecordLike: Sendable, Hashable, Codable {
    public var field: String
    public var address: String
}

/// Builds the M-Send.req (ENC §6.1): recipients normalised, attachments typed by content, a SMIL
/// presentation (one slide per picture or video, with the text), and photos shrunk until the whole
/// PDU fits the limit.
public enum Composer {
    public struct Settings: Sendable {
        public var maximumSize = 307_200
        public var resize = true
        public var countryCode: String?
        public init() {}
    }

    static let resizable: Set<String> = ["image/jpeg", "image/png", "image/webp", "image/heic", "image/bmp"]

    public static func compose(_ message: OutgoingMessage, settings: Settings, transactionID: String? = nil)
        throws(ComposeError) -> ComposedMessage
    {
        func addresses(_ list: [String], _ field: String) throws(ComposeError) -> [MMSAddress] {
            var result: [MMSAddress] = []
            for entry in list.flatMap({ $0.split(separator: ",").map(String.init) }) {
                result.append(try Recipients.parse(entry, countryCode: settings.countryCode))
            }
            return result
        }
        let to = try addresses(message.to, "to")
        let cc = try addresses(message.cc, "cc")
        let bcc = try addresses(message.bcc, "bcc")
        guard !(to.isEmpty && cc.isEmpty && bcc.isEmpty) else { throw .noRecipients }
        let text = message.text.flatMap { $0.isEmpty ? nil : $0 }
        guard text != nil || !message.attachments.isEmpty else { throw .empty }

        // Type every attachment by its content.
        var media: [(name: String, type: String, data: [UInt8])] = []
        var usedNames: Set<String> = []
        for attachment in message.attachments {
            guard !attachment.data.isEmpty else { throw .unreadable(attachment.name, reason: "empty file") }
            guard let type = MediaSniffer.mediaType(of: attachment.data, fileName: attachment.name) else {
                throw .unknownType(attachment.name)
            }
            guard MediaSniffer.sendable.contains(type) else { throw .unsupportedType(attachment.name, mediaType: type) }
            var name = SafeFileName.make(
                from: (attachment.name as NSString).lastPathComponent, fallback: "part\(media.count + 1)")
            var counter = 1
            while !usedNames.insert(name.lowercased()).inserted {
                name = SafeFileName.fit(stem: "\(counter)-", suffix: name)
                counter += 1
            }
            media.append((name, type, attachment.data))
        }

        let transaction = transactionID ?? "mmsctl-\(UUID().uuidString.prefix(12).lowercased())"
        func build(_ media: [(name: String, type: String, data: [UInt8])]) -> MMSPDU {
            var parts = media.map { item in
                MMSPart(
                    contentType: ContentType(item.type), contentID: "<\(item.name)>", contentLocation: item.name,
                    data: item.data)
            }
            if let text {
                let utf8 = ContentType(
                    "text/plain", parameters: [.init(name: .wellKnown(0x01), value: .integer(106))])
                parts.append(
                    MMSPart(
                        contentType: utf8, contentID: "<text.txt>", contentLocation: "text.txt", data: Array(text.utf8))
                )
            }
            let smil = MMSPart(
                contentType: ContentType("application/smil"), contentID: "<smil>", contentLocation: "smil.xml",
                data: Array(SMIL.compose(parts: parts).utf8))
            return MMSPDU.sendRequest(
                transactionID: transaction, to: to, cc: cc, bcc: bcc, subject: message.subject, parts: parts,
                smil: smil, deliveryReport: message.deliveryReport ? true : nil,
                readReport: message.readReport ? true : nil, expiry: message.expiry.map { .relative($0) },
                messageClass: message.messageClass, priority: message.priority,
                date: UInt64(Date().timeIntervalSince1970))
        }

        var pdu = build(media)
        var bytes = pdu.encode()
        var changes: [FitChange] = []
        if bytes.count > settings.maximumSize {
            guard settings.resize else {
                throw .tooLarge(
                    size: bytes.count, limit: settings.maximumSize, detail: " (--no-resize: nothing was shrunk)")
            }
            let indices = media.indices.filter { resizable.contains(media[$0].type) }
            guard !indices.isEmpty else {
                throw .tooLarge(
                    size: bytes.count, limit: settings.maximumSize, detail: "; it has no photo that could be shrunk")
            }
            (media, changes) = try fit(media, indices: indices, build: build, limit: settings.maximumSize)
            pdu = build(media)
            bytes = pdu.encode()
            guard bytes.count <= settings.maximumSize else {
                throw .tooLarge(size: bytes.count, limit: settings.maximumSize, detail: " even with its photos shrunk")
            }
        }
        let recipients =
            to.map { AddressRecordLike(field: "to", address: $0.value) }
            + cc.map { AddressRecordLike(field: "cc", address: $0.value) }
            + bcc.map { AddressRecordLike(field: "bcc", address: $0.value) }
        var parts = media.map { (name: $0.name, mediaType: $0.type, size: $0.data.count) }
        if let text { parts.append((name: "text.txt", mediaType: "text/plain", size: text.utf8.count)) }
        return ComposedMessage(
            pdu: pdu, bytes: bytes, transactionID: transaction, recipients: recipients, changes: changes, parts: parts)
    }

    /// Shrinks the photos at `indices`, each to its share of the room the rest of the message
    /// leaves, estimating the next size from the last (bytes grow with the square of the side).
    static func fit(
        _ media: [(name: String, type: String, data: [UInt8])], indices: [Int],
        build: ([(name: String, type: String, data: [UInt8])]) -> MMSPDU, limit: Int
    ) throws(ComposeError) -> ([(name: String, type: String, data: [UInt8])], [FitChange]) {
        var emptied = media
        for index in indices { emptied[index].data = [] }
        let overhead = build(emptied).encode().count + 64 * indices.count
        let total = indices.reduce(0) { $0 + media[$1].data.count }
        var result = media
        var changes: [FitChange] = []
        for round in 0..<3 {
            let room = Int(Double(limit - overhead) * (1 - 0.08 * Double(round)))
            guard room > 1024 * indices.count else {
                throw .tooLarge(
                    size: build(media).encode().count, limit: limit,
                    detail: "; the rest of the message leaves no room for its photos")
            }
            changes = []
            for index in indices {
                let original = media[index]
                let share = max(1024, Int(Double(room) * Double(original.data.count) / Double(total)))
                guard let size = ImageResizer.size(of: original.data) else {
                    throw .resizeFailed(original.name, reason: "libvips cannot read it")
                }
                let png = original.type == "image/png"
                // A first guess from what JPEG at quality 82 costs a photo (about 0.2 bytes a pixel), so
                // that most photos fit at the first or second try.
                let long = Double(max(size.width, size.height))
                let aspect = long / Double(max(1, min(size.width, size.height)))
                let guess = Int((Double(share) / 0.2 * aspect).squareRoot())
                var side = max(64, min(Int(long), 2048, png ? Int(long) : guess))
                var shrunk: ImageResizer.Image?
                for _ in 0..<10 {
                    let attempt: ImageResizer.Image
                    do {
                        attempt = try ImageResizer.thumbnail(original.data, maxSide: side, png: png, quality: 82)
                    } catch {
                        throw .resizeFailed(original.name, reason: error.description)
                    }
                    if attempt.data.count <= share {
                        shrunk = attempt
                        // Well under its room: one step back up, so the photo keeps what detail fits.
                        if attempt.data.count < share * 3 / 4, side < min(max(size.width, size.height), 2048) {
                            let larger = Int(
                                Double(side) * (Double(share) / Double(attempt.data.count)).squareRoot() * 0.97)
                            if larger > side,
                                let better = try? ImageResizer.thumbnail(
                                    original.data, maxSide: larger, png: png, quality: 82),
                                better.data.count <= share
                            {
                                shrunk = better
                            }
                        }
                        break
                    }
                    let next = Int(Double(side) * (Double(share) / Double(attempt.data.count)).squareRoot() * 0.95)
                    side = min(next, side - 1)
                    if side < 64 { break }
                }
                guard let shrunk else {
                    throw .tooLarge(
                        size: build(media).encode().count, limit: limit,
                        detail: "; \(original.name) does not fit even at 64 pixels")
                }
                var name = original.name
                if !png && original.type != "image/jpeg" {
                    name = SafeFileName.fit(stem: (name as NSString).deletingPathExtension, suffix: ".jpg")
                }
                result[index] = (name, png ? "image/png" : "image/jpeg", shrunk.data)
                changes.append(
                    FitChange(
                        name: original.name, fromBytes: original.data.count, fromWidth: size.width,
                        fromHeight: size.height, toBytes: shrunk.data.count, toWidth: shrunk.width,
                        toHeight: shrunk.height))
            }
            if build(result).encode().count <= limit { return (result, changes) }
        }
        return (result, changes)
    }
}
