/// One entry of a WSP multipart body (WAP-230-WSP §8.5.3): content type, headers, data.
///
/// `data` is a slice of the decoded buffer, not a copy.
public struct MMSPart: Hashable, Sendable {
    /// A part header: well-known (code page 1) or textual.
    public struct Header: Hashable, Sendable {
        public enum Name: Hashable, Sendable {
            case wellKnown(UInt8)
            case text(String)
        }
        public enum Value: Hashable, Sendable {
            case text([UInt8])
            case raw([UInt8])
        }
        public var name: Name
        public var value: Value

        public init(name: Name, value: Value) {
            self.name = name
            self.value = value
        }

        public var nameText: String {
            switch name {
            case .wellKnown(let code): return WSPTables.headerFieldName(code)
            case .text(let text): return text
            }
        }

        public var valueText: String {
            switch value {
            case .text(let octets): return textString(octets)
            case .raw(let octets): return "0x" + hexString(octets)
            }
        }
    }

    public var contentType: ContentType
    public var headers: [Header]
    public var data: ArraySlice<UInt8>

    public init(contentType: ContentType, headers: [Header] = [], data: ArraySlice<UInt8>) {
        self.contentType = contentType
        self.headers = headers
        self.data = data
    }

    public init(contentType: ContentType, contentID: String? = nil, contentLocation: String? = nil, data: [UInt8]) {
        var headers: [Header] = []
        if let contentID { headers.append(Header(name: .wellKnown(0x40), value: .text(Array(contentID.utf8)))) }
        if let contentLocation {
            headers.append(Header(name: .wellKnown(0x0E), value: .text(Array(contentLocation.utf8))))
        }
        self.init(contentType: contentType, headers: headers, data: data[...])
    }

    func header(code: UInt8) -> Header? {
        headers.first { if case .wellKnown(code) = $0.name { return true } else { return false } }
    }

    func header(named name: String) -> Header? {
        headers.first { $0.nameText.lowercased() == name }
    }

    /// Content-ID (0x40), as sent (usually with angle brackets).
    public var contentID: String? { header(code: 0x40)?.valueText }
    /// Content-Location (0x0E).
    public var contentLocation: String? { header(code: 0x0E)?.valueText }

    /// The Filename parameter of Content-Disposition (0x2E or 0x45), when present.
    public var dispositionFilename: String? {
        guard let header = header(code: 0x45) ?? header(code: 0x2E), case .raw(let octets) = header.value else {
            return nil
        }
        var reader = WSPReader(octets)
        guard var inner = try? reader.readLengthPrefixed() else { return nil }
        // Disposition token: Short-integer or Token-text.
        if let first = try? inner.peek(), first >= 0x80 {
            _ = try? inner.readByte()
        } else {
            _ = try? inner.readTextString(lenientEnd: true)
        }
        guard let params = try? ContentType.decodeParameters(from: &inner) else { return nil }
        return params.first { $0.nameText == "filename" }?.valueText
    }

    /// Content-Transfer-Encoding, a textual header some senders add (base64, quoted-printable).
    public var transferEncoding: String? {
        (header(named: "content-transfer-encoding") ?? header(code: 0x48))?.valueText.lowercased()
    }

    /// What is wrong with the part's Content-Transfer-Encoding, if anything: its data is then used
    /// as it is, and this says so.
    public var transferEncodingError: String? {
        switch transferEncoding?.trimming(" \t\r\n") {
        case nil, "7bit", "8bit", "binary", "quoted-printable": return nil
        case "base64": return Base64.decode(data) == nil ? "invalid base64; the data is kept undecoded" : nil
        case let other?: return "unknown Content-Transfer-Encoding \(other); the data is kept undecoded"
        }
    }

    /// The data with any Content-Transfer-Encoding undone.
    public var decodedData: [UInt8] {
        switch transferEncoding?.trimming(" \t\r\n") {
        case "base64": return Base64.decode(data) ?? Array(data)
        case "quoted-printable": return QuotedPrintable.decode(data)
        default: return Array(data)
        }
    }

    /// The text of a text part, decoded with its charset (UTF-8 when absent or "*").
    public var text: String? {
        guard contentType.mediaType.hasPrefix("text/") || contentType.mediaType == "application/smil" else {
            return nil
        }
        return (contentType.charset ?? .utf8).decode(decodedData)
    }

    /// The best name this part gives itself: Name, Filename, Content-Location, then Content-ID.
    public var suggestedName: String? {
        for candidate in [contentType.name, dispositionFilename, contentLocation, contentID] {
            if let candidate, !candidate.isEmpty { return candidate }
        }
        return nil
    }
}

/// WSP multipart bodies (§8.5): `nEntries` then entries of HeadersLen, DataLen, ContentType, Headers, Data.
public enum Multipart {
    /// Nested multiparts are followed at most this deep.
    public static let maximumDepth = 8
    /// A body claiming more entries than this is refused.
    public static let maximumEntries = 4096

