import Foundation
import Simulator
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12: mmsctl as a Linux service: the systemd unit and the udev rule that starts it, the
/// sd_notify protocol, shell completions and the man page.
@Suite(.serialized) struct ServiceTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let unit = repository.appendingPathComponent("udev/mmsctl-receive@.service")
    static let analyze = "/usr/bin/systemd-analyze"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze is not installed"))
    func theUnitPassesSystemdAnalyzeVerify() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // An instance of the template, with ExecStart pointing at the built binary (verify checks it).
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/mmsctl", with: MMSCtl.binary.path)
        let instance = folder.appendingPathComponent("mmsctl-receive@0123456789.service")
        try text.write(to: instance, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.analyze)
        process.arguments = ["verify", "--man=no", instance.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // verify exits 0 even for unknown keys: any word from it is a failure.
        #expect(process.terminationStatus == 0)
        #expect(output.isEmpty, "\(output)")
        #expect(text.contains("Type=notify"))
        #expect(text.contains("AmbientCapabilities=CAP_NET_RAW"))
        #expect(!text.contains("User=root"))
    }

    /// The rule that starts the unit: every line is udev grammar, it names the unit, and the unit binds
    /// to the very device link that 77-mmsctl.rules creates.
    @Test func theUdevRuleParsesAndStartsTheUnitForTheATPortLink() throws {
        let rules = try String(
            contentsOf: Self.repository.appendingPathComponent("udev/79-mmsctl-service.rules"), encoding: .utf8)
        let pair = #"[A-Z_]+(\{[^}]*\})?\s*(==|!=|\+=|-=|=|:=)\s*"[^"]*""#
        let line = try Regex("^\\s*\(pair)(\\s*,\\s*\(pair))*\\s*$")
        var wants: [String] = []
        for text in rules.split(separator: "\n") where !text.hasPrefix("#") && !text.allSatisfy(\.isWhitespace) {
            #expect(String(text).wholeMatch(of: line) != nil, "not udev grammar: \(text)")
            if let range = text.range(of: #"SYSTEMD_WANTS}+=""#) {
                wants.append(String(text[range.upperBound...].prefix { $0 != "\"" }))
            }
        }
        #expect(wants == ["mmsctl-receive@$env{ID_SERIAL_SHORT}.service"])
        #expect(rules.contains(#"ENV{MMSCTL_PORT_TYPE}=="at""#))
        #expect(rules.contains(#"TAG+="systemd""#))
        let unitText = try String(contentsOf: Self.unit, encoding: .utf8)
        #expect(unitText.contains(#"BindsTo=dev-mmsctl-%i\x2dat.device"#))
        #expect(unitText.contains("--device /dev/mmsctl/%i-at"))
        let portRules = try String(
            contentsOf: Self.repository.appendingPathComponent("udev/77-mmsctl.rules"), encoding: .utf8)
        #expect(portRules.contains(#"SYMLINK+="mmsctl/$env{ID_SERIAL_SHORT}-at""#))
    }

    /// A datagram socket standing in for systemd's: the watch says READY=1 once the modem is
    /// initialised, STATUS lines, WATCHDOG=1 at half of WATCHDOG_USEC, and STOPPING=1 on SIGTERM.
    @Test func theWatchSpeaksTheNotifyProtocol() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        let path = harness.folder.appendingPathComponent("notify").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let watch = try Background(
            harness.receiveArguments(["receive", "--watch"]),
            environment: harness.environment.merging(["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"]) { $1 })
        var messages: [String] = []
        func receive(until deadline: Date, _ done: ([String]) -> Bool) {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline, !done(messages) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            }
        }
        receive(until: Date().addingTimeInterval(15)) { list in
            list.contains("READY=1") && list.contains { $0.hasPrefix("STATUS=waiting for notifications") }
                && list.contains("WATCHDOG=1")
        }
        #expect(messages.contains("READY=1"), "\(messages) \(watch.stderr)")
        #expect(messages.contains("STATUS=waiting for notifications, 0 stored"), "\(messages)")
        #expect(messages.contains("WATCHDOG=1"), "\(messages)")
        // READY only once the modem answered: its indications were set before.
        #expect(harness.modem.commands.contains { $0.uppercased().hasPrefix("AT+CNMI=") })
        #expect(watch.stop() != nil)
        receive(until: Date().addingTimeInterval(2)) { $0.contains("STOPPING=1") }
        #expect(messages.contains("STOPPING=1"), "\(messages)")
    }

    /// Shell completions and the man page are generated, and every subcommand appears in each.
    @Test func completionsAndTheManPageNameEverySubcommand() throws {
        let subcommands = [
            "demo", "send", "sent", "fetch", "receive", "inbox", "doctor", "modems", "config", "decode", "modem",
            "sim", "sim-mmsc", "bench",
        ]
        for shell in ["bash", "zsh", "fish"] {
            let run = try MMSCtl.run(["--generate-completion-script", shell])
            #expect(run.status == 0, "\(shell): \(run.stderr)")
            for name in subcommands { #expect(run.stdout.contains(name), "\(shell) completion lacks \(name)") }
        }
        let manual = try MMSCtl.run(["manual"])
        #expect(manual.status == 0, "\(manual.stderr)")
        #expect(manual.stdout.hasPrefix(".TH MMSCTL 1"))
        for name in subcommands { #expect(manual.stdout.contains(".SS \(name)"), "the man page lacks \(name)") }
        #expect(manual.stdout.contains("--to"))
        #expect(manual.stdout.contains(".SH EXIT STATUS"))
    }
}
