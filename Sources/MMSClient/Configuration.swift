import Foundation
import PDU
import Transport

/// Where a configuration value came from, in precedence order (architecture: flags > environment >
/// user file > system file > carrier database > defaults).
public enum ConfigurationSource: String, Sendable, Codable, Hashable {
    case flag, environment, userFile = "user file", systemFile = "system file", carrier = "carrier database", `default`
}

/// What a setting must be; every value, from any source, is checked against it.
public enum ConfigurationKind: Sendable, Hashable {
    case text
    case path
    case url
    case hostPort
    case integer(ClosedRange<Int>)
    case choice([String])
    case pin
    case interface
    /// A comma separated list (or a TOML array) of IP addresses.
    case addresses
    /// A comma separated list (or a TOML array) of these words, any case.
    case words([String])

    var isList: Bool {
        switch self {
        case .addresses, .words: return true
        default: return false
        }
    }

    /// What is expected, for the error message.
    var expectation: String {
        switch self {
        case .text: return "text without control characters"
        case .path: return "an absolute path"
        case .url: return "an http:// URL (e.g. http://mms.example/mms)"
        case .hostPort: return "host:port, the port from 1 to 65535 (e.g. 10.0.0.10:8080)"
        case .integer(let range): return "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .choice(let options): return "one of " + options.joined(separator: ", ")
        case .pin: return "4 to 8 digits"
        case .interface: return "a network interface name (letters, digits, . _ -, at most 15)"
        case .addresses: return "IP addresses, as a list or comma separated"
        case .words(let options): return "a list of " + options.joined(separator: ", ")
        }
    }
}

/// The outcome of checking a value: its canonical text, or why it is refused.
public enum ConfigurationCheck: Sendable, Hashable {
    case valid(String)
    case invalid(String)
}

/// The settings mmsctl knows, with their TOML key, environment variable and meaning.
public struct ConfigurationKey: Sendable, Hashable {
    public var name: String
    public var help: String
    public var defaultValue: String?
    public var kind: ConfigurationKind = .text
    public var isSecret = false
    public var environment: String { "MMSCTL_" + name.uppercased().replacingOccurrences(of: ".", with: "_") }

    public static let all: [ConfigurationKey] = [
        .init(name: "modem.device", help: "the modem's AT port (default: found by discovery)", kind: .path),
        .init(name: "modem.pin", help: "the SIM PIN", kind: .pin, isSecret: true),
        .init(name: "mms.apn", help: "the carrier's MMS APN"),
        .init(name: "mms.mmsc", help: "the MMSC URL (http://…)", kind: .url),
        .init(name: "mms.proxy", help: "the MMS proxy, host:port", kind: .hostPort),
        .init(
            name: "mms.user_agent", help: "User-Agent sent to the MMSC", defaultValue: "mmsctl/0.2 (Linux; MMS 1.2)"),
        .init(name: "mms.ua_profile", help: "UAProf URL sent as x-wap-profile", kind: .url),
        .init(
            name: "mms.max_size", help: "largest message accepted or sent, in bytes", defaultValue: "307200",
            kind: .integer(1...(64 << 20))),
        .init(
            name: "mms.refuse_classes",
            help: "message classes answered Rejected without fetching, comma separated (e.g. Advertisement)",
            kind: .words(["personal", "advertisement", "informational", "auto"])),
        .init(
            name: "mms.country_code",
            help: "the country calling code for national numbers (e.g. 49); default: from the SIM",
            kind: .integer(1...9999)),
        .init(name: "store.path", help: "the store folder (default $XDG_DATA_HOME/mmsctl)", kind: .path),
        .init(name: "hooks.on_message", help: "a command run once per new message, its JSON on standard input"),
        .init(
            name: "http.retries", help: "retries of a failed HTTP request within one run", defaultValue: "2",
            kind: .integer(0...10)),
        .init(
            name: "bearer.kind", help: "none | interface | ppp", defaultValue: "none",
            kind: .choice(["none", "interface", "ppp"])),
        .init(
            name: "bearer.interface", help: "the data interface for kind = interface (wwan0, ppp0, usb0)",
            kind: .interface),
        .init(name: "bearer.dns", help: "DNS servers of the MMS bearer, comma separated", kind: .addresses),
        .init(name: "bearer.data_device", help: "the modem's data (PPP) port for kind = ppp", kind: .path),
        .init(
            name: "bearer.cid", help: "PDP context id for the MMS APN", defaultValue: "1", kind: .integer(1...255)),
    ]

    /// MMSCTL_ variables that are not settings but are read by mmsctl or its tests.
    public static let otherVariables: Set<String> = [
        "MMSCTL_LOCK_DIR", "MMSCTL_CARRIER_DATABASE", "MMSCTL_BIN", "MMSCTL_FUZZ_MUTANTS", "MMSCTL_PEAK_RSS_FILE",
    ]

    public static func named(_ name: String) -> ConfigurationKey? { all.first { $0.name == name } }

