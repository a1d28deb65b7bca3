/// A WSP Content-type-value (WAP-230-WSP §8.4.2.24): a media type, well-known or textual, and parameters.
public struct ContentType: Hashable, Sendable, CustomStringConvertible {
    public enum Media: Hashable, Sendable {
        /// A code of the WSP/OMNA content-type registry.
        case wellKnown(UInt32)
        /// Extension-media: the type as text.
        case text(String)
    }

    /// A parameter: typed (well-known code) or untyped (textual name).
    public struct Parameter: Hashable, Sendable {
        public enum Name: Hashable, Sendable {
            case wellKnown(UInt8)
            case text(String)
        }
        public enum Value: Hashable, Sendable {
            case integer(UInt64)
            case text(String)
            case noValue
            /// The rest of the value that this decoder does not interpret (unknown typed parameter).
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
            case .wellKnown(let code): return WSPTables.parameterNames[code] ?? "param-0x\(hex(code))"
            case .text(let text): return text.lowercased()
            }
        }

        public var valueText: String {
            switch value {
            case .integer(let number):
                if nameText == "charset" { return Charset(mib: UInt32(truncatingIfNeeded: number)).name }
                if nameText == "type", let type = WSPTables.contentTypes[UInt32(truncatingIfNeeded: number)] {
                    return type
                }
                return String(number)
            case .text(let text): return text
            case .noValue: return ""
            case .raw(let bytes): return "0x" + hexString(bytes)
            }
        }
    }

    public var media: Media
    public var parameters: [Parameter]

    public init(media: Media, parameters: [Parameter] = []) {
        self.media = media
        self.parameters = parameters
    }

    /// Builds a content type from its name, using the well-known code when one exists.
    public init(_ mediaType: String, parameters: [Parameter] = []) {
        if let code = WSPTables.contentTypeCodes[mediaType.lowercased()] {
            self.media = .wellKnown(code)
        } else {
            self.media = .text(mediaType)
        }
        self.parameters = parameters
    }

    /// The media type in lower case, e.g. `application/vnd.wap.multipart.related`.
    public var mediaType: String {
        switch media {
        case .wellKnown(let code):
            return WSPTables.contentTypes[code] ?? "application/x-wsp-0x\(String(code, radix: 16))"
        case .text(let text): return text.lowercased()
        }
    }

    public var isMultipart: Bool {
        let type = mediaType
        return type.hasPrefix("multipart/") || type.hasPrefix("application/vnd.wap.multipart.")
    }

    public func parameter(_ name: String) -> Parameter? {
        parameters.first { $0.nameText == name }
    }

    /// The charset parameter, when present.
    public var charset: Charset? {
        guard let param = parameter("charset") else { return nil }
        switch param.value {
        case .integer(let mib): return Charset(mib: UInt32(truncatingIfNeeded: mib))
        case .text(let name): return Charset(name: name)
        default: return nil
        }
    }

    /// multipart/related Start parameter (0x0A or 0x19 or textual).
    public var start: String? { parameter("start").map(\.valueText) }
    /// multipart/related Type parameter.
    public var type: String? { parameter("type").map(\.valueText) }
    /// Name parameter (0x05, 0x17 or textual).
    public var name: String? { parameter("name").map(\.valueText) }

    public var description: String {
        var text = mediaType
        for param in parameters {
            if case .noValue = param.value {
                text += "; \(param.nameText)"
            } else {
                text += "; \(param.nameText)=\(param.valueText)"
            }
        }
        return text
    }
}

extension ContentType {
    /// Decodes a Content-type-value at the reader's position.
    public static func decode(from reader: inout WSPReader) throws(PDUError) -> ContentType {
        let first = try reader.peek()
        if first >= 0x80 {
            return ContentType(media: .wellKnown(UInt32(try reader.readShortInteger())))
        }
        if first >= 0x20 {
            return ContentType(media: .text(textString(try reader.readTextString())))
        }
        var inner = try reader.readLengthPrefixed()
        let mediaFirst = try inner.peek()
        let media: Media
        if mediaFirst >= 0x80 {
            media = .wellKnown(UInt32(try inner.readShortInteger()))
        } else if mediaFirst >= 1 && mediaFirst <= 30 {
            let code = try inner.readLongInteger()
            guard code <= UInt64(UInt32.max) else { throw inner.error(.tooLarge("content type code")) }
            media = .wellKnown(UInt32(code))
        } else {
            media = .text(textString(try inner.readTextString(lenientEnd: true)))
        }
        let parameters = try decodeParameters(from: &inner)
        return ContentType(media: media, parameters: parameters)
    }

    /// Parameters until the end of the reader.
    static func decodeParameters(from reader: inout WSPReader) throws(PDUError) -> [Parameter] {
        var parameters: [Parameter] = []
        while !reader.isAtEnd {
            let first = try reader.peek()
            if first >= 0x80 {
                let code = try reader.readShortInteger()
                guard let value = try decodeTypedValue(code: code, from: &reader) else {
                    // Unknown typed parameter: keep the rest as it is (Android skips to the end).
                    parameters.append(Parameter(name: .wellKnown(code), value: .raw(Array(reader.readRest()))))
                    break
                }
                parameters.append(Parameter(name: .wellKnown(code), value: value))
            } else if first >= 0x20 {
                let name = textString(try reader.readTextString())
                parameters.append(Parameter(name: .text(name), value: try decodeUntypedValue(from: &reader)))
            } else if first == 0 {
                // A stray No-value where a parameter is expected: skip it.
                _ = try reader.readByte()
            } else {
                // Integer-value as a typed parameter token (Long-integer form) is not used in practice.
                let code = try reader.readIntegerValue()
                guard code < 0x80 else { throw reader.error(.invalid("parameter code \(code) out of range")) }
                parameters.append(Parameter(name: .wellKnown(UInt8(code)), value: .raw(Array(reader.readRest()))))
            }
        }
        return parameters
    }

