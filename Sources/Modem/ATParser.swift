import PDU

/// Final result codes of V.250 / 3GPP TS 27.007 §9 / 27.005 §3.2.5, and the vendor ones seen in the field.
public enum ATFinalResult: Hashable, Sendable, CustomStringConvertible {
    case ok
    case error
    /// `+CME ERROR: <n>` or verbose text (CMEE=2).
    case cmeError(code: Int?, text: String)
    /// `+CMS ERROR: <n>` or verbose text.
    case cmsError(code: Int?, text: String)
    case connect(String?)
    case noCarrier, busy, noAnswer, noDialtone
    /// Huawei's answer to commands its firmware lacks.
    case commandNotSupported

    public var isSuccess: Bool {
        switch self {
        case .ok, .connect: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .ok: return "OK"
        case .error: return "ERROR"
        case .cmeError(let code, let text):
            return "+CME ERROR: \(code.map(String.init) ?? text)" + ATErrorCodes.cmeMeaning(code, text)
        case .cmsError(let code, let text):
            return "+CMS ERROR: \(code.map(String.init) ?? text)" + ATErrorCodes.cmsMeaning(code, text)
        case .connect(let rate): return "CONNECT" + (rate.map { " \($0)" } ?? "")
        case .noCarrier: return "NO CARRIER"
        case .busy: return "BUSY"
        case .noAnswer: return "NO ANSWER"
        case .noDialtone: return "NO DIALTONE"
        case .commandNotSupported: return "COMMAND NOT SUPPORT"
        }
    }

    static func parse(_ line: String, dialing: Bool) -> ATFinalResult? {
        switch line {
        case "OK": return .ok
        case "ERROR": return .error
        case "BUSY": return .busy
        case "NO ANSWER": return .noAnswer
        case "NO DIALTONE": return .noDialtone
        case "COMMAND NOT SUPPORT": return .commandNotSupported
        case "NO CARRIER": return dialing ? .noCarrier : nil
        default: break
        }
        if line == "CONNECT" { return .connect(nil) }
        if line.hasPrefix("CONNECT ") { return .connect(String(line.dropFirst(8))) }
        for (prefix, isCME) in [("+CME ERROR:", true), ("+CMS ERROR:", false)] where line.hasPrefix(prefix) {
            let text = String(line.dropFirst(prefix.count)).trimming(" ")
            let code = Int(text)
            return isCME ? .cmeError(code: code, text: text) : .cmsError(code: code, text: text)
        }
        return nil
    }
}

/// An unsolicited result code: `+CMTI: "SM",7` is name `+CMTI`, value `"SM",7`; `+CMT`, `+CDS` and
/// `+CBM` carry the PDU of the line after them.
public struct URC: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String
    public var pdu: String?

    public init(name: String, value: String, pdu: String? = nil) {
        self.name = name
        self.value = value
        self.pdu = pdu
    }

    public var description: String { (value.isEmpty ? name : "\(name): \(value)") + (pdu.map { " [\($0)]" } ?? "") }

    /// The fields of the value split at commas outside quotes, quotes removed, spaces trimmed.
    public var fields: [String] { ATFields.split(value) }

    /// Names recognised as unsolicited (27.007, 27.005 and vendor URCs from the field guide §2.3).
    static let names: [String] = [
        "+CMTI", "+CMT", "+CDSI", "+CDS", "+CBM", "+CREG", "+CGREG", "+CEREG", "+CRING", "+CLIP", "+CCWA", "+CUSD",
        "+CGEV", "+CIEV", "+CPIN", "+CFUN", "+CSQ", "+QUSIM", "+QIND", "+CNSMOD", "^RSSI", "^HCSQ", "^MODE",
        "^BOOT", "^SRVST", "^SIMST", "^STIN", "^CSNR", "^DSFLOWRPT", "^NWTIME", "^HWNAT", "^NDISSTAT", "^CEND",
        "^CONN", "^ORIG", "^CONF", "+ZUSIMR", "#STN", "*PSNWID", "*PSUTTZ", "+PACSP", "+CTZV", "+CTZE", "+NITZ",
    ]
    static let bareNames: Set<String> = [
        "RING", "RDY", "SMS DONE", "PB DONE", "SMS Ready", "Call Ready", "+READY", "NO CARRIER",
    ]
    static let withPDU: Set<String> = ["+CMT", "+CDS", "+CBM"]
}

