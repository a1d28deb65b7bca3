import PDU

/// Identity of a modem and its SIM (27.007 §5).
public struct ModemIdentity: Hashable, Sendable, Codable {
    public var manufacturer: String?
    public var model: String?
    public var revision: String?
    public var imei: String?
    public var imsi: String?
    public var ownNumber: String?
}

/// `AT+CPIN?` (27.007 §8.3).
public enum PINState: Hashable, Sendable, CustomStringConvertible {
    case ready
    case pinRequired
    case pukRequired
    case other(String)

    public var description: String {
        switch self {
        case .ready: return "READY"
        case .pinRequired: return "SIM PIN"
        case .pukRequired: return "SIM PUK"
        case .other(let text): return text
        }
    }
}

/// Registration (`+CREG`, `+CGREG`, `+CEREG`; 27.007 §7.2, §10.1.20).
public struct Registration: Hashable, Sendable, Codable {
    /// 0 not searching, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming (6–10: SMS-only and others).
    public var status: Int
    public var area: String?
    public var cell: String?
    public var accessTechnology: Int?
    public var isRegistered: Bool { status == 1 || status == 5 || status == 6 || status == 7 }

    /// The state in words (27.007 §7.2 <stat>).
    public var statusText: String {
        switch status {
        case 0: return "not registered, not searching"
        case 1: return "registered, home"
        case 2: return "not registered, searching"
        case 3: return "registration denied"
        case 4: return "unknown"
        case 5: return "registered, roaming"
        case 6: return "registered for SMS only, home"
        case 7: return "registered for SMS only, roaming"
        case 8: return "emergency services only"
        case 9: return "registered for CSFB not preferred, home"
        case 10: return "registered for CSFB not preferred, roaming"
        default: return "state \(status)"
        }
    }
}

/// One SMS storage and its use (`+CPMS`; 27.005 §3.2.2).
public struct StorageUse: Hashable, Sendable, Codable {
    public var memory: String
    public var used: Int
    public var total: Int
    public var isNearlyFull: Bool { total > 0 && used >= total - 2 }
}

/// A message stored in the modem.
public struct StoredSMS: Hashable, Sendable {
    public var index: Int
    /// 0 received unread, 1 received read, 2 stored unsent, 3 stored sent.
    public var status: Int
    public var tpduLength: Int
    public var hex: String
    /// The decoded PDU, or the reason it does not decode (the message is still listed, never dropped).
    public var pdu: Result<SMSPDU, PDUError>
}

/// A PDP context definition (`+CGDCONT`; 27.007 §10.1.1) and its state.
public struct PDPContext: Hashable, Sendable, Codable {
    public var cid: Int
    public var type: String
    public var apn: String
    public var active: Bool?
}

/// Dynamic parameters of an active context (`+CGCONTRDP`; 27.007 §10.1.23).
public struct PDPParameters: Hashable, Sendable, Codable {
    public var cid: Int
    public var apn: String?
    public var address: String?
    public var gateway: String?
    public var dnsServers: [String]
}

/// The typed operations mmsctl needs, each one or a few AT commands with a lenient answer parser.
public struct ModemCommands: Sendable {
    public let channel: ATChannel

    public init(channel: ATChannel) { self.channel = channel }

    /// The init sequence of the field guide §8.2: leave a prompt, wake the modem, echo off, numeric
    /// errors, PIN, PDU mode, storage, and +CMTI indications (store and notify, never route).
    /// How new messages are announced: stored and indicated (+CMTI; what mmsctl uses, nothing is lost
    /// when no one is listening) or routed (+CMT, acknowledged with AT+CNMA under AT+CSMS=1).
    public enum Indications: Sendable {
        case store
        case route
    }

