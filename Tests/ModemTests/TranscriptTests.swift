import Foundation
import TestSupport
import Testing

@testable import Modem
@testable import PDU

/// The real AT transcripts of `../shared/vectors/at/` replayed through the parser.
@Suite(.enabled(if: Transcript.available, "../shared/vectors is not present"))
struct TranscriptTests {
    @Test(arguments: Transcript.all())
    func everyCommandGetsOneFinalResultAndNoURCIsLost(transcript: Transcript) {
        let replay = transcript.replay()
        // Answers the source itself cut short (its remark says so): no final result to expect.
        let truncatedInSource: Set<String> = [
            "cmgl-pantech-missing-alpha AT+CMGL=4", "quectel-rm5xx-cgdcont-long-form AT+CGDCONT=?",
        ]
        for exchange in replay.exchanges
        where exchange.answered && !truncatedInSource.contains("\(transcript.name) \(exchange.command)") {
            #expect(exchange.finals.count == 1, "\(transcript.name): \(exchange.command) got \(exchange.finals)")
            for line in exchange.lines {
                // A known URC must never be taken as part of an answer.
                let name = line.split(separator: ":").first.map(String.init) ?? line
                let isAnswer = exchange.command.uppercased().contains(name.dropFirst().uppercased())
                #expect(
                    !(URC.names.contains(name) && !isAnswer),
                    "\(transcript.name): URC \(line) inside \(exchange.command)")
            }
        }
    }

    func replay(_ name: String) throws -> Transcript.Replay {
        try #require(Transcript.all().first { $0.name == name }).replay()
    }

    @Test func e1752ListsOneStoredPDUWithItsEcho() throws {
        let exchange = try #require(try replay("huawei-e1752-cmgl4-echo").exchanges.first { $0.command == "AT+CMGL=4" })
        #expect(exchange.lines == ["+CMGL: 0,0,,23", "07913366003051F5040B913366304381F900005180719120348004D4F29C0E"])
        #expect(exchange.finals == [.ok])
        let stored = ModemCommands.stored(index: 0, status: 0, length: 23, hex: exchange.lines[1])
        guard case .success(let pdu) = stored.pdu, case .deliver(let deliver) = pdu.tpdu else {
            Issue.record("the PDU must decode")
            return
        }
        #expect(deliver.originator.description == "+33660334189")
        #expect(deliver.text == "Test")
    }

    @Test func pantechHeadersWithoutTheAlphaFieldAreRead() throws {
        let exchange = try #require(try replay("cmgl-pantech-missing-alpha").exchanges.first)
        let headers = exchange.lines.filter { $0.hasPrefix("+CMGL:") }.map { ATFields.split(String($0.dropFirst(6))) }
        #expect(headers.map { [$0.first, $0.last] } == [["17", "35"], ["15", "35"], ["13", "35"], ["11", "35"]])
    }

    @Test func rssiInsideACMGRAnswerIsAURC() throws {
        let replay = try replay("huawei-e171-rssi-inside-cmgr-response")
        #expect(replay.urcs.contains(URC(name: "^RSSI", value: "3")))
        #expect(replay.exchanges.first?.lines.first?.hasPrefix("+CMGR:") == true)
    }

    @Test func huaweiURCsBeforeTheEchoAreURCs() throws {
        let hwnat = try replay("huawei-1506-hwnat-urc-before-echo")
        #expect(hwnat.urcs.contains(URC(name: "^HWNAT", value: "06")))
        #expect(hwnat.exchanges.contains { $0.lines == ["+CPMS: 0,15,0,15,0,15"] && $0.finals == [.ok] })
        let srvst = try replay("huawei-e1752-srvst-mode-creg-interleave")
        #expect(srvst.urcs.map(\.name).starts(with: ["^SRVST"]))
        #expect(srvst.urcs.contains { $0.name == "^MODE" && $0.fields == ["5", "4"] })
        #expect(srvst.urcs.contains { $0.name == "+CREG" && $0.fields == ["1", "E006B", "ABE0016"] })
    }

    @Test func thePromptIsRecognisedWithoutALineEnd() throws {
        let replay = try replay("cmgs-prompt-bytes")
        #expect(replay.exchanges.filter { $0.command.hasPrefix("AT+CMGS") }.allSatisfy { $0.prompted })
        #expect(try SMSPDU.decode(hex: "07918497908952F0310005812143F50000FF09F4F29CDE1287C931").tpduLength == 19)
    }

    @Test func routedCMTCarriesItsPDU() throws {
        let replay = try replay("cmt-routed-pdu-fixture")
        let cmt = replay.urcs.filter { $0.name == "+CMT" }
        #expect(cmt.count == 3)
        let first = try SMSPDU.decode(hex: try #require(cmt.first?.pdu))
        guard case .deliver(let deliver) = first.tpdu else {
            Issue.record("the routed PDU must be an SMS-DELIVER, got \(first.tpdu)")
            return
        }
        #expect(deliver.text == "Test")
        #expect(deliver.originator.description == "+48694405877")
    }

    @Test func simBusyAndVerboseErrorsAreFinalResults() throws {
        let calypso = try replay("calypso-cms314-sim-busy-after-boot")
        #expect(
            calypso.exchanges.contains { $0.command == "AT+CMGL=4" && $0.finals == [.cmsError(code: 314, text: "314")] }
        )
        #expect(calypso.exchanges.contains { $0.finals == [.cmeError(code: 100, text: "100")] })
        let ublox = try replay("ublox-sara-r422-cme-sim-busy-verbose")
        #expect(ublox.exchanges.contains { $0.finals == [.cmeError(code: nil, text: "SIM busy")] })
        #expect(ModemCommands.isSIMBusy(.failed(command: "AT&C1", result: .cmeError(code: nil, text: "SIM busy"))))
    }

    @Test func quectelBootURCsArriveInOrder() throws {
        let names = try replay("quectel-eg25g-boot-urcs").urcs.map(\.description)
        #expect(names.starts(with: ["RDY", "+CPIN: READY", "+QUSIM: 1", "+CFUN: 4", "+QIND: SMS DONE"]))
    }

    @Test func theNotificationInACMGRAnswerDecodesToTheMMS() throws {
        let exchange = try #require(
            try replay("mms-notification-wap-push-cmgr").exchanges.first { $0.command.hasPrefix("AT+CMGR") })
        let header = ATFields.split(String(exchange.lines[0].dropFirst(6)))
        #expect(header.last == "153")
        let pdu = try SMSPDU.decode(SMSHex.bytes(exchange.lines[1]), tpduLength: 153)
        let push = try WAPPush.decode(pdu.tpdu.userData?.octets ?? [])
        let mms = try #require(try push.mmsPDU())
        #expect(mms.transactionID == "81460494@mms1")
        #expect(mms.contentLocation == "http://mts/?id=81460494")
    }

    @Test func cmtiThenStatusReportMatchingTheMessageReference() throws {
        let replay = try replay("cmti-cmgr-cmgs-cds-roundtrip")
        #expect(replay.urcs.contains { $0.name == "+CMTI" && $0.fields == ["SM", "7"] })
        let cds = try #require(replay.urcs.first { $0.name == "+CDS" })
        let report = try SMSPDU.decode(hex: try #require(cds.pdu), smscField: true)
        guard case .statusReport(let status) = report.tpdu else {
            Issue.record("+CDS must carry a status report")
            return
        }
        #expect(status.messageReference == 64 && status.delivered)
        #expect(replay.exchanges.contains { $0.lines.contains("+CMGS: 64") })
    }

    @Test func refusalsOfRealFirmwareAreErrors() throws {
        #expect(
            try replay("sim800l-cnmi-test-and-default").exchanges.contains {
                $0.command.uppercased() == "AT+CNMI=2,1,0,2" && $0.finals == [.error]
            })
        #expect(
            try replay("brovi-e3372-325-cpms-needs-three-params").exchanges.contains {
                $0.command == "AT+CPMS=\"SM\",\"SM\"" && $0.finals == [.error]
            })
        let cdsi = try replay("quectel-ec25-cdsi-wrong-storage")
        #expect(cdsi.urcs.contains { $0.name == "+CDSI" && $0.fields == ["SM", "0"] })
    }
}

