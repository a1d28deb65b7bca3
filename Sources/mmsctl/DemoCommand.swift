import ArgumentParser
import Foundation
import PDU

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the codec end to end on built-in samples (no modem needed).",
        discussion: """
            Composes an M-Send.req (text, a picture and SMIL), encodes it, decodes it again and \
            shows the result; then decodes a real WAP-push M-Notification.ind and builds the \
            M-NotifyResp.ind that answers it. The modem simulator and the simulated MMSC join \
            this demo as they land.

            Example:
              mmsctl demo
              mmsctl demo --json
            """
    )

    @Flag(help: "Print the decoded messages as JSON (schema mmsctl.decode/1).")
    var json = false

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

    func run() throws {
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
            print(jsonString(DecodeDocument(results: results)))
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

func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter(\.isHexDigit))
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}