    public func initialize(
        pin: String? = nil, storage: [String] = ["ME", "SM"], indications: Indications = .store
    ) async throws(ATError) -> [String] {
        var notes: [String] = []
        var awake = false
        // Up to ~30 s (field guide §8.2); 2.5 s each, so that an answer 2 s late still counts.
        for _ in 0..<12 {
            do {
                try await channel.send("AT", timeout: 2.5)
                awake = true
                break
            } catch {
                if case .port = error { throw error }
                if case .closed = error { throw error }
            }
        }
        guard awake else { throw .timeout(command: "AT", seconds: 30) }
        try await channel.send("ATE0")
        _ = try await channel.execute("AT+CMEE=1")
        switch try await pinState() {
        case .ready: break
        case .pinRequired:
            guard let pin else {
                throw .failed(command: "AT+CPIN?", result: .cmeError(code: 11, text: "SIM PIN required"))
            }
            try await enterPIN(pin)
        case .pukRequired: throw .failed(command: "AT+CPIN?", result: .cmeError(code: 12, text: "SIM PUK required"))
        case .other(let text): notes.append("SIM state \(text)")
        }
        _ = try await retryingBusy { () async throws(ATError) in try await channel.send("AT+CMGF=0") }
        var chosen: String?
        for memory in storage {
            let command = "AT+CPMS=\"\(memory)\",\"\(memory)\",\"\(memory)\""
            if (try? await retryingBusy { () async throws(ATError) in try await channel.send(command) }) != nil {
                chosen = memory
                break
            }
        }
        notes.append("storage \(chosen ?? "default")")
        // Phase 2+ (CSMS=1) only when routing, which needs +CNMA; storing works with the default service.
        let service = indications == .route ? 1 : 0
        if (try? await channel.send("AT+CSMS=\(service)")) == nil { notes.append("AT+CSMS=\(service) refused") }
        let candidates = indications == .route ? ["2,2,0,0,0", "1,2,0,0,0"] : ["2,1,0,0,0", "1,1,0,0,0", "2,1,0,0,1"]
        var chosenIndications: String?
        for setting in candidates {
            if (try? await channel.send("AT+CNMI=\(setting)")) != nil {
                chosenIndications = setting
                break
            }
        }
        notes.append(
            chosenIndications.map { "indications +CNMI=\($0)" }
                ?? "no indications (the modem refused AT+CNMI); polling only")
        return notes
    }

