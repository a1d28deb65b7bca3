/// Encoded-string-value (OMA-MMS-ENC §7.2.9): a Text-string, or a Value-length, a Char-set and a Text-string.
///
/// The octets are kept exactly as sent so that a decode/encode round trip is faithful, and `text`
/// converts them with the charset (UTF-8 when none is given).
public struct EncodedString: Hashable, Sendable, CustomStringConvertible {
    /// The charset MIBenum, or nil for the plain Text-string form.
    public var charset: Charset?
    /// The string's octets, without Quote or terminator.
    public var octets: [UInt8]

    public init(charset: Charset?, octets: [UInt8]) {
        self.charset = charset
        self.octets = octets
    }

    /// A string as a sender would write it: plain when ASCII, UTF-8-tagged otherwise.
    public init(_ text: String) {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            self.init(charset: nil, octets: Array(text.utf8))
        } else {
            self.init(charset: .utf8, octets: Array(text.utf8))
        }
    }

    public var text: String { (charset ?? .utf8).decode(octets) }
    public var description: String { text }

    public static func decode(from reader: inout WSPReader) throws(PDUError) -> EncodedString {
        let first = try reader.peek()
        guard first < 0x20 else {
            return EncodedString(charset: nil, octets: Array(try reader.readTextString()))
        }
        var inner = try reader.readLengthPrefixed()
        if inner.isAtEnd { return EncodedString(charset: nil, octets: []) }
        let mib = try inner.readIntegerValue()
        guard mib <= UInt64(UInt32.max) else { throw inner.error(.tooLarge("charset MIBenum")) }
        let charset = Charset(mib: UInt32(mib))
        if charset.isUTF16 {
            // UTF-16 text contains 0x00 octets: the Value-length, not a terminator, bounds it.
            var octets = Array(inner.readRest())
            if octets.first == 0x7F, octets.count % 2 == 0 { octets.removeFirst() }
            if octets.count % 2 == 1, octets.last == 0 { octets.removeLast() }
            while octets.count >= 2, octets[octets.count - 1] == 0, octets[octets.count - 2] == 0 {
                octets.removeLast(2)
            }
            return EncodedString(charset: charset, octets: octets)
        }
        // Some senders omit the terminator inside the Value-length: accept the rest as the text.
        let octets = inner.isAtEnd ? [] : Array(try inner.readTextString(lenientEnd: true))
        return EncodedString(charset: charset, octets: octets)
    }

    public func encode(into writer: inout WSPWriter) {
        guard let charset else {
            writer.writeTextString(octets)
            return
        }
        writer.writeLengthPrefixed { inner in
            inner.writeIntegerValue(UInt64(charset.mib))
            inner.writeTextString(octets)
        }
    }
}

/// An MMS address (OMA-MMS-ENC §8): the value and the type given by its `/TYPE=` suffix.
public struct MMSAddress: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case plmn, ipv4, ipv6, email
        /// `/TYPE=` with another name.
        case other(String)
        /// No suffix and not an e-mail address (short codes, senders that omit the suffix).
        case unspecified
    }

    public var value: String
    public var kind: Kind

    public init(value: String, kind: Kind) {
        self.value = value
        self.kind = kind
    }

    /// Parses `+4477/TYPE=PLMN`, `a@b.c`, `1.2.3.4/TYPE=IPv4` and suffix-less forms.
    public init(parsing text: String) {
        if let slash = text.lastIndex(of: "/"), text[text.index(after: slash)...].uppercased().hasPrefix("TYPE=") {
            value = String(text[..<slash])
            let type = String(text[text.index(slash, offsetBy: 6)...])
            switch type.uppercased() {
            case "PLMN": kind = .plmn
            case "IPV4": kind = .ipv4
            case "IPV6": kind = .ipv6
            default: kind = .other(type)
            }
        } else if text.contains("@") {
            value = text
            kind = .email
        } else {
            value = text
            kind = .unspecified
        }
    }

    /// A phone number, e-mail address or IP address as a user types it, with the type inferred.
    public init(recipient text: String) {
        if text.contains("/TYPE=") {
            self.init(parsing: text)
        } else if text.contains("@") {
            self.init(value: text, kind: .email)
        } else {
            self.init(value: text.filter { !" ()-".contains($0) }, kind: .plmn)
        }
    }

    /// The wire form: the value with its `/TYPE=` suffix (none for e-mail and unspecified).
    public var wireText: String {
        switch kind {
        case .plmn: return value + "/TYPE=PLMN"
        case .ipv4: return value + "/TYPE=IPv4"
        case .ipv6: return value + "/TYPE=IPv6"
        case .other(let type): return value + "/TYPE=" + type
        case .email, .unspecified: return value
        }
    }

    public var description: String { wireText }
}
