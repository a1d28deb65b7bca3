import Foundation
import PDU
import Simulator
import Store
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 10: what strangers send (and what a careless or hostile user types) must never reach the
/// terminal as control bytes, the modem as a command, or memory without a bound. Each test is
/// written from the reproduction in the issue, run on the built binary.
@Suite(.serialized) struct HostileInputTests {
    /// Bytes that a terminal must never receive raw from a sender's text.
    static func rawControls(in text: String) -> [String] {
        var found: [String] = []
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let control = (value < 0x20 && value != 0x0A) || (0x7F...0x9F).contains(value)
            let bidi =
                [0x061C, 0x200E, 0x200F, 0x2028, 0x2029].contains(value) || (0x202A...0x202E).contains(value)
                || (0x2066...0x2069).contains(value)
            if control || bidi { found.append(String(format: "U+%04X", value)) }
        }
        return found
    }

    static let hostileStrings: [String] = [
        "\u{1B}[2J\u{1B}]0;pwned\u{07}", "line\r\nInjected: header", "\u{202E}txt.exe", "\u{9B}31m", "tab\tand\u{0}nul",
        "\u{2066}isolate\u{2069}", "del\u{7F}", "\u{85}next line", "ok",
    ]

    /// A random string with every kind of control, bidi control and ordinary text (seeded).
    static func randomHostile(_ generator: inout SeededGenerator) -> String {
        let pool: [UInt32] =
            Array(0...0x1F) + [0x7F] + Array(0x80...0x9F) + [0x061C, 0x200E, 0x200F, 0x2028, 0x2029]
            + Array(0x202A...0x202E) + Array(0x2066...0x2069) + Array(0x41...0x5A) + [0xE9, 0x4E2D, 0x1F600]
        return String(
            String.UnicodeScalarView(
                (0..<Int.random(in: 1...24, using: &generator)).compactMap { _ in
                    Unicode.Scalar(pool.randomElement(using: &generator)!)
                }))
    }

    /// An M-Retrieve.conf whose every shown header and part name carries `text`.
    static func message(_ text: String, rawBytes: [UInt8] = []) -> MMSPDU {
        let encoded = Array(text.utf8) + rawBytes
        let textPart = MMSPart(
            contentType: ContentType("text/plain", parameters: [.init(name: .wellKnown(0x01), value: .integer(106))]),
            contentID: "<\(text)>", contentLocation: text, data: encoded)
        let nameParameter = ContentType.Parameter(name: .wellKnown(0x05), value: .text(text))
        let image = MMSPart(
            contentType: ContentType("image/png", parameters: [nameParameter]), contentLocation: text + ".png",
            data: [0x89, 0x50])
        return MMSPDU(
            type: .retrieveConf, transactionID: "t", version: .v1_2,
            headers: [
                .field(.from, .from(EncodedString(charset: .utf8, octets: encoded + Array("/TYPE=PLMN".utf8)))),
                .field(.to, .encodedString(EncodedString(charset: .utf8, octets: encoded))),
                .field(.subject, .encodedString(EncodedString(charset: .utf8, octets: encoded))),
                .field(.messageID, .text(encoded)),
                .field(.contentType, .contentType(ContentType(media: .wellKnown(0x23)))),
            ], body: .multipart([textPart, image]))
    }

    // MARK: 2. Terminal escape injection

    @Test func decodeNeverPrintsASendersControlCharacters() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SeededGenerator(seed: 10)
        var texts = Self.hostileStrings
        for _ in 0..<40 { texts.append(Self.randomHostile(&generator)) }
        for (number, text) in texts.enumerated() {
            // Invalid UTF-8 too: a lone continuation byte and a truncated sequence.
            let pdu = Self.message(text, rawBytes: number % 3 == 0 ? [0x80, 0xE2, 0x80] : [])
            let path = folder.appendingPathComponent("m\(number).mms")
            try Data(pdu.encode()).write(to: path)
            let run = try MMSCtl.run(["decode", path.path])
            // A NUL ends a WAP Text-string: such a header is refused as malformed (65), cleanly.
            #expect(
                run.status == 0 || (run.status == 65 && text.contains("\u{0}")),
                "\(text.debugDescription): \(run.stdout)")
            #expect(
                Self.rawControls(in: run.stdout).isEmpty,
                "\(text.debugDescription): \(Self.rawControls(in: run.stdout))")
            #expect(Self.rawControls(in: run.stderr).isEmpty)
            #expect(!run.stdout.contains("\nInjected: header"))
        }
        // The same reaches JSON intact, escaped by the encoder.
        let json = try MMSCtl.run(["decode", "--json", folder.appendingPathComponent("m1.mms").path])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let results = try #require(document["results"] as? [[String: Any]])
        let mms = try #require(results.first?["mms"] as? [String: Any])
        #expect(mms["subject"] as? String == "line\r\nInjected: header")
    }

    @Test func ucs2SMSTextIsSanitisedToo() throws {
        let text = "\u{1B}]0;title\u{07}\u{202E}gnp.exe"
        let pdu = SMSPDU(
            smsc: SMSAddress("+15550199999"),
            tpdu: .deliver(
                SMSDeliver(
                    originator: SMSAddress("+15557654321"), dataCoding: .ucs2,
                    serviceCentreTimestamp: SMSTimestamp(
                        year: 2026, month: 12, day: 1, hour: 9, minute: 0, second: 0, quarterHours: 0),
                    userData: SMSUserData(text: text))))
        let run = try MMSCtl.run(["decode", "--sms", pdu.hex])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.rawControls(in: run.stdout).isEmpty, "\(Self.rawControls(in: run.stdout))")
        #expect(run.stdout.contains("\\u{1B}]0;title"))
    }

    @Test func theInboxNeverPrintsASendersControlCharacters() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        let hostile = "\u{1B}[2J\u{9B}1m\u{202E}evil\r\nFrom: forged"
        let (notification, _) = harness.storedMessage(
            subject: hostile, parts: Self.message(hostile).parts, id: "hostile")
        for sms in try harness.pushSMS(notification) { _ = harness.modem.store(sms) }
        let fetch = try harness.fetch()
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(Self.rawControls(in: fetch.stdout + fetch.stderr).isEmpty)
        for arguments in [["inbox", "list"], ["inbox", "show", "1"]] {
            let run = try MMSCtl.run(arguments + ["--store", harness.storeFolder], environment: harness.environment)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(Self.rawControls(in: run.stdout).isEmpty, "\(arguments): \(Self.rawControls(in: run.stdout))")
            #expect(!run.stdout.contains("\nFrom: forged"))
        }
        // Exported names carry none of it either, and stay in their folder.
        let out = harness.folder.appendingPathComponent("out")
        let export = try MMSCtl.run(
            ["inbox", "export", "1", "--out", out.path, "--store", harness.storeFolder],
            environment: harness.environment)
        #expect(export.status == 0, "\(export.stderr)")
        for name in try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("1").path) {
            #expect(Self.rawControls(in: name).isEmpty, "\(name.debugDescription)")
            #expect(name.utf8.count <= SafeFileName.maximumLength)
        }
    }

    // MARK: 1. Numeric options never trap

    @Test func noNumericOptionTrapsWhateverItIsGiven() throws {
        let options: [[String]] = [
            ["modem", "at", "--device", "/dev/null", "AT", "--timeout"], ["sim", "--seconds"],
            ["sim-mmsc", "--port"], ["sim-mmsc", "--dns-port"], ["sim-mmsc", "--seconds"], ["fetch", "--max-size"],
            ["receive", "--watch", "--scan-interval"], ["bench", "--seconds"], ["bench", "--idle-seconds"],
            ["send", "--to", "+491701234567", "--text", "x", "--max-size"],
            ["send", "--to", "+491701234567", "--text", "x", "--expiry"],
        ]
        var generator = SeededGenerator(seed: 1)
        // Values no option accepts: not numbers, not finite, negative, zero where a duration or size is
        // asked (a port of 0 means "any" and is left out), far beyond every range.
        var values = ["nan", "inf", "-inf", "1e20", "-5", "99999999999999999999", "abc", "", "-0.5", "1e308"]
        for _ in 0..<4 {
            values.append(String(Double.random(in: -1e12 ... -1, using: &generator)))
            values.append(String(Double.random(in: 1e13...1e300, using: &generator)))
        }
        for option in options {
            for value in values {
                let run = try MMSCtl.run(option + [value])
                // Every one of these is out of range or not a number: a usage error, never a signal.
                #expect(run.status == 64, "\(option.joined(separator: " ")) \(value): \(run.status) \(run.stderr)")
            }
        }
    }

    // MARK: 3. The modem as a command

    @Test func modemAtRefusesSeveralLinesInOneArgument() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        let index = try #require(harness.modem.store(SampleSMS.text("do not delete me")))
        for hostile in ["AT+CSQ\r\nAT+CMGD=1,4", "AT+CSQ\rAT+CMGD=\(index)", "AT+CMGS=5\u{1A}", "AT\u{1B}", "CMGD=0"] {
            let run = try MMSCtl.run(
                ["modem", "at", "--device", harness.devicePath, hostile], environment: harness.environment)
            #expect(run.status == 64, "\(hostile.debugDescription): \(run.stderr)")
        }
        #expect(harness.modem.messages(in: "ME")[index] != nil)
        #expect(!harness.modem.commands.contains { $0.uppercased().contains("CMGD") })
        // A compound command keeps every answer line.
        let compound = try MMSCtl.run(
            ["modem", "at", "--device", harness.devicePath, "AT+CSQ;+CPMS?"], environment: harness.environment)
        #expect(compound.status == 0, "\(compound.stderr)")
        #expect(compound.stdout.contains("+CSQ: 20,99"))
        #expect(compound.stdout.contains("+CPMS:"))
    }

    @Test func aCommandThatTimedOutAtThePromptDoesNotBreakTheNextRun() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        let prompt = try MMSCtl.run(
            ["modem", "at", "--device", harness.devicePath, "--timeout", "0.5", "AT+CMGS=10"],
            environment: harness.environment)
        #expect(prompt.status == 69)
        let next = try MMSCtl.run(
            ["modem", "at", "--device", harness.devicePath, "AT+CGMI"], environment: harness.environment)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stdout.contains(ModemProfile.generic.manufacturer))
    }

    // MARK: 4. Memory

    @Test func decodeSMSOnAnEndlessInputStopsAtOnceWithinItsMemoryBound() throws {
        let start = Date()
        let (status, peak) = try Self.spawnMeasured(["decode", "--sms"], stdin: "/dev/zero")
        #expect(status == 65)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(peak < 100 << 20, "peak RSS \(peak) bytes")
    }

    /// Runs the binary with posix_spawn, standard input from `stdin`, and returns its exit status and
    /// its peak resident set, which mmsctl reports itself at exit (VmHWM, MMSCTL_PEAK_RSS_FILE): wait4
    /// would give the test runner's, shared with the child until its exec.
    static func spawnMeasured(_ arguments: [String], stdin: String) throws -> (Int32, Int) {
        let report = NSTemporaryDirectory() + "mmsctl-peak-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: report) }
        let environment = ProcessInfo.processInfo.environment.merging(["MMSCTL_PEAK_RSS_FILE": report]) { $1 }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let path = MMSCtl.binary.path
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, nil, argv, envp) == 0 else {
            throw POSIXError(.ENOEXEC)
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let peak = try #require(Int(try String(contentsOfFile: report, encoding: .utf8)))
        return ((status >> 8) & 0xFF, peak)
    }

    // MARK: 8. Part-file names

    @Test func partFileNamesLoseC1AndBidiControlsAndStayWithinTheirLength() throws {
        #expect(SafeFileName.make(from: "\u{202E}txt.exe", fallback: "x") == "_txt.exe")
        #expect(SafeFileName.make(from: "a\u{9B}b.jpg", fallback: "x") == "a_b.jpg")
        #expect(SafeFileName.make(from: "-rf", fallback: "x") == "_rf")
        let long = String(repeating: "é", count: 80)  // 160 bytes
        let fitted = SafeFileName.make(from: long + ".jpeg", fallback: "x")
        #expect(fitted.utf8.count <= 100)
        #expect(fitted.hasSuffix(".jpeg"))
        // Three parts with the same long name and no extension: the extension and -1, -2 fit as well.
        let name = String(repeating: "n", count: 100)
        let parts = (0..<3).map { _ in
            MMSPart(contentType: ContentType("image/jpeg"), contentLocation: name, data: [0xFF, 0xD8])
        }
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let saved = try PartExporter(directory: folder.path).export(parts)
        #expect(saved.count == 3)
        for path in saved.values {
            let file = (path as NSString).lastPathComponent
            #expect(file.utf8.count <= 100, "\(file.utf8.count) bytes")
            #expect(file.hasSuffix(".jpg"))
        }
    }

    // MARK: 9. The PIN

    @Test func thePINNeverAppearsInTheATTrace() async throws {
        let modem = try SimulatedModem(profile: ModemProfile.generic.locked(pin: "4321"))
        modem.start()
        defer { modem.stop() }
        let locks = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: locks) }
        let run = try MMSCtl.run(
            ["modem", "info", "--device", modem.devicePath, "--pin", "4321", "--trace-at"],
            environment: ["MMSCTL_LOCK_DIR": locks.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("AT+CPIN=\"****\""))
        #expect(!run.stderr.contains("4321"))
    }

    // MARK: 10. Messages

    @Test func helpExamplesAreNeverWrappedMidCommand() throws {
        let commands = [
            [], ["demo"], ["send"], ["sent"], ["fetch"], ["receive"], ["inbox"], ["inbox", "export"], ["doctor"],
            ["modems"], ["config"],
            ["decode"], ["modem"], ["modem", "at"], ["sim"], ["sim-mmsc"], ["bench"],
        ]
        for command in commands {
            let help = try MMSCtl.run(command + ["--help"])
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.firstIndex(where: { $0.hasSuffix("Examples:") }) else { continue }
            for line in lines[(start + 1)...] {
                if line.isEmpty { break }
                // A wrapped example goes on at the first column; every example line is indented.
                #expect(line.hasPrefix("  "), "\(command): \(line)")
            }
        }
    }

    @Test func oneByteIsOneByte() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("one").path
        try Data([0x8C]).write(to: URL(fileURLWithPath: path))
        let run = try MMSCtl.run(["decode", path])
        #expect(run.stderr.contains("(1 byte)"), "\(run.stderr)")
        #expect(!run.stderr.contains("1 bytes"))
    }

    // MARK: 11. Nested and broken parts

    @Test func invalidBase64AndTooDeepNestingAreReportedWithExit65() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let broken = MMSPart(
            contentType: ContentType("text/plain"),
            headers: [.init(name: .text("Content-Transfer-Encoding"), value: .text(Array("base64".utf8)))],
            data: Array("!!! not base64 !!!".utf8)[...])
        var nested = [MMSPart(contentType: ContentType("text/plain"), data: Array("deep".utf8))]
        for _ in 0..<10 {
            var writer = WSPWriter()
            Multipart.encode(nested, into: &writer)
            nested = [MMSPart(contentType: ContentType(media: .wellKnown(0x23)), data: writer.bytes)]
        }
        for (name, parts, expected) in [("base64", [broken], "invalid base64"), ("deep", nested, "part 1.1.1")] {
            let pdu = MMSPDU(
                type: .retrieveConf, transactionID: "t", version: .v1_2,
                headers: [.field(.contentType, .contentType(ContentType(media: .wellKnown(0x23))))],
                body: .multipart(parts))
            let path = folder.appendingPathComponent(name).path
            try Data(pdu.encode()).write(to: URL(fileURLWithPath: path))
            let run = try MMSCtl.run(["decode", path])
            #expect(run.status == 65, "\(name): \(run.stdout)")
            // The parts to standard output, what is wrong with them to standard error.
            #expect(run.stdout.contains("m-retrieve-conf"), "\(name): \(run.stdout)")
            #expect(run.stderr.contains(expected), "\(name): \(run.stderr)")
        }
    }
}
