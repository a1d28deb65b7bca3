import Foundation
import Testing

@testable import Modem
@testable import Simulator

/// Port classification from recorded udev property sets of real modems (as `udevadm info` prints them),
/// the rules file in udev/, and discovery on this machine.
@Suite struct DiscoveryTests {
    /// `udevadm info /dev/ttyUSB2` of a Quectel EG25-G with ModemManager's rules installed.
    static let quectelEG25: [String: String] = [
        "DEVNAME": "/dev/ttyUSB2", "ID_VENDOR_ID": "2c7c", "ID_MODEL_ID": "0125", "ID_USB_INTERFACE_NUM": "02",
        "ID_USB_DRIVER": "option", "ID_MM_CANDIDATE": "1", "ID_MM_PORT_TYPE_AT_PRIMARY": "1", "SUBSYSTEM": "tty",
    ]
    /// A Huawei E3372 stick-mode port (12d1:1506) without MM tags: the PCUI port by its protocol byte.
    static let huaweiE3372: [String: String] = [
        "DEVNAME": "/dev/ttyUSB0", "ID_VENDOR_ID": "12d1", "ID_MODEL_ID": "1506", "ID_USB_INTERFACE_NUM": "02",
        "ID_USB_DRIVER": "option", "SUBSYSTEM": "tty",
    ]
    /// A Sierra EM7455 port with mmsctl's own rule applied.
    static let sierraWithOurRule: [String: String] = [
        "DEVNAME": "/dev/ttyUSB2", "ID_VENDOR_ID": "1199", "ID_MODEL_ID": "9071", "ID_USB_INTERFACE_NUM": "03",
        "MMSCTL_PORT_TYPE": "at", "ID_MM_PORT_TYPE_GPS": "1",
    ]

    @Test func ourRulesWinOverModemManagersTags() {
        let result = PortClassifier.classify(
            .init(
                properties: Self.sierraWithOurRule, vendorID: 0x1199, productID: 0x9071,
                interfaceNumber: 3, interfaceProtocol: 0xFF))
        #expect(result.0 == .at)
        #expect(result.source == "mmsctl udev rules")
    }

    @Test func modemManagerTagsAreUsedWhenPresent() {
        let result = PortClassifier.classify(
            .init(
                properties: Self.quectelEG25, vendorID: 0x2C7C, productID: 0x0125,
                interfaceNumber: 2, interfaceProtocol: 0xFF))
        #expect(result.0 == .at)
        #expect(result.source == "ModemManager tag ID_MM_PORT_TYPE_AT_PRIMARY")
    }