    /// The value in its canonical text form, or why it is not acceptable.
    public func check(_ value: TOML.Value) -> ConfigurationCheck {
        if case .array(let items) = value {
            guard kind.isList else { return .invalid("expected \(kind.expectation), found an array") }
            return check(text: items.map(\.description).joined(separator: ","))
        }
        switch (kind, value) {
        case (.integer, .integer(let number)): return check(text: String(number))
        case (.integer, _): return .invalid("expected \(kind.expectation), found \(value.typeName)")
        case (_, .string(let text)): return check(text: text)
        default: return .invalid("expected \(kind.expectation), found \(value.typeName)")
        }
    }

    /// The same check for text (flags and environment variables).
    public func check(text raw: String) -> ConfigurationCheck {
        let text = raw.trimming(" \t")
        let fail = { ConfigurationCheck.invalid("expected \(kind.expectation)") }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return .invalid("contains a control character; expected \(kind.expectation)")
        }
        switch kind {
        case .text:
            return .valid(text)
        case .path:
            return text.hasPrefix("/") && !text.contains("\0") ? .valid(text) : fail()
        case .url:
            guard text.lowercased().hasPrefix("http://"), (try? HTTPURL(text)) != nil else {
                if text.lowercased().hasPrefix("https://") {
                    return .invalid("https is not supported by MMSCs' WAP-era clients; expected \(kind.expectation)")
                }
                return fail()
            }
            return .valid(text)
        case .hostPort:
            guard let hostPort = HostPort(parsing: text), (1...65_535).contains(hostPort.port), !hostPort.host.isEmpty,
                !hostPort.host.contains(" ")
            else { return fail() }
            return .valid(text)
        case .integer(let range):
            guard let number = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(number) else {
                return fail()
            }
            return .valid(String(number))
        case .choice(let options):
            return options.contains(text.lowercased()) ? .valid(text.lowercased()) : fail()
        case .pin:
            return (4...8).contains(text.count) && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber)
                ? .valid(text) : fail()
        case .interface:
            let allowed = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
            return !text.isEmpty && text.count <= 15 && allowed ? .valid(text) : fail()
        case .addresses:
            let items = text.split(separator: ",").map { String($0).trimming(" ") }.filter { !$0.isEmpty }
            guard !items.isEmpty, items.allSatisfy(Self.isIPAddress) else { return fail() }
            return .valid(items.joined(separator: ","))
        case .words(let options):
            let items = text.split(separator: ",").map { String($0).trimming(" ").lowercased() }.filter { !$0.isEmpty }
            guard items.allSatisfy(options.contains) else { return fail() }
            return .valid(items.joined(separator: ","))
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// The effective configuration: every value with its source, what was wrong with the ones that
/// were refused (`errors`), and what only deserves a word (`warnings`).
public struct Configuration: Sendable {
    public struct Entry: Sendable, Hashable, Codable {
        public var key: String
        public var value: String?
        public var source: ConfigurationSource?
        /// Where exactly: the file path and line, the variable name, or the flag.
        public var origin: String?
    }

    public var entries: [String: Entry]
    public var warnings: [String]
    /// Values that were refused (each names the key, where it was set, and what is expected); the
    /// layer below is used instead. Commands that use the configuration stop on them (exit 78).
    public var errors: [String]
    public var carrier: CarrierSettings?

    public subscript(_ key: String) -> String? { entries[key]?.value }

    public func source(_ key: String) -> ConfigurationSource? { entries[key]?.source }

    /// The entries for display: secrets masked.
    public var displayEntries: [Entry] {
        ConfigurationKey.all.compactMap { key in
            guard var entry = entries[key.name] else { return nil }
            if key.isSecret, entry.value != nil { entry.value = "****" }
            return entry
        }
    }

    public static var userFile: String {
        let base =
            ProcessInfo.processInfo.environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.config")
        return base + "/mmsctl/config.toml"
    }

    public static let systemFile = "/etc/mmsctl/config.toml"
    /// A configuration file larger than this is not one.
    public static let maximumFileSize = 1 << 20

