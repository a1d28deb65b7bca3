import Foundation
import Modem
import PDU

#if canImport(Glibc)
    import Glibc
#endif

/// A modem behind a pseudo-terminal that real clients (mmsctl, gammu) talk to as to hardware:
/// V.250 framing with echo, 27.007/27.005 commands in PDU mode, SMS storage with capacities and
/// indices, +CMTI/+CMT delivery of injected SMS, PDP contexts, vendor profiles, and fault injection.
public final class SimulatedModem: @unchecked Sendable {
    /// Faults to inject; change them at any time.
    public struct Faults: Sendable {
        /// Seconds to wait before each answer.
        public var responseDelay: Double = 0
        /// The next N commands get no answer at all.
        public var dropResponses = 0
        /// The next N answers carry junk bytes (a NUL and stray characters) after their final result.
        public var garbleResponses = 0
        /// A URC written in the middle of every multi-line answer (and before the echo).
        public var urcInsideResponses: String?
        /// The next N SMS commands answer `+CMS ERROR: 314` (SIM busy).
        public var simBusy = 0
        /// Write answers one byte at a time (URCs and lines split across reads).
        public var splitWrites = false
        /// Delay of the `+CMGS` answer after the PDU.
        public var sendDelay: Double = 0
        public init() {}
    }

    public struct Message: Sendable, Hashable {
        public var status: Int
        public var hex: String
        public var tpduLength: Int
    }

    public let profile: ModemProfile
    public var devicePath: String { lock.withLock { terminal.slavePath } }

    private let lock = NSLock()
    private var terminal: PseudoTerminal
    private var thread: Thread?
    private var running = false
    private var unplugged = false
    /// Bumped by every start; a loop thread serves only its own generation, so a thread still
    /// polling the old terminal after an unplug never reads the new one beside its successor.
    private var generation = 0

    // Modem state (under lock).
    private var echo = true
    private var cmee = 0
    private var pinLocked: Bool
    private var pduMode = false
    private var csms = 0
    private var cnmi = [0, 0, 0, 0, 0]
    private var memories: [String] = []
    private var storage: [String: [Int: Message]] = [:]
    private var capacity: [String: Int] = [:]
    private var contexts: [Int: (type: String, apn: String, active: Bool)] = [:]
    private var messageReference = 0
    private var lineBuffer: [UInt8] = []
    private var promptLength: Int?
    private var promptBuffer: [UInt8] = []
    private var heldByNetwork: [SMSPDU] = []
    private var _faults = Faults()
    private var _commands: [String] = []
    private var _sent: [SMSPDU] = []
    private var awaitingAck = false
    private var dataMode = false
    private var network: NetworkSide?
    private var plusCount = 0

    /// Called with every SMS the client sends (AT+CMGS), e.g. to route it to a simulated MMSC.
    public var onSubmit: (@Sendable (SMSPDU) -> Void)? {
        get { lock.withLock { _onSubmit } }
        set { lock.withLock { _onSubmit = newValue } }
    }
    private var _onSubmit: (@Sendable (SMSPDU) -> Void)?

    public init(profile: ModemProfile = .generic) throws(SimulatorError) {
        self.profile = profile
        self.terminal = try PseudoTerminal()
        self.pinLocked = profile.pin != nil
        for (name, size) in profile.storages {
            storage[name] = [:]
            capacity[name] = size
        }
        let first = profile.storages.first?.0 ?? "ME"
        memories = [first, first, first]
    }

    deinit { stop() }

    public var faults: Faults {
        get { lock.withLock { _faults } }
        set { lock.withLock { _faults = newValue } }
    }

    /// Every command line received, in order.
    public var commands: [String] { lock.withLock { _commands } }
    /// Every SMS received by AT+CMGS.
    public var sentMessages: [SMSPDU] { lock.withLock { _sent } }

    /// Messages in a storage, by index.
    public func messages(in memory: String) -> [Int: Message] { lock.withLock { storage[memory] ?? [:] } }