    @Test func theTableClassifiesWithoutAnyTags() {
        let cases: [(UInt16, UInt16, Int, PortRole)] = [
            (0x2C7C, 0x0125, 0, .diag), (0x2C7C, 0x0125, 2, .at), (0x2C7C, 0x0125, 3, .ppp), (0x1E0E, 0x9001, 2, .at),
            (0x1E0E, 0x9011, 4, .at), (0x1199, 0x9091, 3, .at), (0x1199, 0x9091, 0, .diag), (0x1BC7, 0x1031, 1, .at),
            (0x1546, 0x1010, 6, .at), (0x2C7C, 0x0128, 5, .at), (0x2C7C, 0x0125, 9, .ignore),
        ]
        for (vid, pid, number, role) in cases {
            #expect(
                PortClassifier.classify(
                    .init(
                        properties: [:], vendorID: vid, productID: pid, interfaceNumber: number,
                        interfaceProtocol: nil)
                ).0 == role, "\(vid):\(pid) if\(number)")
        }
    }

    @Test func huaweiPortsFollowTheProtocolByte() {
        for (byte, role) in [(0x02, PortRole.at), (0x32, .at), (0x01, .ppp), (0x03, .diag)] {
            #expect(
                PortClassifier.classify(
                    .init(
                        properties: Self.huaweiE3372, vendorID: 0x12D1, productID: 0x1506,
                        interfaceNumber: 2, interfaceProtocol: byte)
                ).0 == role)
        }
    }

    @Test func unknownDevicesAreUnknownSoTheyGetProbed() {
        let result = PortClassifier.classify(
            .init(properties: [:], vendorID: 0x0403, productID: 0x6001, interfaceNumber: 0, interfaceProtocol: 0xFF))
        #expect(result.0 == .unknown && result.source == nil)
    }

    @Test func sticksWithoutATPortAreRecognised() {
        #expect(KnownModems.stickModes["12d1:14dc"]?.0 == .hilink)
        #expect(KnownModems.stickModes["12d1:1f01"]?.0 == .massStorage)
        #expect(KnownModems.stickModes["12d1:1f01"]?.1.contains("usb_modeswitch") == true)
        #expect(KnownModems.stickModes["05c6:9008"]?.0 == .qualcommDownload)
    }

    @Test func discoveryRunsHereAndSaysWhenUdevHasNoDatabase() {
        let result = ModemDiscovery.discover()
        if ModemDiscovery.hasUdevDatabase {
            #expect(result.warning == nil)
        } else {
            #expect(result.warning?.contains("/run/udev/data") == true)
        }
        for modem in result.modems { #expect(!modem.usbID.isEmpty) }
    }

    // MARK: udev/ rules

    static let rulesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("udev")

    struct Rule {
        var matches: [String: String]
        var assignments: [String: String]
    }

    /// Parses a rules file: every non-comment line is comma-separated `KEY[{attr}] OP "value"`.
    static func parse(_ name: String) throws -> [Rule] {
        let text = try String(contentsOf: rulesFolder.appendingPathComponent(name), encoding: .utf8)
        var rules: [Rule] = []
        let pattern = try NSRegularExpression(
            pattern: #"([A-Z_]+(\{[A-Za-z0-9_]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)""#)
        let knownKeys: Set<String> = [
            "ACTION", "SUBSYSTEM", "SUBSYSTEMS", "ATTRS", "ENV", "IMPORT", "GOTO", "LABEL", "GROUP", "MODE", "SYMLINK",
        ]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var rule = Rule(matches: [:], assignments: [:])
            let range = NSRange(trimmed.startIndex..., in: trimmed)
            let matches = pattern.matches(in: trimmed, range: range)
            // Everything outside the key-op-value items must be separators only.
            var rest = trimmed
            for match in matches.reversed() { rest.removeSubrange(Range(match.range, in: trimmed)!) }
            #expect(rest.allSatisfy { $0 == "," || $0 == " " }, "\(name):\(number + 1): cannot parse «\(rest)»")
            #expect(!matches.isEmpty, "\(name):\(number + 1): no rule items")
            for match in matches {
                let key = String(trimmed[Range(match.range(at: 1), in: trimmed)!])
                let op = String(trimmed[Range(match.range(at: 3), in: trimmed)!])
                let value = String(trimmed[Range(match.range(at: 4), in: trimmed)!])
                #expect(
                    knownKeys.contains(String(key.prefix { $0 != "{" })), "\(name):\(number + 1): unknown key \(key)")
                if op == "==" || op == "!=" { rule.matches[key] = value } else { rule.assignments[key] = value }
            }
            rules.append(rule)
        }
        return rules
    }

    @Test func everyRuleLineParsesAndAgreesWithTheBuiltInTable() throws {
        let rules = try Self.parse("77-mmsctl.rules")
        var fromRules: Set<String> = []
        var huaweiPIDs: Set<UInt16> = []
        for rule in rules {
            guard let vid = rule.matches["ATTRS{idVendor}"], let pid = rule.matches["ATTRS{idProduct}"],
                let role = rule.assignments["ENV{MMSCTL_PORT_TYPE}"]
            else { continue }
            #expect(PortRole(rawValue: role) != nil, "role \(role)")
            if let number = rule.matches["ENV{ID_USB_INTERFACE_NUM}"] {
                fromRules.insert("\(vid):\(pid):\(Int(number, radix: 16)!):\(role)")
            } else if rule.matches["ATTRS{bInterfaceProtocol}"] != nil {
                huaweiPIDs.insert(UInt16(pid, radix: 16)!)
            }
            if role == "at" || role == "ppp" {
                #expect(rule.assignments["SYMLINK"] == "mmsctl/$env{ID_SERIAL_SHORT}-\(role)")
                #expect(rule.assignments["GROUP"] == "dialout")
            }
        }
        var fromTable: Set<String> = []
        for modem in KnownModems.table {
            for (number, role) in modem.interfaces { fromTable.insert("\(modem.id):\(number):\(role.rawValue)") }
        }
        #expect(fromRules == fromTable)
        #expect(huaweiPIDs == KnownModems.huaweiProtocolPIDs)
    }

    @Test func theModemManagerIgnoreRulesCoverEveryKnownModem() throws {
        let rules = try Self.parse("78-mmsctl-modemmanager-ignore.rules")
        let ignored = Set(
            rules.compactMap { rule -> String? in
                guard rule.assignments["ENV{ID_MM_DEVICE_IGNORE}"] == "1", let vid = rule.matches["ATTRS{idVendor}"],
                    let pid = rule.matches["ATTRS{idProduct}"]
                else { return nil }
                return "\(vid):\(pid)"
            })
        #expect(Set(KnownModems.table.map(\.id)).isSubset(of: ignored))
    }
}

@Suite struct ProbeTests {
    @Test func anUnclassifiedPortThatAnswersATBecomesTheATPort() async throws {
        let modem = try SimulatedModem()
        modem.start()
        defer { modem.stop() }
        let unknown = ModemDiscovery.Result(
            modems: [
                DiscoveredModem(
                    usbID: "0403:6001", name: "USB serial", serial: nil, usbPath: "/sys/x",
                    ports: [
                        DiscoveredPort(
                            device: "/dev/ttyUSB-none", role: .unknown, source: nil, interfaceNumber: 0, driver: nil),
                        DiscoveredPort(
                            device: modem.devicePath, role: .unknown, source: nil, interfaceNumber: 1, driver: nil),
                    ], mode: nil, advice: nil, networkInterfaces: [])
            ], warning: nil)
        let probed = await ModemDiscovery.probeUnknownPorts(unknown, lockDirectory: NSTemporaryDirectory())
        #expect(probed.modems[0].atPort?.device == modem.devicePath)
        #expect(probed.modems[0].atPort?.source == "answered AT")
        #expect(probed.modems[0].ports[0].role == .unknown)
    }
}