    /// Merges the layers. A missing implicit file is fine; an implicit file that exists but cannot be
    /// read or parsed is a warning; an explicit one (`explicitFile`, from `--config`) is an error.
    public static func load(
        flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment,
        userFile: String = Configuration.userFile, systemFile: String = Configuration.systemFile,
        explicitFile: Bool = false, carrier: CarrierSettings? = nil
    ) -> Configuration {
        var warnings: [String] = []
        var errors: [String] = []
        struct Layer {
            var values: [String: String] = [:]
            var origins: [String: String] = [:]
        }
        func read(_ path: String, explicit: Bool) -> Layer {
            var layer = Layer()
            let complain = { (text: String) in
                if explicit { errors.append(text) } else { warnings.append(text + " (file ignored)") }
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                if explicit { errors.append("\(path): no such file") }
                return layer
            }
            if isDirectory.boolValue {
                complain("\(path): is a folder, not a configuration file")
                return layer
            }
            guard let handle = FileHandle(forReadingAtPath: path) else {
                complain("\(path): cannot be read (\(String(cString: strerror(errno))))")
                return layer
            }
            defer { try? handle.close() }
            let data = (try? handle.read(upToCount: maximumFileSize + 1)) ?? Data()
            guard data.count <= maximumFileSize else {
                complain("\(path): larger than \(maximumFileSize) bytes; not a configuration file")
                return layer
            }
            guard let text = String(data: data, encoding: .utf8) else {
                complain("\(path): not UTF-8 text")
                return layer
            }
            let parsed: [String: TOML.Entry]
            do {
                parsed = try TOML.parseWithLines(text)
            } catch {
                complain("\(path): \(error)")
                return layer
            }
            for (name, entry) in parsed.sorted(by: { $0.key < $1.key }) {
                let place = entry.line.map { "\(path):\($0)" } ?? path
                guard let key = ConfigurationKey.named(name) else {
                    warnings.append("\(place): unknown setting \(name) (ignored)")
                    continue
                }
                switch key.check(entry.value) {
                case .valid(let value):
                    layer.values[name] = value
                    layer.origins[name] = place
                case .invalid(let reason):
                    let shown = key.isSecret ? "****" : TerminalText.safe(entry.value.description)
                    errors.append("\(name) = \(shown) (\(place)): \(reason)")
                }
            }
            return layer
        }
        func checked(_ values: [String: String], fatal: Bool = true, origin: (ConfigurationKey) -> String) -> Layer {
            var layer = Layer()
            for (name, text) in values {
                guard let key = ConfigurationKey.named(name) else { continue }
                switch key.check(text: text) {
                case .valid(let value):
                    layer.values[name] = value
                    layer.origins[name] = origin(key)
                case .invalid(let reason):
                    let shown = key.isSecret ? "****" : TerminalText.safe(text)
                    let message = "\(name) = \(shown) (\(origin(key))): \(reason)"
                    if fatal { errors.append(message) } else { warnings.append(message + " (ignored)") }
                }
            }
            return layer
        }
        let flagLayer = checked(flags.filter { !$0.value.isEmpty }) {
            "--" + $0.name.split(separator: ".").last!.replacingOccurrences(of: "_", with: "-")
        }
        var environmentValues: [String: String] = [:]
        let known = Dictionary(uniqueKeysWithValues: ConfigurationKey.all.map { ($0.environment, $0.name) })
        for (variable, value) in environment where variable.hasPrefix("MMSCTL_") {
            if let name = known[variable] {
                if !value.isEmpty { environmentValues[name] = value }
            } else if !ConfigurationKey.otherVariables.contains(variable) {
                warnings.append("unknown environment variable \(variable) (ignored)")
            }
        }
        let environmentLayer = checked(environmentValues) { $0.environment }
        let user = read(userFile, explicit: explicitFile)
        let system = read(systemFile, explicit: false)
        var carrierValues: [String: String] = [:]
        if let carrier {
            carrierValues["mms.apn"] = carrier.apn
            carrierValues["mms.mmsc"] = carrier.mmsc
            carrierValues["mms.proxy"] = carrier.proxy
        }
        let carrierLayer = checked(carrierValues.compactMapValues { $0 }, fatal: false) { _ in
            carrier.map { "\($0.provider) (\($0.mcc)-\($0.mnc))" } ?? "carrier"
        }
        var entries: [String: Entry] = [:]
        for key in ConfigurationKey.all {
            let layers: [(Layer, ConfigurationSource)] = [
                (flagLayer, .flag), (environmentLayer, .environment), (user, .userFile), (system, .systemFile),
                (carrierLayer, .carrier),
            ]
            if let (layer, source) = layers.first(where: { $0.0.values[key.name] != nil }) {
                entries[key.name] = Entry(
                    key: key.name, value: layer.values[key.name], source: source, origin: layer.origins[key.name])
            } else {
                entries[key.name] = Entry(
                    key: key.name, value: key.defaultValue, source: key.defaultValue == nil ? nil : .default,
                    origin: nil)
            }
        }
        return Configuration(
            entries: entries, warnings: warnings.sorted(), errors: errors.sorted(), carrier: carrier)
    }

    /// The transport settings it gives: proxy, User-Agent, UAProf, retries, and the bearer's interface
    /// and DNS (a ppp bearer's interface exists only once pppd has dialled: `PPPNetwork` sets it).
    public var transport: TransportConfiguration {
        var transport = TransportConfiguration()
        if let proxy = self["mms.proxy"] { transport.proxy = HostPort(parsing: proxy) }
        if let agent = self["mms.user_agent"] { transport.userAgent = agent }
        transport.uaProfile = self["mms.ua_profile"]
        let dns = (self["bearer.dns"] ?? "").split(separator: ",").map { String($0).trimming(" ") }
            .filter { !$0.isEmpty }
        if self["bearer.kind"] == "interface", let name = self["bearer.interface"] {
            transport.bearer = .interface(name: name, dnsServers: dns)
        }
        if let retries = self["http.retries"].flatMap({ Int($0) }) { transport.retries = max(0, min(retries, 10)) }
        return transport
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