    /// Retries while the SIM is busy (+CMS ERROR 314, +CME ERROR 14), backing off up to ~30 s.
    func retryingBusy(_ body: () async throws(ATError) -> ATResponse) async throws(ATError) -> ATResponse {
        var delay: UInt64 = 200_000_000
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch {
                attempt += 1
                guard attempt < 8, ModemCommands.isSIMBusy(error) else { throw error }
                try? await Task.sleep(nanoseconds: delay)
                delay = min(delay * 2, 8_000_000_000)
            }
        }
    }

    static func isSIMBusy(_ error: ATError) -> Bool {
        switch error.finalResult {
        case .cmsError(let code, let text)?: return code == 314 || text.uppercased().contains("BUSY")
        case .cmeError(let code, let text)?: return code == 14 || text.uppercased().contains("BUSY")
        default: return false
        }
    }

    public func identity() async throws(ATError) -> ModemIdentity {
        func first(_ command: String, prefix: String? = nil) async -> String? {
            guard let response = try? await channel.send(command) else { return nil }
            let line = prefix.flatMap { response.values($0).first } ?? response.lines.first
            return line?.trimming("\" ")
        }
        var identity = ModemIdentity()
        identity.manufacturer = await first("AT+CGMI", prefix: "+CGMI")
        identity.model = await first("AT+CGMM", prefix: "+CGMM")
        identity.revision = await first("AT+CGMR", prefix: "+CGMR")
        identity.imei = await first("AT+CGSN", prefix: "+CGSN")
        identity.imsi = await first("AT+CIMI", prefix: "+CIMI")
        if let number = try? await channel.send("AT+CNUM") {
            identity.ownNumber = number.values("+CNUM").first.map(ATFields.split).flatMap { $0.count > 1 ? $0[1] : nil }
        }
        return identity
    }

    public func pinState() async throws(ATError) -> PINState {
        let response = try await channel.send("AT+CPIN?")
        let value = response.values("+CPIN").first?.trimming("\" ") ?? ""
        switch value.uppercased() {
        case "READY": return .ready
        case "SIM PIN": return .pinRequired
        case "SIM PUK": return .pukRequired
        default: return .other(value)
        }
    }

    public func enterPIN(_ pin: String) async throws(ATError) {
        guard pin.count >= 4, pin.count <= 8, pin.allSatisfy(\.isNumber) else {
            throw .unexpectedResponse(command: "AT+CPIN", detail: "a PIN is 4 to 8 digits")
        }
        try await channel.send("AT+CPIN=\"\(pin)\"", timeout: 10)
    }

    /// The first registration the modem reports among CS, PS and EPS.
    public func registration() async throws(ATError) -> Registration {
        var best: Registration?
        for name in ["+CEREG", "+CGREG", "+CREG"] {
            guard let response = try? await channel.send("AT\(name)?"), let value = response.values(name).first else {
                continue
            }
            let fields = ATFields.split(value)
            guard fields.count >= 2, let status = Int(fields[1]) else { continue }
            let registration = Registration(
                status: status, area: fields.count > 2 ? fields[2] : nil,
                cell: fields.count > 3 ? fields[3] : nil,
                accessTechnology: fields.count > 4 ? Int(fields[4]) : nil)
            if registration.isRegistered { return registration }
            best = best ?? registration
        }
        guard let best else { throw .unexpectedResponse(command: "AT+CREG?", detail: "no registration status") }
        return best
    }

    /// `AT+CSQ`: RSSI 0–31 (99 unknown) and its dBm.
    public func signal() async throws(ATError) -> (rssi: Int, dBm: Int?) {
        let response = try await channel.send("AT+CSQ")
        guard let value = response.values("+CSQ").first, let rssi = Int(ATFields.split(value)[0]) else {
            throw .unexpectedResponse(command: "AT+CSQ", detail: response.lines.joined(separator: " "))
        }
        return (rssi, rssi == 99 ? nil : -113 + 2 * rssi)
    }

    /// `AT+CPMS?`: each storage with used and total (answers with or without quotes and spaces).
    public func storageUse() async throws(ATError) -> [StorageUse] {
        let response = try await retryingBusy { () async throws(ATError) in try await channel.send("AT+CPMS?") }
        guard let value = response.values("+CPMS").first else {
            throw .unexpectedResponse(command: "AT+CPMS?", detail: response.lines.joined(separator: " "))
        }
        let fields = ATFields.split(value)
        var result: [StorageUse] = []
        var index = 0
        while index + 2 < fields.count {
            if let used = Int(fields[index + 1]), let total = Int(fields[index + 2]) {
                result.append(StorageUse(memory: fields[index], used: used, total: total))
            }
            index += 3
        }
        return result
    }

    /// `AT+CMGL=<status>` (4 = all): every stored message, decoded where it decodes.
    public func listSMS(status: Int = 4) async throws(ATError) -> [StoredSMS] {
        let response = try await retryingBusy { () async throws(ATError) in
            try await channel.send("AT+CMGL=\(status)", timeout: 30)
        }
        var result: [StoredSMS] = []
        var header: [String]?
        for line in response.lines {
            if line.hasPrefix("+CMGL:") {
                header = ATFields.split(String(line.dropFirst(6)))
                continue
            }
            guard let fields = header, let index = Int(fields[0]) else { continue }
            header = nil
            result.append(
                Self.stored(
                    index: index, status: Int(fields.count > 1 ? fields[1] : "") ?? 0,
                    length: Int(fields.last ?? "") ?? 0, hex: line))
        }
        return result
    }

    /// `AT+CMGR=<index>`; nil for an empty slot (`+CMGR: 0,,0`, bare OK, or +CMS ERROR 321).
    public func readSMS(index: Int) async throws(ATError) -> StoredSMS? {
        let response: ATResponse
        do {
            response = try await retryingBusy { () async throws(ATError) in
                try await channel.send("AT+CMGR=\(index)", timeout: 10)
            }
        } catch {
            if case .cmsError(321, _)? = error.finalResult { return nil }
            throw error
        }
        guard let headerIndex = response.lines.firstIndex(where: { $0.hasPrefix("+CMGR:") }),
            headerIndex + 1 < response.lines.count
        else { return nil }
        let fields = ATFields.split(String(response.lines[headerIndex].dropFirst(6)))
        let length = Int(fields.last ?? "") ?? 0
        if length == 0 { return nil }
        return Self.stored(
            index: index, status: Int(fields[0]) ?? 0, length: length, hex: response.lines[headerIndex + 1])
    }

    static func stored(index: Int, status: Int, length: Int, hex: String) -> StoredSMS {
        let pdu: Result<SMSPDU, PDUError>
        do {
            let bytes = try SMSHex.bytes(hex)
            pdu = .success(
                length > 0 && length <= bytes.count
                    ? try SMSPDU.decode(bytes, tpduLength: length) : try SMSPDU.decode(bytes))
        } catch {
            pdu = .failure(error)
        }
        return StoredSMS(index: index, status: status, tpduLength: length, hex: hex, pdu: pdu)
    }

    public func deleteSMS(index: Int) async throws(ATError) {
        _ = try await retryingBusy { () async throws(ATError) in try await channel.send("AT+CMGD=\(index)") }
    }

    /// `AT+CMGS=<length>`, the PDU at the prompt; returns the message reference.
    public func sendSMS(_ pdu: SMSPDU) async throws(ATError) -> Int {
        let bytes: [UInt8]
        do {
            bytes = try pdu.encodeChecked()
        } catch {
            throw .unexpectedResponse(command: "AT+CMGS", detail: "the SMS cannot be sent: \(error)")
        }
        let response = try await channel.send("AT+CMGS=\(pdu.tpduLength)", payload: hexString(bytes), timeout: 60)
        guard let value = response.values("+CMGS").first, let reference = Int(ATFields.split(value)[0]) else {
            throw .unexpectedResponse(command: "AT+CMGS", detail: response.lines.joined(separator: " "))
        }
        return reference
    }

    /// `AT+CNMA`: acknowledge a routed +CMT (only with AT+CSMS=1).
    public func acknowledge() async throws(ATError) {
        try await channel.send("AT+CNMA")
    }

    public func defineContext(cid: Int, type: String = "IP", apn: String) async throws(ATError) {
        guard !apn.contains("\""), (1...255).contains(cid) else {
            throw .unexpectedResponse(command: "AT+CGDCONT", detail: "bad cid or APN")
        }
        try await channel.send("AT+CGDCONT=\(cid),\"\(type)\",\"\(apn)\"")
    }

    public func contexts() async throws(ATError) -> [PDPContext] {
        let defined = try await channel.send("AT+CGDCONT?")
        let active = (try? await channel.send("AT+CGACT?"))?.values("+CGACT") ?? []
        var states: [Int: Bool] = [:]
        for value in active {
            let fields = ATFields.split(value)
            if fields.count >= 2, let cid = Int(fields[0]) { states[cid] = fields[1] == "1" }
        }
        return defined.values("+CGDCONT").compactMap { value in
            let fields = ATFields.split(value)
            guard fields.count >= 3, let cid = Int(fields[0]) else { return nil }
            return PDPContext(cid: cid, type: fields[1], apn: fields[2], active: states[cid])
        }
    }

    public func activate(cid: Int) async throws(ATError) {
        try await channel.send("AT+CGACT=1,\(cid)", timeout: 150)
    }

    public func deactivate(cid: Int) async throws(ATError) {
        try await channel.send("AT+CGACT=0,\(cid)", timeout: 60)
    }

    /// `AT+CGPADDR=<cid>`.
    public func addresses(cid: Int) async throws(ATError) -> [String] {
        let response = try await channel.send("AT+CGPADDR=\(cid)")
        return response.values("+CGPADDR").flatMap { ATFields.split($0).dropFirst() }.filter { !$0.isEmpty }
    }

    /// `AT+CGCONTRDP=<cid>`: address, gateway and DNS of the active context.
    public func dynamicParameters(cid: Int) async throws(ATError) -> PDPParameters? {
        let response = try await channel.send("AT+CGCONTRDP=\(cid)")
        guard let value = response.values("+CGCONTRDP").first else { return nil }
        let fields = ATFields.split(value)
        func field(_ index: Int) -> String? { index < fields.count && !fields[index].isEmpty ? fields[index] : nil }
        // cid, bearer, APN, address(.mask), gateway, DNS1, DNS2: with the mask in the address field (8 octets
        // for IPv4) or as a field of its own.
        let addressField = field(3)
        let octets = addressField?.split(separator: ".") ?? []
        let address = octets.count == 8 ? octets.prefix(4).joined(separator: ".") : addressField
        let offset = octets.count == 4 && fields.count > 8 ? 1 : 0
        let dns = [field(5 + offset), field(6 + offset)].compactMap { $0 }.filter { $0 != "0.0.0.0" }
        return PDPParameters(
            cid: Int(fields[0]) ?? cid, apn: field(2), address: address, gateway: field(4 + offset), dnsServers: dns)
    }
}
