import PDU

/// A host and port as carriers write them: `mms.example.com:8080`, `010.000.000.010:8080`
/// (zero-padded decimal, not octal), `[2001:db8::1]:80`, or a host without port (default 80).
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses a proxy or MMSC authority; nil when it is not one.
    public init?(parsing text: String, defaultPort: Int = 80) {
        var rest = Substring(text.trimming(" \t"))
        if rest.lowercased().hasPrefix("http://") { rest = rest.dropFirst(7) }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard !rest.isEmpty else { return nil }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else if rest.contains(":") {
            host = rest  // a bare IPv6 address
        } else {
            host = rest
        }
        let port: Int
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { return nil }
            port = value
        } else {
            port = defaultPort
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || "-._:".contains($0) }) else { return nil }
        self.host = HostPort.normalizeIPv4(String(host))
        self.port = port
    }

    /// `010.000.000.010` → `10.0.0.10`: carrier data pads IPv4 octets with zeros; they are decimal.
    public static func normalizeIPv4(_ host: String) -> String {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }) else {
            return host
        }
        let values = parts.compactMap { Int($0) }
        guard values.allSatisfy({ $0 <= 255 }) else { return host }
        return values.map(String.init).joined(separator: ".")
    }

    public var isIPv6Literal: Bool { host.contains(":") }

    /// `host:port`, with brackets around IPv6.
    public var description: String { isIPv6Literal ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// An http URL split into what the client needs.
public struct HTTPURL: Hashable, Sendable, CustomStringConvertible {
    public var authority: HostPort
    /// Path and query, starting with "/".
    public var pathAndQuery: String
    public var text: String

    public init(_ text: String) throws(TransportError) {
        let trimmed = text.trimming(" \t\r\n")
        guard trimmed.lowercased().hasPrefix("http://") else {
            if trimmed.lowercased().hasPrefix("https://") {
                throw .invalidURL(text, reason: "https MMSCs are not supported yet (carriers serve MMS over http)")
            }
            throw .invalidURL(text, reason: "not an http:// URL")
        }
        let rest = trimmed.dropFirst(7)
        let slash = rest.firstIndex(of: "/") ?? rest.firstIndex(of: "?") ?? rest.endIndex
        guard let authority = HostPort(parsing: String(rest[..<slash])) else {
            throw .invalidURL(text, reason: "bad host or port")
        }
        var path = String(rest[slash...])
        if path.isEmpty { path = "/" }
        if path.hasPrefix("?") { path = "/" + path }
        guard !path.contains(where: { $0 == " " || $0.asciiValue.map { $0 < 0x20 } ?? false }) else {
            throw .invalidURL(text, reason: "white space or control characters in the path")
        }
        self.authority = authority
        self.pathAndQuery = path
        self.text = "http://" + String(rest[..<slash]) + path
    }

    public var description: String { text }

    /// Resolves a Location header against this URL.
    public func resolving(_ location: String) throws(TransportError) -> HTTPURL {
        if location.lowercased().hasPrefix("http://") || location.lowercased().hasPrefix("https://") {
            return try HTTPURL(location)
        }
        if location.hasPrefix("/") { return try HTTPURL("http://\(authority)\(location)") }
        let base = pathAndQuery.split(separator: "?").first.map(String.init) ?? "/"
        let folder = base.hasSuffix("/") ? base : String(base[..<(base.lastIndex(of: "/") ?? base.startIndex)]) + "/"
        return try HTTPURL("http://\(authority)\(folder)\(location)")
    }
}
