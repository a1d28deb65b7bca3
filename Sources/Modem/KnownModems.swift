import Foundation

/// What a modem's serial port is for.
public enum PortRole: String, Sendable, Codable, Hashable, CaseIterable {
    /// The AT command port (commands and URCs).
    case at
    /// The dial-up data port (also answers AT while not connected).
    case ppp
    /// Qualcomm QCDM/DIAG binary port: never send AT there.
    case diag
    case gps
    case audio
    /// A port to leave alone.
    case ignore
    case unknown
}

/// A modem model and the role of each USB interface (field guide §1.2, from ModemManager's port rules).
public struct KnownModem: Sendable, Hashable {
    public var vendorID: UInt16
    public var productID: UInt16
    public var name: String
    /// bInterfaceNumber → role.
    public var interfaces: [Int: PortRole]

    public var id: String { String(format: "%04x:%04x", vendorID, productID) }
}

/// USB states in which a stick shows no AT port.
public enum StickMode: String, Sendable, Codable, Hashable {
    /// Mass-storage ("CD-ROM") mode before usb_modeswitch.
    case massStorage = "cd-rom"
    /// Huawei HiLink firmware: a router with a web UI, no AT port.
    case hilink
    /// Qualcomm emergency download mode (failed boot).
    case qualcommDownload = "qdl"
}

public enum KnownModems {
    static func entry(_ vid: UInt16, _ pid: UInt16, _ name: String, _ interfaces: [Int: PortRole]) -> KnownModem {
        KnownModem(vendorID: vid, productID: pid, name: name, interfaces: interfaces)
    }

    static let quectelStandard: [Int: PortRole] = [0: .diag, 1: .gps, 2: .at, 3: .ppp]

    /// The built-in table; `udev/77-mmsctl.rules` must agree with it (a test checks).
    public static let table: [KnownModem] = [
        entry(0x2C7C, 0x0125, "Quectel EC25/EG25-G", quectelStandard),
        entry(0x2C7C, 0x0121, "Quectel EC21", quectelStandard),
        entry(0x2C7C, 0x0191, "Quectel EG91", quectelStandard),
        entry(0x2C7C, 0x0195, "Quectel EG95", quectelStandard),
        entry(0x2C7C, 0x0306, "Quectel EG06/EP06/EM06", quectelStandard),
        entry(0x2C7C, 0x0296, "Quectel BG96", quectelStandard),
        entry(0x2C7C, 0x0512, "Quectel EM12/EG12/EG18", quectelStandard),
        entry(0x2C7C, 0x0800, "Quectel RM500Q/RM502Q", quectelStandard),
        entry(0x2C7C, 0x0801, "Quectel RM520N", quectelStandard),
        entry(0x2C7C, 0x0128, "Quectel EM060K-GL", [3: .diag, 4: .gps, 5: .at]),
        entry(0x1E0E, 0x9001, "SIMCom SIM7600/SIM7100/SIM7000", [0: .diag, 1: .gps, 2: .at, 3: .ppp, 4: .audio]),
        entry(0x1E0E, 0x9011, "SIMCom A7600E-H/A7602E-H", [2: .ignore, 4: .at, 5: .ppp]),
        entry(0x1E0E, 0x9205, "SIMCom SIM7070/SIM7080/SIM7090", [0: .diag, 1: .gps, 2: .at, 3: .ppp]),
        entry(0x1E0E, 0x9206, "SIMCom SIM7070/SIM7080/SIM7090", [0: .diag, 1: .gps, 2: .at, 5: .ppp]),
        entry(0x05C6, 0x9000, "SIMCom SIM5320", [0: .diag, 1: .gps, 2: .at, 3: .ppp]),
        entry(0x12D1, 0x155E, "Huawei E3372h-320 / Brovi E3372-325", [0: .at]),
        entry(0x1199, 0x9071, "Sierra Wireless MC7455/EM7455 (9071)", [0: .diag, 2: .gps, 3: .at]),
        entry(0x1199, 0x9079, "Sierra Wireless EM7455", [0: .diag, 2: .gps, 3: .at]),
        entry(0x1199, 0x9091, "Sierra Wireless EM7565", [0: .diag, 2: .gps, 3: .at]),
        entry(0x1BC7, 0x1031, "Telit LE910C1-EUX", [0: .diag, 1: .at, 2: .at]),
        entry(0x1BC7, 0x1201, "Telit LE910C1", [0: .diag, 3: .gps, 4: .at, 5: .at, 6: .ignore]),
        entry(0x1546, 0x110A, "u-blox LARA-R2", [0: .at, 2: .at, 6: .gps, 8: .ignore, 10: .ignore]),
        entry(0x1546, 0x1010, "u-blox TOBY-L4", [2: .ignore, 4: .ignore, 6: .at, 8: .ignore]),
    ]

