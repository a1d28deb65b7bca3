/// How packets reach the MMSC (architecture: Transport knows nothing of modems; the PPP bearer's
/// dialling is done by `MMSClient` through `Modem`, which hands over the data port).
public enum Bearer: Hashable, Sendable, CustomStringConvertible {
    /// Ordinary host routing and the system resolver (the simulator; carriers that serve MMS on the
    /// internet APN).
    case none
    /// An existing data interface (wwan0, ppp0, usb0): every socket is bound to it and names are
    /// resolved with its DNS servers; with no DNS servers the MMSC and proxy must be IP addresses.
    case interface(name: String, dnsServers: [String])

    public var description: String {
        switch self {
        case .none: return "host routing"
        case .interface(let name, let dns):
            return "interface \(name)" + (dns.isEmpty ? "" : " (DNS \(dns.joined(separator: ", ")))")
        }
    }

    var interfaceName: String? {
        if case .interface(let name, _) = self { return name }
        return nil
    }
}
