/// How a simulated modem presents itself and which quirks of the field guide it reproduces.
public struct ModemProfile: Sendable, Hashable {
    public var name: String
    public var manufacturer: String
    public var model: String
    public var revision: String
    public var imei: String
    public var imsi: String
    public var ownNumber: String
    public var smsc: String
    /// Storage names and their capacities; the first is the default for all three CPMS memories.
    public var storages: [(String, Int)]
    /// Brovi E3372-325: `AT+CPMS` with fewer than three memories answers ERROR.
    public var cpmsNeedsThreeMemories = false
    /// CNMI settings the firmware refuses (SIM800L and SIMCom refuse ds=2, MSM mode 2).
    public var refusesCNMI: @Sendable ([Int]) -> Bool = { _ in false }
    /// Answer to an unknown command.
    public var unknownCommand = "ERROR"
    /// URCs the modem emits now and then (signal, mode), used by the noise fault.
    public var noiseURCs: [String] = []
    /// URCs after a reset, in order.
    public var bootURCs: [String] = []
    /// When set, the SIM starts locked and wants this PIN.
    public var pin: String?

    public static func == (lhs: ModemProfile, rhs: ModemProfile) -> Bool { lhs.name == rhs.name && lhs.pin == rhs.pin }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// A plain 27.005/27.007 modem.
    public static let generic = ModemProfile(
        name: "generic", manufacturer: "mmsctl", model: "Simulated 27.007 modem", revision: "SIM 1.0",
        imei: "359000000000001", imsi: "001010123456789", ownNumber: "+15550100001", smsc: "+15550199999",
        storages: [("ME", 23), ("SM", 20), ("MT", 43)], bootURCs: ["+CPIN: READY"])

    /// Huawei E1752/E3372 stick firmware: ^RSSI/^MODE/^SRVST noise, COMMAND NOT SUPPORT, ME 23 / SM 50.
    public static let huawei = ModemProfile(
        name: "huawei", manufacturer: "huawei", model: "E1752", revision: "11.126.13.00.00",
        imei: "358000000000002", imsi: "262011234567890", ownNumber: "+491700000002", smsc: "+491722270333",
        storages: [("ME", 23), ("SM", 50)], unknownCommand: "COMMAND NOT SUPPORT",
        noiseURCs: ["^RSSI:14", "^MODE:5,4", "^SRVST:0", "^HWNAT:06"],
        bootURCs: ["^BOOT:35323129,0,0,0,26", "^SIMST:1", "^SRVST:2"])

    /// SIMCom SIM7600: refuses CNMI ds=2, SMS DONE / PB DONE at boot.
    public static let simcom = ModemProfile(
        name: "simcom", manufacturer: "SIMCOM INCORPORATED", model: "SIMCOM_SIM7600E-H", revision: "LE20B04SIM7600M22",
        imei: "867000000000003", imsi: "234101234567890", ownNumber: "+447700900003", smsc: "+447785016005",
        storages: [("SM", 30), ("ME", 100)], refusesCNMI: { $0.count > 3 && $0[3] == 2 },
        noiseURCs: ["+CNSMOD: 8"], bootURCs: ["RDY", "+CPIN: READY", "SMS DONE", "PB DONE"])

    /// Quectel EG25-G: RDY, +QUSIM, +QIND: SMS DONE; three-field CPMS answers.
    public static let quectel = ModemProfile(
        name: "quectel", manufacturer: "Quectel", model: "EG25", revision: "EG25GGBR07A08M2G",
        imei: "867000000000004", imsi: "310260123456789", ownNumber: "+12065550104", smsc: "+12063130025",
        storages: [("ME", 255), ("SM", 30), ("MT", 285)], noiseURCs: ["+QIND: \"csq\",20,99"],
        bootURCs: ["RDY", "+CPIN: READY", "+QUSIM: 1", "+CFUN: 1", "+QIND: SMS DONE"])

    public static let all: [ModemProfile] = [.generic, .huawei, .simcom, .quectel]

    public static func named(_ name: String) -> ModemProfile? { all.first { $0.name == name } }

    public func locked(pin: String) -> ModemProfile {
        var copy = self
        copy.pin = pin
        return copy
    }
}