    /// Huawei sticks whose roles follow the interface protocol byte (field guide §1.2).
    public static let huaweiProtocolPIDs: Set<UInt16> = [
        0x1001, 0x1406, 0x140B, 0x140C, 0x1412, 0x141B, 0x14AC, 0x1506, 0x1573, 0x15C1,
    ]

    /// Sticks that show no AT port in this state, and what to do about it.
    public static let stickModes: [String: (StickMode, String)] = [
        "12d1:1446": (
            .massStorage,
            "usb_modeswitch -v 12d1 -p 1446 -J   (Debian package usb-modeswitch switches it automatically)"
        ),
        "12d1:1f01": (
            .massStorage,
            "usb_modeswitch -v 12d1 -p 1f01 -V 12d1 -P 155e -M 55534243123456780000000000000011063000000100010000000000000000 (to the modem-mode NCM firmware; -J switches it to HiLink instead)"
        ),
        "12d1:14fe": (.massStorage, "usb_modeswitch -v 12d1 -p 14fe -J"),
        "12d1:14dc": (
            .hilink,
            "HiLink firmware has no AT port: open its web UI (http://192.168.8.1) or flash the 'stick' firmware; on many E3372h, AT^SETPORT=\"A1,A2;12,16,A2\" via the web API's /api/device/control switches to the debug/AT mode"
        ),
        "12d1:14db": (
            .hilink,
            "HiLink firmware has no AT port: open its web UI (http://192.168.8.1) or flash the 'stick' firmware"
        ),
        "19d2:1403": (.hilink, "ZTE router-style firmware (web UI): no AT port by default"),
        "19d2:1405": (.hilink, "ZTE router-style firmware (web UI): no AT port by default"),
        "05c6:9008": (
            .qualcommDownload,
            "the modem failed to boot (Qualcomm download mode): power-cycle it; if it stays, its firmware needs reflashing"
        ),
    ]

    public static func find(vendorID: UInt16, productID: UInt16) -> KnownModem? {
        table.first { $0.vendorID == vendorID && $0.productID == productID }
    }
}

/// Decides a port's role from what udev knows: mmsctl's own rules, ModemManager's tags, the table,
/// the Huawei protocol byte; `nil` source means nothing said (probe with AT).
public enum PortClassifier {
    public struct Input: Sendable, Hashable {
        public var properties: [String: String]
        public var vendorID: UInt16?
        public var productID: UInt16?
        public var interfaceNumber: Int?
        public var interfaceProtocol: Int?

        public init(
            properties: [String: String], vendorID: UInt16?, productID: UInt16?, interfaceNumber: Int?,
            interfaceProtocol: Int?
        ) {
            self.properties = properties
            self.vendorID = vendorID
            self.productID = productID
            self.interfaceNumber = interfaceNumber
            self.interfaceProtocol = interfaceProtocol
        }
    }

    public static func classify(_ input: Input) -> (PortRole, source: String?) {
        if let own = input.properties["MMSCTL_PORT_TYPE"], let role = PortRole(rawValue: own) {
            return (role, "mmsctl udev rules")
        }
        let mm: [(String, PortRole)] = [
            ("ID_MM_PORT_TYPE_AT_PRIMARY", .at), ("ID_MM_PORT_TYPE_AT_SECONDARY", .at),
            ("ID_MM_PORT_TYPE_AT_PPP", .ppp),
            ("ID_MM_PORT_TYPE_QCDM", .diag), ("ID_MM_PORT_TYPE_GPS", .gps), ("ID_MM_PORT_TYPE_AUDIO", .audio),
            ("ID_MM_PORT_IGNORE", .ignore),
        ]
        for (key, role) in mm where input.properties[key] == "1" { return (role, "ModemManager tag \(key)") }
        if let vid = input.vendorID, let pid = input.productID,
            let known = KnownModems.find(vendorID: vid, productID: pid),
            let number = input.interfaceNumber
        {
            return (known.interfaces[number] ?? .ignore, "built-in table (\(known.name))")
        }
        if input.vendorID == 0x12D1, let protocolByte = input.interfaceProtocol {
            switch protocolByte {
            case 0x01, 0x31: return (.ppp, "Huawei interface protocol 0x\(String(protocolByte, radix: 16))")
            case 0x02, 0x32: return (.at, "Huawei interface protocol 0x\(String(protocolByte, radix: 16))")
            case 0x03, 0x33: return (.diag, "Huawei interface protocol 0x\(String(protocolByte, radix: 16))")
            default: break
            }
        }
        return (.unknown, nil)
    }
}
