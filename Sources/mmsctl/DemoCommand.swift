import ArgumentParser
import Foundation
import MMSClient
import Modem
import PDU
import Simulator
import Store
import Transport

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole MMS loop on the built-in simulators (no modem needed).",
        discussion: """
            Starts a simulated modem on a pseudo-terminal and a simulated MMSC on loopback, sends an \
            MMS (text, a picture, SMIL) to the modem's own number, receives the M-Notification.ind \
            that comes back as WAP-push SMS, reassembles it, fetches the message from its \
            Content-Location, acknowledges it and deletes the SMS, showing each step. --trace-at shows \
            the AT conversation. --codec runs only the codec part: compose, encode, decode.

            Examples:
              mmsctl demo
              mmsctl demo --trace-at
              mmsctl demo --codec --json
            """
    )

    @Flag(help: "Print the decoded messages as JSON (schema mmsctl.decode/1).")
    var json = false

    @Flag(help: "Only the codec: compose, encode and decode, without the simulators.")
    var codec = false

    @Flag(name: .customLong("trace-at"), help: "Show every AT line between mmsctl and the simulated modem.")
    var traceAT = false

    @Option(
        help: ArgumentHelp("Keep the demo's store in this folder (default: a new temporary one).", valueName: "dir"))
    var store: String?

    @OptionGroup var log: LogOptions

    /// A 1×1 PNG, written out by hand (signature, IHDR, IDAT, IEND).
    static let png = bytes(
        """
        89504E470D0A1A0A0000000D49484452000000010000000108060000001F15C4890000000D49444154789C6364F8CF
        F01F0005000201FFA4F5F2C40000000049454E44AE426082
        """)

    /// The M-Notification.ind of ofono's wap_push_1 test (protocol-reference §11.1).
    static let notification = bytes(
        """
        8C82984F67514B4B42008D908908804572 6F74696B0096 50696E2D55707300 8A808E02400088058103
        03F48083687474703A2F2F657073332E64652F4F2F5A39495A4F00
        """)

    func run() async throws {
        if !codec && !json { return try await runLoop() }
        let text = MMSPart(
            contentType: ContentType("text/plain", parameters: [.init(name: .wellKnown(0x01), value: .integer(106))]),
            contentID: "<text1>", contentLocation: "text1.txt", data: Array("Hello from mmsctl ✉".utf8))
        let image = MMSPart(
            contentType: ContentType("image/png"), contentID: "<image1>", contentLocation: "image1.png",
            data: Self.png)
        let smil = MMSPart(
            contentType: ContentType("application/smil"), contentID: "<smil>", contentLocation: "smil.xml",
            data: Array(SMIL.compose(parts: [image, text]).utf8))
        let request = MMSPDU.sendRequest(
            transactionID: "demo-1", to: [MMSAddress(recipient: "+15551234567")], subject: "Demo ☀",
            parts: [image, text], smil: smil, deliveryReport: true, date: 1_764_000_000)
        let wire = request.encode()
        let decoded = try MMSPDU.decode(wire)
        guard decoded == request.inSpecOrder() else {
            printError("mmsctl: the decoded M-Send.req differs from the one encoded")
            throw ExitStatus.dataError
        }
        let notification = try MMSPDU.decode(Self.notification)
        let response = MMSPDU.notifyResp(transactionID: notification.transactionIDOctets ?? [], status: .retrieved)
        let responseWire = response.encode()

        let results = [
            DecodeResult(
                input: "composed M-Send.req", kind: "mms", size: wire.count, ok: true, mms: MMSReport(decoded)),
            DecodeResult(
                input: "WAP-push M-Notification.ind", kind: "mms", size: Self.notification.count, ok: true,
                mms: MMSReport(notification)),
            DecodeResult(
                input: "M-NotifyResp.ind answering it", kind: "mms", size: responseWire.count, ok: true,
                mms: MMSReport(try MMSPDU.decode(responseWire))),
        ]
        if json {
            print(JSONOutput.encode(DecodeDocument(results: results)))
            return
        }
        print("Composed an M-Send.req of \(wire.count) bytes and decoded it back unchanged:\n")
        for result in results {
            print(TextRenderer.render(result))
            print("")
        }
        print("M-NotifyResp.ind on the wire: \(hexString(responseWire))")
    }
}

extension DemoCommand {
    func step(_ text: String) { print("▸ " + text) }