/// A transcript file: `>` host bytes, `<` modem bytes, `~` remarks (format in vectors/at/PROVENANCE.md).
struct Transcript: CustomTestStringConvertible, Sendable {
    var name: String
    var steps: [(host: Bool, bytes: [UInt8])]
    var testDescription: String { name }

    static let folder = SharedVectors.root.appendingPathComponent("at")
    static var available: Bool { FileManager.default.fileExists(atPath: folder.path) }

    /// This project's own transcripts, written from vendor AT manuals.
    static let ownFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Transcripts")

    static func all(in folder: URL = Transcript.folder) -> [Transcript] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
            $0.hasSuffix(".txt")
        }.sorted()
        return names.compactMap { name in
            guard let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else {
                return nil
            }
            var steps: [(Bool, [UInt8])] = []
            var body = false
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("# ---") {
                    body = true
                    continue
                }
                guard body, line.hasPrefix("> ") || line.hasPrefix("< ") || line == ">" || line == "<" else { continue }
                steps.append((line.hasPrefix(">"), unescape(String(line.dropFirst(2)))))
            }
            return Transcript(name: String(name.dropLast(4)), steps: steps)
        }
    }

    static func unescape(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(text.utf8)[...]
        while let char = chars.popFirst() {
            guard char == UInt8(ascii: "\\"), let next = chars.popFirst() else {
                out.append(char)
                continue
            }
            switch next {
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "x"):
                let digits = String(decoding: chars.prefix(2), as: UTF8.self)
                chars = chars.dropFirst(2)
                out.append(UInt8(digits, radix: 16) ?? 0)
            default: out.append(next)
            }
        }
        return out
    }

    struct Exchange {
        var command: String
        var lines: [String] = []
        var finals: [ATFinalResult] = []
        var prompted = false
        var answered = false
    }

    struct Replay {
        var exchanges: [Exchange] = []
        var urcs: [URC] = []
    }

    func replay() -> Replay {
        var parser = ATParser()
        var result = Replay()
        for step in steps {
            if step.host {
                let text = String(decoding: step.bytes, as: UTF8.self)
                guard text.hasSuffix("\r"), text.uppercased().hasPrefix("AT") else { continue }
                let command = String(text.dropLast()).trimmingCharacters(in: .whitespaces)
                parser.begin(
                    command: command,
                    expectsPrompt: command.uppercased().hasPrefix("AT+CMGS")
                        || command.uppercased().hasPrefix("AT+CMGW"))
                result.exchanges.append(Exchange(command: command))
                continue
            }
            for event in parser.feed(step.bytes) {
                switch event {
                case .urc(let urc): result.urcs.append(urc)
                case .line(let line):
                    result.exchanges[result.exchanges.count - 1].lines.append(line)
                    result.exchanges[result.exchanges.count - 1].answered = true
                case .final(let final):
                    if !result.exchanges.isEmpty {
                        result.exchanges[result.exchanges.count - 1].finals.append(final)
                        result.exchanges[result.exchanges.count - 1].answered = true
                    }
                case .prompt:
                    result.exchanges[result.exchanges.count - 1].prompted = true
                case .stray: break
                }
            }
        }
        return result
    }
}