/// Splitting of AT answer fields.
public enum ATFields {
    public static func split(_ value: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for char in value {
            if char == "\"" {
                quoted.toggle()
            } else if char == ",", !quoted {
                fields.append(current.trimming(" "))
                current = ""
            } else {
                current.append(char)
            }
        }
        fields.append(current.trimming(" "))
        return fields
    }
}

/// What the parser reports, in order.
public enum ATEvent: Hashable, Sendable {
    /// An information line of the response to the command in flight (echo removed).
    case line(String)
    case final(ATFinalResult)
    /// The `\r\n> ` prompt of AT+CMGS / AT+CMGW.
    case prompt
    case urc(URC)
    /// A line that came while no command was in flight and is not a known URC (late answers, noise).
    case stray(String)
}

/// Splits the modem's byte stream into lines and classifies them (V.250 framing, 27.007 §4).
///
/// Pure and incremental: `feed` takes bytes in whatever chunks the port delivers and returns the
/// events completed by them. It needs to know the command in flight (`begin`/`end`) to drop its
/// echo, to tell `+CREG: …` answers from `+CREG` URCs, and to expect the `> ` prompt.
public struct ATParser: Sendable {
    private var buffer: [UInt8] = []
    private var command: String?
    private var commandNames: [String] = []
    private var expectsPrompt = false
    private var echoPending = false
    private var pendingURC: URC?

    /// Lines longer than this are cut (a modem gone mad must not grow memory without end).
    public static let maximumLineLength = 8192

    public init() {}

    public var commandInFlight: String? { command }

    /// A command was written: its echo is dropped and its answers are lines, not URCs.
    public mutating func begin(command: String, expectsPrompt: Bool = false) {
        self.command = command
        self.expectsPrompt = expectsPrompt
        self.echoPending = true
        commandNames = Self.extendedNames(of: command)
    }

    /// The extended command names of a command line, compound ones included (V.250 §5.3.1):
    /// `AT+CSQ;+CMGD=99` → `+CSQ`, `+CMGD`. Their information lines are answers, not URCs.
    static func extendedNames(of command: String) -> [String] {
        let upper = command.uppercased()
        guard upper.hasPrefix("AT") else { return [] }
        return upper.dropFirst(2).split(separator: ";").compactMap { segment in
            let body = segment.drop { $0 == " " }
            guard let first = body.first, "+^#*$%".contains(first) else { return nil }
            let end = body.firstIndex { "=?".contains($0) } ?? body.endIndex
            return String(body[..<end])
        }
    }