    static func decodeTypedValue(code: UInt8, from reader: inout WSPReader) throws(PDUError) -> Parameter.Value? {
        switch code {
        case 0x00:  // Q: uintvar
            return .integer(UInt64(try reader.readUintvar()))
        case 0x01, 0x03, 0x08, 0x0E, 0x11, 0x13, 0x14, 0x15, 0x16:
            // Charset (Well-known-charset or text), Type, Padding, Max-Age, SEC, dates, Size.
            let first = try reader.peek()
            if code == 0x01, first >= 0x20, first < 0x80 {
                return .text(textString(try reader.readTextString()))
            }
            return .integer(try reader.readIntegerValue())
        case 0x02:  // Level: Version-value
            let first = try reader.peek()
            if first >= 0x80 { return .integer(UInt64(try reader.readShortInteger())) }
            return .text(textString(try reader.readTextString()))
        case 0x07:  // Differences: Field-name
            let first = try reader.peek()
            if first >= 0x80 { return .integer(UInt64(try reader.readShortInteger())) }
            return .text(textString(try reader.readTextString()))
        case 0x09:  // Type (multipart/related): Constrained-encoding
            let first = try reader.peek()
            if first >= 0x80 { return .integer(UInt64(try reader.readShortInteger())) }
            return .text(textString(try reader.readTextString(lenientEnd: true)))
        case 0x10:  // Secure: No-value
            if try reader.peek() == 0 { _ = try reader.readByte() }
            return .noValue
        case _ where Parameter.textValueCodes.contains(code):
            return try decodeTextValue(from: &reader)
        default:
            return nil
        }
    }

    /// Untyped-value: Integer-value or Text-value.
    static func decodeUntypedValue(from reader: inout WSPReader) throws(PDUError) -> Parameter.Value {
        let first = try reader.peek()
        if first >= 0x80 || (first >= 1 && first <= 30) { return .integer(try reader.readIntegerValue()) }
        return try decodeTextValue(from: &reader)
    }

    /// Text-value: No-value, Token-text or Quoted-string. A missing terminator at the very end is tolerated.
    static func decodeTextValue(from reader: inout WSPReader) throws(PDUError) -> Parameter.Value {
        let first = try reader.peek()
        if first == 0 {
            _ = try reader.readByte()
            return .noValue
        }
        if first == 0x22 { _ = try reader.readByte() }
        var text = textString(try reader.readTextString(lenientEnd: true))
        if first == 0x22, text.hasSuffix("\"") { text.removeLast() }
        return .text(text)
    }

    /// Encodes in the shortest form the value allows: Short-integer, Extension-media, or the general form.
    public func encode(into writer: inout WSPWriter) {
        if parameters.isEmpty {
            switch media {
            case .wellKnown(let code) where code < 0x80:
                writer.writeShortInteger(UInt8(code))
                return
            case .text(let text) where !text.isEmpty:
                writer.writeTextString(text)
                return
            default: break
            }
        }
        writer.writeLengthPrefixed { inner in
            switch media {
            case .wellKnown(let code) where code < 0x80: inner.writeShortInteger(UInt8(code))
            case .wellKnown(let code): inner.writeLongInteger(UInt64(code))
            case .text(let text): inner.writeTextString(text)
            }
            for param in parameters { param.encode(into: &inner) }
        }
    }
}

extension ContentType.Parameter {
    /// Whether the parameter's value is a Text-value (No-value, Token-text or Quoted-string)
    /// rather than a plain Text-string (WSP Table 38).
    static func takesTextValue(_ name: Name) -> Bool {
        switch name {
        case .text: return true
        case .wellKnown(let code): return textValueCodes.contains(code)
        }
    }

    static let textValueCodes: Set<UInt8> = [
        0x05, 0x06, 0x0A, 0x0B, 0x0C, 0x0D, 0x0F, 0x12, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D,
    ]

    func encode(into writer: inout WSPWriter) {
        switch name {
        case .wellKnown(let code): writer.writeShortInteger(code)
        case .text(let text): writer.writeTextString(text)
        }
        switch value {
        case .integer(let number):
            if case .wellKnown(0x00) = name {
                writer.writeUintvar(UInt32(truncatingIfNeeded: number))
            } else if case .wellKnown(let code) = name, [0x02, 0x07, 0x09].contains(code) {
                writer.writeShortInteger(UInt8(truncatingIfNeeded: number & 0x7F))
            } else {
                writer.writeIntegerValue(number)
            }
        case .text(let text):
            // Text-value parameters are read as Quoted-strings when they start with a quote, and a
            // closing quote is dropped: quote such a value so it reads back unchanged.
            if ContentType.Parameter.takesTextValue(name), text.hasPrefix("\"") || text.hasSuffix("\"") {
                writer.writeQuotedString(Array((text + "\"").utf8))
            } else {
                writer.writeTextString(text)
            }
        case .noValue: writer.append(0)
        case .raw(let bytes): writer.append(contentsOf: bytes)
        }
    }
}

/// Text octets as a String: UTF-8 where valid, otherwise read as ISO-8859-1 so no octet is lost.
func textString<C: Collection>(_ octets: C) -> String where C.Element == UInt8 {
    if let text = String(validating: octets, as: UTF8.self) { return text }
    return String(String.UnicodeScalarView(octets.map { Unicode.Scalar($0) }))
}