/// Transcripts of this project's own, written from the vendors' AT manuals.
@Suite struct ManualTranscriptTests {
    func replay(_ name: String) throws -> Transcript.Replay {
        try #require(Transcript.all(in: Transcript.ownFolder).first { $0.name == name }).replay()
    }

    @Test func theyAreThere() {
        #expect(Transcript.all(in: Transcript.ownFolder).count == 3)
    }

    @Test func quectelListingAndURCPort() throws {
        let replay = try replay("quectel-ec25-manual-cmgl-pdu")
        let listing = try #require(replay.exchanges.first { $0.command == "AT+CMGL=4" })
        #expect(listing.lines.filter { $0.hasPrefix("+CMGL:") }.count == 2)
        #expect(listing.finals == [.ok])
        let stored = ModemCommands.stored(index: 0, status: 1, length: 30, hex: listing.lines[1])
        guard case .success(let pdu) = stored.pdu, case .deliver(let deliver) = pdu.tpdu else {
            Issue.record("the listed PDU must decode")
            return
        }
        #expect(deliver.originator.description == "+31641600986")
        // A <length> that disagrees with the PDU is refused rather than guessed around.
        if case .success = ModemCommands.stored(index: 0, status: 1, length: 24, hex: listing.lines[1]).pdu {
            Issue.record("length 24 does not match this 30-octet TPDU: must be refused")
        }
        #expect(replay.exchanges.last?.lines == ["+QURCCFG: \"urcport\",\"usbat\""])
    }

    @Test func simcomIndicationReadAndDelete() throws {
        let replay = try replay("simcom-sim7600-manual-cmti-cmgr")
        #expect(replay.urcs == [URC(name: "+CMTI", value: "\"SM\",3")])
        let read = try #require(replay.exchanges.first { $0.command == "AT+CMGR=3" })
        let stored = ModemCommands.stored(index: 3, status: 0, length: 30, hex: read.lines[1])
        guard case .success(let pdu) = stored.pdu, case .deliver(let deliver) = pdu.tpdu else {
            Issue.record("the PDU must decode")
            return
        }
        #expect(deliver.text == "How are you?")
        #expect(replay.exchanges.last?.finals == [.cmsError(code: 321, text: "321")])
    }

    @Test func huaweiURCsStayOutOfAnswersAndThePromptIsSeen() throws {
        let replay = try replay("huawei-manual-urcs-cgdcont-cmgs")
        #expect(replay.urcs.map(\.name) == ["^RSSI", "^MODE", "^RSSI"])
        #expect(
            replay.exchanges.first { $0.command == "AT+CGDCONT?" }?.lines == [
                "+CGDCONT: 1,\"IP\",\"mms\",\"0.0.0.0\",0,0"
            ])
        let send = try #require(replay.exchanges.first { $0.command == "AT+CMGS=19" })
        #expect(send.prompted)
        #expect(send.lines == ["+CMGS: 12"] && send.finals == [.ok])
    }
}