    /// The command is finished (or abandoned after a timeout).
    public mutating func end() {
        command = nil
        commandNames = []
        expectsPrompt = false
        echoPending = false
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ATEvent] {
        buffer.append(contentsOf: bytes)
        var events: [ATEvent] = []
        var start = 0
        while start < buffer.count {
            // Skip line ends between lines.
            if buffer[start] == 0x0D || buffer[start] == 0x0A || buffer[start] == 0x00 {
                start += 1
                continue
            }
            if expectsPrompt, buffer[start] == UInt8(ascii: ">") {
                if start + 1 < buffer.count {
                    if buffer[start + 1] == 0x20 {
                        events.append(.prompt)
                        expectsPrompt = false
                        start += 2
                        continue
                    }
                } else {
                    break  // wait for the byte after '>'
                }
            }
            guard let end = buffer[start...].firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) else {
                if buffer.count - start > Self.maximumLineLength {
                    events += classify(decodeLine(buffer[start..<(start + Self.maximumLineLength)]))
                    start += Self.maximumLineLength
                    continue
                }
                break
            }
            let line = decodeLine(buffer[start..<end])
            start = end + 1
            if !line.isEmpty { events += classify(line) }
        }
        buffer.removeFirst(start)
        return events
    }

    /// Printable text of a line: control bytes and stray NULs (seen after OK from a Huawei E352) dropped.
    private func decodeLine(_ bytes: ArraySlice<UInt8>) -> String {
        let cleaned = bytes.filter { $0 >= 0x20 && $0 != 0x7F }
        return String(decoding: cleaned, as: UTF8.self).trimming(" ")
    }

    private mutating func classify(_ line: String) -> [ATEvent] {
        if var urc = pendingURC {
            pendingURC = nil
            if line.allSatisfy(\.isHexDigit) {
                urc.pdu = line
                return [.urc(urc)]
            }
            // The PDU line never came: report the URC without it and read this line normally.
            return [.urc(urc)] + classify(line)
        }
        if let command, echoPending, line.caseInsensitiveCompare(command) {
            echoPending = false
            return []
        }
        let dialing = command?.uppercased().hasPrefix("ATD") == true
        if command != nil, let final = ATFinalResult.parse(line, dialing: dialing) {
            end()
            return [.final(final)]
        }
        if let urc = urc(from: line) {
            if URC.withPDU.contains(urc.name) {
                pendingURC = urc
                return []
            }
            return [.urc(urc)]
        }
        if command == nil {
            if let final = ATFinalResult.parse(line, dialing: false) { return [.stray(final.description)] }
            return [.stray(line)]
        }
        return [.line(line)]
    }

    private func urc(from line: String) -> URC? {
        if URC.bareNames.contains(line) {
            if line == "NO CARRIER", command?.uppercased().hasPrefix("ATD") == true { return nil }
            return URC(name: line, value: "")
        }
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = String(line[..<colon])
        guard URC.names.contains(name) else { return nil }
        // `+CREG: 0,1` answering AT+CREG? is a response, not a URC.
        if commandNames.contains(where: { name.dropFirst() == $0.dropFirst() || name == $0 }) { return nil }
        return URC(name: name, value: String(line[line.index(after: colon)...]).trimming(" "))
    }
}

extension String {
    func caseInsensitiveCompare(_ other: String) -> Bool {
        self.uppercased() == other.uppercased()
    }
}

/// Meanings of +CME / +CMS error numbers (27.007 §9.2, 27.005 §3.2.5), for messages people read.
public enum ATErrorCodes {
    static let cme: [Int: String] = [
        0: "phone failure", 3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted",
        11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure", 14: "SIM busy", 15: "SIM wrong",
        16: "incorrect password", 20: "memory full", 21: "invalid index", 22: "not found", 30: "no network service",
        31: "network timeout", 32: "network not allowed, emergency calls only", 100: "unknown",
        133: "requested service option not subscribed (often a wrong APN)", 149: "PDP authentication failure",
    ]
    static let cms: [Int: String] = [
        300: "ME failure", 302: "operation not allowed", 303: "operation not supported",
        304: "invalid PDU mode parameter",
        310: "SIM not inserted", 311: "SIM PIN required", 313: "SIM failure", 314: "SIM busy", 320: "memory failure",
        321: "invalid memory index", 322: "memory full", 330: "SMSC address unknown", 331: "no network service",
        332: "network timeout", 340: "no +CNMA acknowledgement expected", 500: "unknown error",
    ]
    static func cmeMeaning(_ code: Int?, _ text: String) -> String { code.flatMap { cme[$0] }.map { " (\($0))" } ?? "" }
    static func cmsMeaning(_ code: Int?, _ text: String) -> String { code.flatMap { cms[$0] }.map { " (\($0))" } ?? "" }
}