    func runLoop() async throws {
        let modem = try SimulatedModem(profile: .quectel)
        modem.start()
        defer { modem.stop() }
        let mmsc = SimulatedMMSC()
        try await mmsc.start(port: 0)
        mmsc.attach(modem: modem, number: ModemProfile.quectel.ownNumber)
        step(
            "simulated \(modem.profile.manufacturer) \(modem.profile.model) on \(modem.devicePath); simulated MMSC at \(mmsc.url)"
        )

        let channel = try ATChannel.open(
            device: modem.devicePath, lockDirectory: NSTemporaryDirectory(),
            trace: atTrace(enabled: traceAT, indent: "   "))
        let commands = ModemCommands(channel: channel)
        let notes = try await commands.initialize()
        let identity = try await commands.identity()
        let number = identity.ownNumber ?? ModemProfile.quectel.ownNumber
        step("modem initialised (\(notes.joined(separator: ", "))); own number \(number)")

        let text = MMSPart(
            contentType: ContentType("text/plain", parameters: [.init(name: .wellKnown(0x01), value: .integer(106))]),
            contentID: "<text1>", contentLocation: "text1.txt", data: Array("Hello from mmsctl ✉".utf8))
        let image = MMSPart(
            contentType: ContentType("image/png"), contentID: "<image1>", contentLocation: "image1.png", data: Self.png)
        let smil = MMSPart(
            contentType: ContentType("application/smil"), contentID: "<smil>", contentLocation: "smil.xml",
            data: Array(SMIL.compose(parts: [image, text]).utf8))
        let request = MMSPDU.sendRequest(
            transactionID: "demo-1", to: [MMSAddress(recipient: number)], subject: "Demo ☀",
            parts: [image, text], smil: smil, deliveryReport: true)
        var configuration = TransportConfiguration()
        configuration.retries = 1
        let transport = HTTPTransport(configuration: configuration)
        let confirmation = try MMSPDU.decode(
            try await transport.post(mmsc.url, pdu: request.encode(), expectMMS: true).body)
        step(
            "sent an M-Send.req of \(request.encode().count) bytes to \(number): \(confirmation.responseStatus?.description ?? "?"), Message-ID \(confirmation.messageID ?? "?")"
        )

        // The notification comes back as WAP-push SMS; wait until the modem holds it.
        let deadline = Date().addingTimeInterval(10)
        var waiting = try await commands.listAllStorages()
        while waiting.isEmpty, Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
            waiting = try await commands.listAllStorages()
        }
        guard !waiting.isEmpty else {
            printError("mmsctl: the notification did not arrive")
            throw ExitStatus.dataError
        }
        step(
            "the modem holds \(waiting.count) SMS: "
                + waiting.map { "\($0.memory) \($0.sms.index)" }.joined(separator: ", "))

        // The receive pipeline, exactly as `mmsctl fetch` runs it.
        let folder = store ?? (NSTemporaryDirectory() + "mmsctl-demo-\(UUID().uuidString.prefix(8))")
        let database = try SQLiteStore(folder: folder)
        var settings = ReceiveSettings()
        settings.mmsc = mmsc.url
        let pipeline = ReceivePipeline(
            store: database, settings: settings, network: DirectNetwork(configuration: configuration),
            logger: log.logger())
        var summary = ReceiveSummary()
        await pipeline.pass(modem: commands, summary: &summary)
        guard let notification = try database.notifications().last else {
            printError("mmsctl: no notification was recorded")
            throw ExitStatus.dataError
        }
        step(
            "recorded the M-Notification.ind (\(notification.messageSize.map { byteCount(Int($0)) } ?? "size unknown") at "
                + "\(TerminalText.safe(notification.contentLocation))) in the store at \(folder)")
        guard let stored = summary.stored.first else {
            printError("mmsctl: the message was not fetched: \(summary.pending.first?.error ?? "?")")
            throw ExitStatus.dataError
        }
        step("fetched the M-Retrieve.conf and stored it as message \(stored.id) (\(byteCount(stored.size)))")
        step("acknowledged with M-NotifyResp.ind (Retrieved)")
        step("deleted \(summary.smsDeleted) SMS from the modem, last")
        await channel.close()
        await mmsc.stop()
        let raw = try database.messagePDU(id: stored.id) ?? []
        print("")
        print(
            TextRenderer.render(
                DecodeResult(
                    input: "message \(stored.id) (mmsctl inbox show \(stored.id) --store \(folder))", kind: "mms",
                    size: raw.count, ok: true, mms: MMSReport(try MMSPDU.decode(raw)))))
    }
}

/// Bytes of a hex literal written in this program (`SMSHex` parses; a bad literal is a programming error).
func bytes(_ hex: String) -> [UInt8] {
    do {
        return try SMSHex.bytes(hex)
    } catch {
        preconditionFailure("bad hex literal: \(error)")
    }
}
