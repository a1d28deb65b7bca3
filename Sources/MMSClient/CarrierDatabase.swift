import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// MMS settings of a carrier from mobile-broadband-provider-info's serviceproviders.xml
/// (field guide §7): looked up by the MCC and MNC of the SIM's IMSI.
public struct CarrierSettings: Sendable, Hashable, Codable {
    public var provider: String
    public var country: String
    public var mcc: String
    public var mnc: String
    public var apn: String
    public var mmsc: String?
    public var proxy: String?
    public var username: String?
    public var password: String?
}

public enum CarrierDatabaseError: Error, Hashable, Sendable, CustomStringConvertible {
    case missing(path: String)
    case malformed(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .missing(let path): return "\(path) not found (apt-get install mobile-broadband-provider-info)"
        case .malformed(let path, let line, let reason):
            return "\(path):\(line): not a valid provider database: \(reason)"
        }
    }
}

public struct CarrierDatabase: Sendable {
    public static let defaultPath = "/usr/share/mobile-broadband-provider-info/serviceproviders.xml"

    struct APN: Sendable {
        var value: String
        var usages: [String]
        var mmsc: String?
        var proxy: String?
        var username: String?
        var password: String?
    }

    struct Provider: Sendable {
        var name: String
        var country: String
        var primary: Bool
        var networks: [(String, String)]
        var apns: [APN]
    }

    let providers: [Provider]
    public let path: String

    public var providerCount: Int { providers.count }

    public init(path: String = CarrierDatabase.defaultPath) throws(CarrierDatabaseError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .missing(path: path) }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String = "serviceproviders.xml") throws(CarrierDatabaseError) {
        let delegate = Reader()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            throw .malformed(
                path: path, line: parser.lineNumber,
                reason: parser.parserError.map { "\($0.localizedDescription)" } ?? "parse error")
        }
        guard delegate.sawRoot else { throw .malformed(path: path, line: 1, reason: "no <serviceproviders> element") }
        guard delegate.depth == 0 else {
            throw .malformed(
                path: path, line: parser.lineNumber, reason: "the document ends inside an element (cut off?)")
        }
        self.providers = delegate.providers
        self.path = path
    }

    /// MCC and the MNC candidates of an IMSI (3-digit MNC first, then 2-digit).
    public static func networkCodes(imsi: String) -> (mcc: String, mncs: [String])? {
        let digits = imsi.filter(\.isNumber)
        guard digits.count >= 6 else { return nil }
        let mcc = String(digits.prefix(3))
        let rest = digits.dropFirst(3)
        return (mcc, [String(rest.prefix(3)), String(rest.prefix(2))])
    }

    /// The MMS settings for a SIM: providers with that MCC/MNC (primary first), their APN used for MMS
    /// (usage "mms", else any APN that has an <mmsc>).
    public func lookup(imsi: String) -> [CarrierSettings] {
        guard let (mcc, mncs) = Self.networkCodes(imsi: imsi) else { return [] }
        for mnc in mncs {
            let matches = providers.filter { $0.networks.contains { $0.0 == mcc && $0.1 == mnc } }
            let sorted = matches.filter(\.primary) + matches.filter { !$0.primary }
            let settings = sorted.compactMap { provider -> CarrierSettings? in
                guard
                    let apn = provider.apns.first(where: { $0.usages.contains("mms") })
                        ?? provider.apns.first(where: { $0.mmsc != nil })
                else { return nil }
                return CarrierSettings(
                    provider: provider.name, country: provider.country, mcc: mcc, mnc: mnc, apn: apn.value,
                    mmsc: apn.mmsc, proxy: apn.proxy, username: apn.username, password: apn.password)
            }
            if !settings.isEmpty { return settings }
        }
        return []
    }

    final class Reader: NSObject, XMLParserDelegate {
        var providers: [Provider] = []
        var sawRoot = false
        var depth = 0
        var country = ""
        var provider: Provider?
        var apn: APN?
        var text = ""

        func parser(
            _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            text = ""
            depth += 1
            switch element {
            case "serviceproviders": sawRoot = true
            case "country": country = attributes["code"] ?? ""
            case "provider":
                provider = Provider(
                    name: "", country: country, primary: attributes["primary"] == "true", networks: [], apns: [])
            case "network-id":
                if let mcc = attributes["mcc"], let mnc = attributes["mnc"] { provider?.networks.append((mcc, mnc)) }
            case "apn": apn = APN(value: attributes["value"] ?? "", usages: [])
            case "usage": if let type = attributes["type"] { apn?.usages.append(type) }
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            depth -= 1
            switch element {
            case "name": if apn == nil, provider?.name.isEmpty == true { provider?.name = value }
            case "mmsc": apn?.mmsc = value
            case "mmsproxy": apn?.proxy = value
            case "username": apn?.username = value
            case "password": apn?.password = value
            case "apn":
                if let apn { provider?.apns.append(apn) }
                apn = nil
            case "provider":
                if let provider { providers.append(provider) }
                provider = nil
            default: break
            }
            text = ""
        }
    }
}