    public func start() {
        lock.withLock {
            guard !running else { return }
            running = true
            generation += 1
            let mine = generation
            let thread = Thread { [self] in loop(generation: mine) }
            thread.name = "mmsctl-simulated-modem"
            self.thread = thread
            thread.start()
        }
    }

    public func stop() {
        lock.withLock { running = false }
    }

    // MARK: Test and demo controls

    /// Stores a received SMS in the storage for new messages and announces it (+CMTI with CNMI mt=1,
    /// +CMT with mt=2). With the storage full the network holds it (no indication), as real networks do.
    /// Returns the index it was stored at, or nil when routed or held.
    @discardableResult
    public func deliver(_ pdu: SMSPDU) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        let hex = pdu.hex
        if cnmi[1] == 2 || cnmi[1] == 3 {
            awaitingAck = csms == 1
            writeLocked("\r\n+CMT: ,\(pdu.tpduLength)\r\n\(hex)\r\n")
            return nil
        }
        let memory = memories[2]
        guard let index = freeIndexLocked(memory) else {
            heldByNetwork.append(pdu)
            return nil
        }
        storage[memory]?[index] = Message(status: 0, hex: hex, tpduLength: pdu.tpduLength)
        if cnmi[1] == 1 { writeLocked("\r\n+CMTI: \"\(memory)\",\(index)\r\n") }
        return index
    }

    /// Puts a message into a storage directly (as if it was there before mmsctl started).
    public func store(_ pdu: SMSPDU, status: Int = 0, in memory: String? = nil) -> Int? {
        lock.withLock {
            let memory = memory ?? memories[2]
            guard let index = freeIndexLocked(memory) else { return nil }
            storage[memory]?[index] = Message(status: status, hex: pdu.hex, tpduLength: pdu.tpduLength)
            return index
        }
    }

    /// Writes a URC line now.
    public func emit(urc: String) {
        lock.withLock { writeLocked("\r\n\(urc)\r\n") }
    }

    /// A modem reset: echo back on, indications off, boot URCs.
    public func reset() {
        lock.withLock {
            echo = true
            cnmi = [0, 0, 0, 0, 0]
            pinLocked = profile.pin != nil
            for urc in profile.bootURCs { writeLocked("\r\n\(urc)\r\n") }
        }
    }

    /// The USB device disappears: the pseudo-terminal is hung up and clients read EIO.
    public func unplug() {
        lock.withLock {
            guard !unplugged else { return }
            unplugged = true
            running = false
            network?.stop()
            network = nil
            terminal.close()
        }
    }

    /// The modem comes back after an unplug, on a new pseudo-terminal (a new tty path, as a real
    /// re-enumeration may give): storage and contexts are kept, the session state is reset.
    public func replug() throws(SimulatorError) {
        let fresh = try PseudoTerminal()
        lock.withLock {
            terminal = fresh
            unplugged = false
            echo = true
            cnmi = [0, 0, 0, 0, 0]
            lineBuffer = []
            promptLength = nil
            dataMode = false
        }
        start()
    }

    /// The network side of a dialled connection: pppd on a second pseudo-terminal, with the bytes of
    /// data mode forwarded both ways. Only where the kernel has PPP (/dev/ppp) and pppd is installed;
    /// elsewhere data mode has no network behind it.
    final class NetworkSide: @unchecked Sendable {
        let terminal: PseudoTerminal
        let process: Process
        private let lock = NSLock()
        private var stopped = false

        init?(forward: @escaping @Sendable ([UInt8]) -> Void) {
            guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/pppd"), access("/dev/ppp", R_OK | W_OK) == 0,
                let terminal = try? PseudoTerminal()
            else { return nil }
            self.terminal = terminal
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/pppd")
            process.arguments = [
                terminal.slavePath, "115200", "nodetach", "noauth", "local", "nodefaultroute", "noipdefault",
                "10.64.0.1:10.64.0.2", "ms-dns", "10.64.0.53", "novj", "nobsdcomp", "nodeflate", "silent",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { return nil }
            let thread = Thread { [self] in
                while !lock.withLock({ stopped }) {
                    guard let bytes = terminal.read(timeoutMilliseconds: 50) else { break }
                    if !bytes.isEmpty { forward(bytes) }
                }
            }
            thread.start()
        }

        func send(_ bytes: [UInt8]) { terminal.write(bytes) }

        func stop() {
            lock.withLock { stopped = true }
            if process.isRunning { process.terminate() }
            terminal.close()
        }
    }

    private func startNetworkLocked() {
        network?.stop()
        network = NetworkSide { [weak self] bytes in
            guard let self else { return }
            self.lock.withLock { self.writeLocked(String(decoding: bytes, as: UTF8.self), raw: bytes) }
        }
    }

    /// Whether the modem is in data mode after `ATD*99***<cid>#` answered CONNECT.
    public var isInDataMode: Bool { lock.withLock { dataMode } }

    // MARK: The loop

    private func loop(generation mine: Int) {
        func current() -> PseudoTerminal? {
            lock.withLock { running && !unplugged && generation == mine ? terminal : nil }
        }
        while let terminal = current() {
            guard let bytes = terminal.read(timeoutMilliseconds: 50) else { break }
            // Bytes read by a thread whose generation has ended belong to no one.
            guard lock.withLock({ generation == mine }) else { break }
            for byte in bytes { receive(byte) }
        }
    }

    private func receive(_ byte: UInt8) {
        var command: String?
        var submit: (Int, [UInt8])?
        lock.withLock {
            if dataMode {
                // PPP frames go to the network side (pppd, when the kernel has PPP); "+++" leaves data
                // mode, as on real modems.
                network?.send([byte])
                plusCount = byte == UInt8(ascii: "+") ? plusCount + 1 : 0
                if plusCount == 3 {
                    dataMode = false
                    plusCount = 0
                    writeLocked("\r\nOK\r\n")
                }
                return
            }
            if let length = promptLength {
                if byte == 0x1A {
                    submit = (length, promptBuffer)
                    promptLength = nil
                    promptBuffer = []
                } else if byte == 0x1B {
                    promptLength = nil
                    promptBuffer = []
                    writeLocked("\r\nOK\r\n")
                } else if byte != 0x0D && byte != 0x0A {
                    promptBuffer.append(byte)
                }
                return
            }
            if byte == 0x0D {
                let text = String(decoding: lineBuffer, as: UTF8.self)
                lineBuffer = []
                if echo {
                    if let urc = _faults.urcInsideResponses { writeLocked("\r\n\(urc)\r\n") }
                    writeLocked(text + "\r")
                }
                command = text
            } else if byte == 0x1B {
                lineBuffer = []
            } else if byte != 0x0A {
                if lineBuffer.count < 4096 { lineBuffer.append(byte) }
            }
        }
        if let (length, bytes) = submit { finishSubmit(length: length, hex: String(decoding: bytes, as: UTF8.self)) }
        if let command { execute(line: command) }
    }

    private func execute(line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return }
        let faults = lock.withLock { () -> Faults in
            _commands.append(trimmed)
            return _faults
        }
        guard trimmed.uppercased().hasPrefix("AT") else {
            respond(lines: [], final: "ERROR")
            return
        }
        if faults.dropResponses > 0 {
            lock.withLock { _faults.dropResponses -= 1 }
            return
        }
        if faults.responseDelay > 0 { Thread.sleep(forTimeInterval: faults.responseDelay) }
        var lines: [String] = []
        var final = "OK"
        for part in Self.split(commandLine: String(trimmed.dropFirst(2))) {
            let (partLines, partFinal) = lock.withLock { handleLocked(part) }
            lines += partLines
            final = partFinal
            if final != "OK" { break }
        }
        if final == "PROMPT" {
            lock.withLock { writeLocked("\r\n> ") }
            return
        }
        respond(lines: lines, final: final)
    }

    private func respond(lines: [String], final: String) {
        lock.withLock {
            var text = ""
            for (index, line) in lines.enumerated() {
                text += "\r\n\(line)\r\n"
                if index == 0, let urc = _faults.urcInsideResponses { text += "\r\n\(urc)\r\n" }
            }
            text += "\r\n\(final)\r\n"
            if _faults.garbleResponses > 0 {
                _faults.garbleResponses -= 1
                text += "R\u{0}\n\u{7}"
            }
            writeLocked(text)
        }
    }

    /// Splits `E0 V1 +CMEE=1;+CMGF=0` into basic and extended commands.
    static func split(commandLine: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(commandLine)
        while let first = rest.first {
            if first == " " || first == ";" {
                rest.removeFirst()
                continue
            }
            if first == "D" || first == "d" {
                // A dial string runs to the end of the line.
                parts.append(String(rest))
                break
            }
            if "+^#$*".contains(first) {
                var end = rest.startIndex
                var quoted = false
                while end < rest.endIndex {
                    if rest[end] == "\"" { quoted.toggle() }
                    if rest[end] == ";" && !quoted { break }
                    end = rest.index(after: end)
                }
                parts.append(String(rest[..<end]))
                rest = rest[end...]
            } else {
                // Basic command: a letter (or & and a letter) and digits.
                var end = rest.index(after: rest.startIndex)
                if first == "&", end < rest.endIndex { end = rest.index(after: end) }
                while end < rest.endIndex, rest[end].isNumber { end = rest.index(after: end) }
                parts.append(String(rest[..<end]))
                rest = rest[end...]
            }
        }
        return parts.isEmpty ? [""] : parts
    }

    private func error(cme: Int) -> String { cmee == 0 ? "ERROR" : "+CME ERROR: \(cme)" }
    private func error(cms: Int) -> String { cmee == 0 ? "ERROR" : "+CMS ERROR: \(cms)" }

    /// One command, with the lock held. Returns information lines and the final result ("PROMPT" for CMGS).
    private func handleLocked(_ command: String) -> ([String], String) {
        let upper = command.uppercased()
        let (name, argument): (String, String?) = {
            if let equals = upper.firstIndex(of: "=") {
                return (String(upper[..<equals]), String(command[command.index(after: equals)...]))
            }
            return (upper, nil)
        }()
        let smsCommands: Set<String> = ["+CPMS", "+CPMS?", "+CMGL", "+CMGR", "+CMGD", "+CNMI", "+CMGS"]
        if _faults.simBusy > 0, smsCommands.contains(name) {
            _faults.simBusy -= 1
            return ([], error(cms: 314))
        }
        let needsSIM: Set<String> = [
            "+CIMI", "+CNUM", "+CPMS", "+CPMS?", "+CMGL", "+CMGR", "+CMGD", "+CMGS", "+CNMI", "+CSCA?",
        ]
        if pinLocked, needsSIM.contains(name) {
            return (
                [],
                name.hasPrefix("+CM") || name.hasPrefix("+CP") || name.hasPrefix("+CN")
                    ? error(cms: 311) : error(cme: 11)
            )
        }
        switch name {
        case "", "V1", "Q0", "&C1", "&C0", "&D2", "X4", "&F", "&W", "S0": return ([], "OK")
        case "Z": echo = true; return ([], "OK")
        case "E0": echo = false; return ([], "OK")
        case "E1", "E": echo = true; return ([], "OK")
        case "I", "I0": return ([profile.manufacturer, profile.model, "Revision: \(profile.revision)"], "OK")
        case "+CGMI", "+GMI": return ([profile.manufacturer], "OK")
        case "+CGMM", "+GMM": return ([profile.model], "OK")
        case "+CGMR", "+GMR": return ([profile.revision], "OK")
        case "+CGSN", "+GSN": return ([profile.imei], "OK")
        case "+CIMI": return ([profile.imsi], "OK")
        case "+CNUM": return (["+CNUM: \"\",\"\(profile.ownNumber)\",145"], "OK")
        case "+CSCA?": return (["+CSCA: \"\(profile.smsc)\",145"], "OK")
        case "+CMEE":
            guard let value = argument.flatMap({ Int($0) }), (0...2).contains(value) else { return ([], "ERROR") }
            cmee = value
            return ([], "OK")
        case "+CMEE?": return (["+CMEE: \(cmee)"], "OK")
        case "+CPIN?": return ([pinLocked ? "+CPIN: SIM PIN" : "+CPIN: READY"], "OK")
        case "+CPIN":
            let given = argument?.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) ?? ""
            guard pinLocked else { return ([], error(cme: 3)) }
            guard given == profile.pin else { return ([], error(cme: 16)) }
            pinLocked = false
            return ([], "OK")
        case "+CSQ": return (["+CSQ: 20,99"], "OK")
        case "+CREG?": return (["+CREG: 0,1"], "OK")
        case "+CGREG?": return (["+CGREG: 0,1"], "OK")
        case "+CEREG?": return (["+CEREG: 0,1"], "OK")
        case "+CSCS" where argument == "?": return (["+CSCS: (\"GSM\",\"IRA\",\"UCS2\")"], "OK")
        case "+CREG", "+CGREG", "+CEREG", "+CGEREP", "+CSCS", "^CURC", "^PORTSEL", "+QURCCFG", "+CFUN", "+CLIP", "+CRC",
            "+CMER", "+CSDH", "+CSMP":
            return ([], "OK")
        case "+CSCS?": return (["+CSCS: \"GSM\""], "OK")
        case "+CSCS" where argument == "?": return (["+CSCS: (\"GSM\",\"IRA\",\"UCS2\")"], "OK")
        case "+CFUN?": return (["+CFUN: 1"], "OK")
        case "+COPS?": return (["+COPS: 0,0,\"Simulated Network\",7"], "OK")
        case "+CMGF":
            guard let argument, ["0", "1"].contains(argument.trimmingCharacters(in: .whitespaces)) else {
                return ([], "ERROR")
            }
            pduMode = argument.trimmingCharacters(in: .whitespaces) == "0"
            return ([], "OK")
        case "+CMGF?": return (["+CMGF: \(pduMode ? 0 : 1)"], "OK")
        case "+CSMS?": return (["+CSMS: \(csms),1,1,1"], "OK")
        case "+CSMS=?": return (["+CSMS: (0,1)"], "OK")
        case "+CSMS":
            guard let value = argument.flatMap({ Int($0) }), value == 0 || value == 1 else {
                return ([], error(cms: 302))
            }
            csms = value
            return (["+CSMS: 1,1,1"], "OK")
        case "+CPMS=?" where argument == "?", "+CPMS" where argument == "?":
            let names = profile.storages.map { "\"\($0.0)\"" }.joined(separator: ",")
            return (["+CPMS: (\(names)),(\(names)),(\(names))"], "OK")
        case "+CPMS?":
            let fields = memories.map { "\"\($0)\",\(usedLocked($0)),\(capacity[$0] ?? 0)" }
            return (["+CPMS: " + fields.joined(separator: ",")], "OK")
        case "+CPMS":
            let requested = ATFields.split(argument ?? "").filter { !$0.isEmpty }.map { $0.uppercased() }
            guard !requested.isEmpty, requested.count <= 3, requested.allSatisfy({ capacity[$0] != nil }) else {
                return ([], error(cms: 302))
            }
            if profile.cpmsNeedsThreeMemories && requested.count < 3 { return ([], "ERROR") }
            for (index, memory) in requested.enumerated() { memories[index] = memory }
            let answer = memories.map { "\(usedLocked($0)),\(capacity[$0] ?? 0)" }.joined(separator: ",")
            return (["+CPMS: \(answer)"], "OK")
        case "+CNMI" where argument == "?":
            return (["+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"], "OK")
        case "+CNMI?": return (["+CNMI: " + cnmi.map(String.init).joined(separator: ",")], "OK")
        case "+CNMI":
            let values = ATFields.split(argument ?? "").map { Int($0) ?? 0 }
            guard !values.isEmpty, values.count <= 5, values[0] <= 3, !profile.refusesCNMI(values) else {
                return ([], error(cms: 303))
            }
            for (index, value) in values.enumerated() { cnmi[index] = value }
            return ([], "OK")
        case "+CMGL":
            guard pduMode else { return ([], error(cms: 302)) }
            let filter = Int(argument?.trimmingCharacters(in: .whitespaces) ?? "4") ?? 4
            var lines: [String] = []
            let memory = memories[0]
            for (index, message) in (storage[memory] ?? [:]).sorted(by: { $0.key < $1.key })
            where filter == 4 || message.status == filter {
                lines.append("+CMGL: \(index),\(message.status),,\(message.tpduLength)")
                lines.append(message.hex)
                if message.status == 0 { storage[memory]?[index]?.status = 1 }
            }
            return (lines, "OK")
        case "+CMGR":
            guard pduMode else { return ([], error(cms: 302)) }
            guard let index = argument.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
                return ([], error(cms: 321))
            }
            let memory = memories[0]
            guard let message = storage[memory]?[index] else { return ([], error(cms: 321)) }
            if message.status == 0 { storage[memory]?[index]?.status = 1 }
            return (["+CMGR: \(message.status),,\(message.tpduLength)", message.hex], "OK")
        case "+CMGD":
            let fields = ATFields.split(argument ?? "").compactMap { Int($0) }
            guard let index = fields.first else { return ([], error(cms: 321)) }
            let memory = memories[0]
            if fields.count > 1, fields[1] == 4 {
                storage[memory] = [:]
            } else {
                guard storage[memory]?[index] != nil || (fields.count > 1 && fields[1] > 0) else {
                    return ([], error(cms: 321))
                }
                storage[memory]?[index] = nil
            }
            deliverHeldLocked()
            return ([], "OK")
        case "+CMGS":
            guard pduMode, let length = argument.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), length > 0,
                length <= 176
            else {
                return ([], error(cms: 304))
            }
            promptLength = length
            return ([], "PROMPT")
        case _ where name.hasPrefix("D*99") || name.hasPrefix("D*99#"):
            // ATD*99***<cid># dials the packet-data context: CONNECT, then data mode.
            let digits = name.dropFirst(4).filter(\.isNumber)
            let cid = Int(digits) ?? 1
            guard contexts[cid] != nil || digits.isEmpty else { return ([], "NO CARRIER") }
            dataMode = true
            startNetworkLocked()
            return ([], "CONNECT 150000000")
        case "H", "H0":
            dataMode = false
            network?.stop()
            network = nil
            return ([], "OK")
        case "+CNMA":
            guard awaitingAck else { return ([], error(cms: 340)) }
            awaitingAck = false
            return ([], "OK")
        case "+CGDCONT" where argument == "?":
            return (
                [
                    "+CGDCONT: (1-16),\"IP\",,,(0-2),(0-4)", "+CGDCONT: (1-16),\"IPV6\",,,(0-2),(0-4)",
                    "+CGDCONT: (1-16),\"IPV4V6\",,,(0-2),(0-4)",
                ], "OK"
            )
        case "+CGDCONT?":
            return (
                contexts.sorted(by: { $0.key < $1.key }).map {
                    "+CGDCONT: \($0.key),\"\($0.value.type)\",\"\($0.value.apn)\",\"0.0.0.0\",0,0"
                }, "OK"
            )
        case "+CGDCONT":
            let fields = ATFields.split(argument ?? "")
            guard let cid = Int(fields[0]), (1...16).contains(cid) else { return ([], error(cme: 3)) }
            if fields.count == 1 {
                contexts[cid] = nil
                return ([], "OK")
            }
            let type = fields[1].uppercased()
            guard ["IP", "IPV6", "IPV4V6"].contains(type) else { return ([], error(cme: 3)) }
            contexts[cid] = (type, fields.count > 2 ? fields[2] : "", false)
            return ([], "OK")
        case "+CGACT?":
            return (
                contexts.sorted(by: { $0.key < $1.key }).map { "+CGACT: \($0.key),\($0.value.active ? 1 : 0)" }, "OK"
            )
        case "+CGACT":
            let fields = ATFields.split(argument ?? "").compactMap { Int($0) }
            guard fields.count == 2, let context = contexts[fields[1]] else { return ([], error(cme: 3)) }
            if fields[0] == 1, context.apn.isEmpty == false, context.apn.lowercased().hasPrefix("bad") {
                return ([], error(cme: 133))
            }
            contexts[fields[1]]?.active = fields[0] == 1
            return ([], "OK")
        case "+CGPADDR":
            guard let cid = argument.flatMap({ Int($0) }), let context = contexts[cid] else {
                return ([], error(cme: 3))
            }
            return (["+CGPADDR: \(cid),\"\(context.active ? "10.64.0.\(cid + 1)" : "0.0.0.0")\""], "OK")
        case "+CGCONTRDP":
            guard let cid = argument.flatMap({ Int($0) }), let context = contexts[cid], context.active else {
                return ([], "OK")
            }
            return (
                [
                    "+CGCONTRDP: \(cid),5,\"\(context.apn)\",\"10.64.0.\(cid + 1).255.255.255.0\",\"10.64.0.1\",\"10.64.0.53\",\"0.0.0.0\""
                ], "OK"
            )
        default:
            return ([], profile.unknownCommand)
        }
    }

    private func finishSubmit(length: Int, hex: String) {
        let delay = lock.withLock { _faults.sendDelay }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        var callback: (@Sendable (SMSPDU) -> Void)?
        var decoded: SMSPDU?
        lock.withLock {
            guard let bytes = try? SMSHex.bytes(hex), let pdu = try? SMSPDU.decode(bytes, tpduLength: length),
                case .submit = pdu.tpdu
            else {
                writeLocked("\r\n\(error(cms: 304))\r\n")
                return
            }
            messageReference = (messageReference + 1) % 256
            _sent.append(pdu)
            decoded = pdu
            callback = _onSubmit
            writeLocked("\r\n+CMGS: \(messageReference)\r\n\r\nOK\r\n")
        }
        if let callback, let decoded { callback(decoded) }
    }

    private func usedLocked(_ memory: String) -> Int { storage[memory]?.count ?? 0 }

    private func freeIndexLocked(_ memory: String) -> Int? {
        guard let size = capacity[memory] else { return nil }
        let used = storage[memory] ?? [:]
        // Indices start at 0 on most modems (E1752, EG25).
        return (0..<size).first { used[$0] == nil }
    }

    /// Messages the network held while the storage was full come in once there is room.
    private func deliverHeldLocked() {
        while !heldByNetwork.isEmpty, let index = freeIndexLocked(memories[2]) {
            let pdu = heldByNetwork.removeFirst()
            storage[memories[2]]?[index] = Message(status: 0, hex: pdu.hex, tpduLength: pdu.tpduLength)
            if cnmi[1] == 1 { writeLocked("\r\n+CMTI: \"\(memories[2])\",\(index)\r\n") }
        }
    }

    private func writeLocked(_ text: String, raw: [UInt8]? = nil) {
        guard !unplugged else { return }
        let bytes = raw ?? Array(text.utf8)
        if _faults.splitWrites {
            for byte in bytes { terminal.write([byte]) }
        } else {
            terminal.write(bytes)
        }
    }
}