    /// Decodes every entry. nEntries is read but entries are read until the data ends (mmsd's rule;
    /// some senders write 0); a shortfall against a non-zero count is an error.
    public static func decode(from reader: inout WSPReader) throws(PDUError) -> [MMSPart] {
        if reader.isAtEnd { return [] }
        reader.field = "multipart nEntries"
        let declared = Int(try reader.readUintvar())
        guard declared <= maximumEntries else {
            throw reader.error(.tooLarge("multipart claims \(declared) entries (limit \(maximumEntries))"))
        }
        var parts: [MMSPart] = []
        parts.reserveCapacity(declared)
        while !reader.isAtEnd {
            guard parts.count < maximumEntries else {
                throw reader.error(.tooLarge("more than \(maximumEntries) multipart entries"))
            }
            let entryStart = reader
            do {
                parts.append(try decodeEntry(index: parts.count + 1, from: &reader))
            } catch {
                // Trailing octets after all declared entries are padding, not a part.
                if declared > 0, parts.count >= declared {
                    reader = entryStart
                    _ = reader.readRest()
                    break
                }
                throw error
            }
        }
        if declared > parts.count {
            throw reader.error(.truncated(needed: declared - parts.count))
        }
        return parts
    }

    static func decodeEntry(index: Int, from reader: inout WSPReader) throws(PDUError) -> MMSPart {
        reader.field = "part \(index) HeadersLen"
        let headersLength = Int(try reader.readUintvar())
        reader.field = "part \(index) DataLen"
        let dataLength = Int(try reader.readUintvar())
        var headers = try reader.subReader(length: headersLength, field: "part \(index) Content-Type")
        reader.field = "part \(index) data"
        guard dataLength <= reader.remaining else {
            throw reader.error(.lengthOverrun(declared: dataLength, available: reader.remaining))
        }
        let data = try reader.readBytes(dataLength)
        let contentType = try ContentType.decode(from: &headers)
        headers.field = "part \(index) headers"
        var list: [MMSPart.Header] = []
        while !headers.isAtEnd {
            let first = try headers.peek()
            if first >= 0x80 {
                let code = try headers.readShortInteger()
                headers.field = "part \(index) \(WSPTables.headerFieldName(code))"
                switch code {
                case 0x0E, 0x40:  // Content-Location (Uri-value), Content-ID (Quoted-string)
                    if try headers.peek() < 0x20 {
                        list.append(.init(name: .wellKnown(code), value: .raw(Array(try headers.readRawValue()))))
                    } else {
                        list.append(.init(name: .wellKnown(code), value: .text(Array(try headers.readQuotedOrText()))))
                    }
                default:
                    list.append(.init(name: .wellKnown(code), value: .raw(Array(try headers.readRawValue()))))
                }
            } else if first >= 0x20 {
                headers.field = "part \(index) application header"
                let name = textString(try headers.readTextString())
                let value = Array(try headers.readTextString(lenientEnd: true))
                list.append(.init(name: .text(name), value: .text(value)))
            } else if first == 0 {
                _ = try headers.readByte()  // padding
            } else {
                throw headers.error(.invalid("part header starts with 0x\(hex(first))"))
            }
        }
        return MMSPart(contentType: contentType, headers: list, data: data)
    }

    public static func encode(_ parts: [MMSPart], into writer: inout WSPWriter) {
        writer.writeUintvar(UInt32(parts.count))
        for part in parts {
            var headers = WSPWriter(capacity: 64)
            part.contentType.encode(into: &headers)
            for header in part.headers {
                switch header.name {
                case .wellKnown(let code): headers.writeShortInteger(code)
                case .text(let name): headers.writeTextString(name)
                }
                switch header.value {
                case .text(let octets):
                    if case .wellKnown(0x40) = header.name {
                        headers.writeQuotedString(octets)
                    } else {
                        headers.writeTextString(octets)
                    }
                case .raw(let octets): headers.append(contentsOf: octets)
                }
            }
            writer.writeUintvar(UInt32(headers.bytes.count))
            writer.writeUintvar(UInt32(part.data.count))
            writer.append(contentsOf: headers.bytes)
            writer.append(contentsOf: part.data)
        }
    }
}

extension MMSPart {
    /// The parts of a nested multipart (e.g. multipart.alternative inside multipart.mixed), or nil.
    public func subparts(depth: Int = 1) throws(PDUError) -> [MMSPart]? {
        guard contentType.isMultipart else { return nil }
        guard depth <= Multipart.maximumDepth else {
            throw PDUError(.tooDeep(limit: Multipart.maximumDepth), at: data.startIndex, field: "nested multipart")
        }
        var reader = WSPReader(data, field: "nested multipart")
        return try Multipart.decode(from: &reader)
    }
}
