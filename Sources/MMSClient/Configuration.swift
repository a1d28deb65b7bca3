import Foundation

/// Where a configuration value came from, in precedence order (architecture: flags > environment >
/// user file > system file > carrier database > defaults).
public enum ConfigurationSource: String, Sendable, Codable, Hashable {
    case flag, environment, userFile = "user file", systemFile = "system file", carrier = "carrier database", `default`
}

/// The settings mmsctl knows, with their TOML key, environment variable and meaning.
public struct ConfigurationKey: Sendable, Hashable {
    public var name: String
    public var help: String
    public var defaultValue: String?
    public var environment: String { "MMSCTL_" + name.uppercased().replacingOccurrences(of: ".", with: "_") }

    public static let all: [ConfigurationKey] = [
        .init(name: "modem.device", help: "the modem's AT port (default: found by discovery)"),
        .init(name: "modem.pin", help: "the SIM PIN"),
        .init(name: "mms.apn", help: "the carrier's MMS APN"),
        .init(name: "mms.mmsc", help: "the MMSC URL (http://…)"),
        .init(name: "mms.proxy", help: "the MMS proxy, host:port"),
        .init(name: "mms.user_agent", help: "User-Agent sent to the MMSC", defaultValue: "mmsctl/0.1 (Linux; MMS 1.2)"),
        .init(name: "mms.ua_profile", help: "UAProf URL sent as x-wap-profile"),
        .init(name: "mms.max_size", help: "largest message accepted or sent, in bytes", defaultValue: "307200"),
        .init(
            name: "mms.refuse_classes",
            help: "message classes answered Rejected without fetching, comma separated (e.g. Advertisement)"),
        .init(name: "store.path", help: "the store folder (default $XDG_DATA_HOME/mmsctl)"),
        .init(name: "hooks.on_message", help: "a command run once per new message, its JSON on standard input"),
        .init(name: "http.retries", help: "retries of a failed HTTP request within one run", defaultValue: "2"),
        .init(name: "bearer.kind", help: "none | interface | ppp", defaultValue: "none"),
        .init(name: "bearer.interface", help: "the data interface for kind = interface (wwan0, ppp0, usb0)"),
        .init(name: "bearer.dns", help: "DNS servers of the MMS bearer, comma separated"),
        .init(name: "bearer.data_device", help: "the modem's data (PPP) port for kind = ppp"),
        .init(name: "bearer.cid", help: "PDP context id for the MMS APN", defaultValue: "1"),
    ]

    public static func named(_ name: String) -> ConfigurationKey? { all.first { $0.name == name } }
}

/// The effective configuration: every value with its source, and what went wrong reading it.
public struct Configuration: Sendable {
    public struct Entry: Sendable, Hashable, Codable {
        public var key: String
        public var value: String?
        public var source: ConfigurationSource?
        /// Where exactly: the file path or the variable name.
        public var origin: String?
    }

    public var entries: [String: Entry]
    public var warnings: [String]
    public var carrier: CarrierSettings?

    public subscript(_ key: String) -> String? { entries[key]?.value }

    public func source(_ key: String) -> ConfigurationSource? { entries[key]?.source }

    public static var userFile: String {
        let base =
            ProcessInfo.processInfo.environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.config")
        return base + "/mmsctl/config.toml"
    }

    public static let systemFile = "/etc/mmsctl/config.toml"

    /// Merges the layers; a missing file is fine, a malformed one is a warning naming the line.
    public static func load(
        flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment,
        userFile: String = Configuration.userFile, systemFile: String = Configuration.systemFile,
        carrier: CarrierSettings? = nil
    ) -> Configuration {
        var warnings: [String] = []
        func read(_ path: String) -> [String: String] {
            guard let data = FileManager.default.contents(atPath: path) else { return [:] }
            do {
                let values = try TOML.parse(String(decoding: data, as: UTF8.self))
                var flat: [String: String] = [:]
                for (key, value) in values {
                    guard ConfigurationKey.named(key) != nil else {
                        warnings.append("\(path): unknown setting \(key) (ignored)")
                        continue
                    }
                    if case .array(let items) = value {
                        flat[key] = items.map(\.description).joined(separator: ",")
                    } else {
                        flat[key] = value.description
                    }
                }
                return flat
            } catch {
                warnings.append("\(path): \(error) (file ignored)")
                return [:]
            }
        }
        let user = read(userFile)
        let system = read(systemFile)
        var carrierValues: [String: String] = [:]
        if let carrier {
            carrierValues["mms.apn"] = carrier.apn
            carrierValues["mms.mmsc"] = carrier.mmsc
            carrierValues["mms.proxy"] = carrier.proxy
        }
        var entries: [String: Entry] = [:]
        for key in ConfigurationKey.all {
            let layers: [(String?, ConfigurationSource, String?)] = [
                (
                    flags[key.name], .flag,
                    "--" + key.name.split(separator: ".").last!.replacingOccurrences(of: "_", with: "-")
                ),
                (environment[key.environment], .environment, key.environment),
                (user[key.name], .userFile, userFile),
                (system[key.name], .systemFile, systemFile),
                (carrierValues[key.name], .carrier, carrier.map { "\($0.provider) (\($0.mcc)-\($0.mnc))" }),
                (key.defaultValue, .default, nil),
            ]
            let chosen = layers.first { $0.0 != nil && $0.0?.isEmpty == false }
            entries[key.name] = Entry(key: key.name, value: chosen?.0, source: chosen?.1, origin: chosen?.2)
        }
        return Configuration(entries: entries, warnings: warnings, carrier: carrier)
    }

    /// MMS settings that are still missing (the APN is needed for ppp/context activation, the MMSC always).
    public var missingMMSSettings: [String] {
        var missing: [String] = []
        if self["mms.mmsc"] == nil { missing.append("mms.mmsc") }
        if self["mms.apn"] == nil && self["bearer.kind"] == "ppp" { missing.append("mms.apn") }
        if self["bearer.kind"] == "interface" && self["bearer.interface"] == nil { missing.append("bearer.interface") }
        if self["bearer.kind"] == "ppp" && self["bearer.data_device"] == nil { missing.append("bearer.data_device") }
        return missing
    }
}
