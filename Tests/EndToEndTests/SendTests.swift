import Foundation
import PDU
import Simulator
import Store
import TestSupport
import Testing

/// `mmsctl send` and `mmsctl sent`, run as built, against the simulated MMSC (which decodes what is
/// posted) and the simulated modem (for the way back through `fetch`).
@Suite(.serialized) struct SendTests {
    static let vipsTool = "/usr/bin/vips"
    static let hasVipsTool = FileManager.default.isExecutableFile(atPath: vipsTool)

    /// Runs a tool (the `vips` command line, python3), independent of the code under test.
    @discardableResult
    static func tool(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// A camera-like 3-band noisy JPEG of the given size (several MB at 4000×3000), made by `vips`.
    static func photo(_ path: String, width: Int, height: Int, format: String = "jpg") throws {
        let folder = (path as NSString).deletingLastPathComponent
        let band = folder + "/band-\(UUID().uuidString).v"
        try tool(vipsTool, ["gaussnoise", band, "\(width)", "\(height)", "--mean", "128", "--sigma", "50"])
        let rgb = folder + "/rgb-\(UUID().uuidString).v"
        try tool(vipsTool, ["bandjoin", "\(band) \(band) \(band)", rgb])
        let target = format == "jpg" ? path + "[Q=92]" : path
        let (status, output) = try tool(vipsTool, ["copy", rgb, target])
        try #require(status == 0, "\(output)")
        try? FileManager.default.removeItem(atPath: band)
        try? FileManager.default.removeItem(atPath: rgb)
    }

    /// Width and height of an image file, read by `vipsheader`.
    static func dimensions(_ path: String) throws -> (Int, Int) {
        let (_, width) = try tool("/usr/bin/vipsheader", ["-f", "width", path])
        let (_, height) = try tool("/usr/bin/vipsheader", ["-f", "height", path])
        return (
            Int(width.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0,
            Int(height.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        )
    }

    /// A JPEG with an EXIF APP1 segment saying Orientation = 6 (turn 90° clockwise), written by hand
    /// (TIFF big-endian, one IFD entry) after the SOI marker.
    static func withOrientation6(_ jpeg: [UInt8]) -> [UInt8] {
        let tiff: [UInt8] = [
            0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,  // MM, 42, IFD at 8
            0x00, 0x01,  // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,  // Orientation SHORT 1 = 6
            0x00, 0x00, 0x00, 0x00,  // no next IFD
        ]
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        let segment: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        return Array(jpeg.prefix(2)) + segment + Array(jpeg.dropFirst(2))
    }

    func send(_ harness: ReceiveHarness, _ arguments: [String]) throws -> MMSCtl.Output {
        try MMSCtl.run(
            ["send", "--mmsc", harness.mmsc.url, "--store", harness.storeFolder] + arguments,
            cwd: harness.folder, environment: harness.environment)
    }

    var posted: (ReceiveHarness) -> [MMSPDU] { { $0.mmsc.received.filter { $0.messageType == .sendReq } } }

    @Test func theMMSCGetsEveryFieldAndPartByteForByte() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<300).map { UInt8($0 % 251) }
        let vcard = Array("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEND:VCARD\r\n".utf8)
        try Data(png).write(to: harness.folder.appendingPathComponent("logo.png"))
        try Data(vcard).write(to: harness.folder.appendingPathComponent("ada"))
        let run = try send(
            harness,
            [
                "--to", "+491701234567,+491709876543", "--cc", "alice@example.com", "--bcc", "+4930123456",
                "--subject", "Grüße ☀", "--text", "Hallo, Welt ✉", "--class", "informational", "--priority", "high",
                "--delivery-report", "--read-report", "--expiry", "2d", "--json", "logo.png", "ada",
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(result["schema"] as? String == "mmsctl.send/1")
        #expect(result["state"] as? String == "sent")
        #expect(result["message_id"] as? String == "sim-1")
        let request = try #require(posted(harness).first)
        #expect(request.to.map(\.description) == ["+491701234567/TYPE=PLMN", "+491709876543/TYPE=PLMN"])
        #expect(request.cc.map(\.description) == ["alice@example.com"])
        #expect(request.bcc.map(\.description) == ["+4930123456/TYPE=PLMN"])
        #expect(request.subject == "Grüße ☀")
        #expect(request.messageClass == .informational)
        #expect(request.priority == .high)
        #expect(request.deliveryReport == true)
        #expect(request.readReport == true)
        #expect(request.expiry == .relative(172_800))
        #expect(request.contentType?.mediaType == "application/vnd.wap.multipart.related")
        let parts = request.parts
        // Media types compare without case (WSP's table writes text/x-vCard).
        #expect(
            parts.map { $0.contentType.mediaType.lowercased() } == [
                "application/smil", "image/png", "text/x-vcard", "text/plain",
            ])
        #expect(Array(parts[1].data) == png)
        #expect(Array(parts[2].data) == vcard)
        #expect(parts[3].text == "Hallo, Welt ✉")
        #expect(parts[0].text?.contains("logo.png") == true)
        // The outbox has it, sent, with its Message-ID.
        let row = try #require(try harness.store().outbox().first)
        #expect(row.state == .sent)
        #expect(row.messageID == "sim-1")
        #expect(row.recipients.count == 4)
    }

    @Test func aMessageToTheModemsOwnNumberComesBackIdenticalAndItsDeliveryReportMarksItDelivered() async throws {
        let harness = try await ReceiveHarness(profile: .quectel)
        defer { Task { await harness.shutdown() } }
        let picture: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + (0..<2000).map { UInt8(($0 * 7) % 256) } + [0xFF, 0xD9]
        try Data(picture).write(to: harness.folder.appendingPathComponent("door.jpg"))
        let number = ModemProfile.quectel.ownNumber
        let run = try send(
            harness, ["--to", number, "--subject", "Loop", "--text", "Zurück ↩", "--delivery-report", "door.jpg"])
        #expect(run.status == 0, "\(run.stderr)")
        // The notification comes back by SMS; fetch stores the message and answers Retrieved, which
        // makes the MMSC push the delivery report; the next fetch stores that.
        let first = try harness.fetch()
        #expect(first.status == 0, "\(first.stderr)")
        let store = try harness.store()
        let message = try #require(try store.messages().first)
        #expect(message.subject == "Loop")
        let pdu = try MMSPDU.decode(try #require(try store.messagePDU(id: message.id)))
        let image = try #require(pdu.parts.first { $0.contentType.mediaType == "image/jpeg" })
        #expect(Array(image.data) == picture)
        #expect(pdu.parts.first { $0.contentType.mediaType == "text/plain" }?.text == "Zurück ↩")
        let second = try harness.fetch()
        #expect(second.status == 0, "\(second.stderr)")
        let shown = try MMSCtl.run(
            ["sent", "show", "1", "--json", "--store", harness.storeFolder], environment: harness.environment)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let sent = try #require((document["messages"] as? [[String: Any]])?.first)
        let recipient = try #require((sent["recipients"] as? [[String: Any]])?.first)
        #expect(recipient["address"] as? String == number)
        #expect(recipient["delivery"] as? String == "Retrieved")
        #expect(harness.modemIsEmpty)
    }

    @Test(.enabled(if: hasVipsTool, "the vips command (libvips-tools) is not installed"))
    func aCameraJPEGIsShrunkToFitWithItsAspectRatio() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        let path = harness.folder.appendingPathComponent("IMG_2041.JPG").path
        try Self.photo(path, width: 4000, height: 3000)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(original.count > 2_000_000)
        let run = try send(
            harness, ["--to", "+491701234567", "--max-size", "300000", "--text", "door", "IMG_2041.JPG"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("IMG_2041.JPG"))
        #expect(run.stdout.contains("4000×3000 →"))
        let request = try #require(posted(harness).first)
        #expect(harness.mmsc.requests.first { $0.method == "POST" }?.body.count ?? .max <= 300_000)
        let image = try #require(request.parts.first { $0.contentType.mediaType == "image/jpeg" })
        let out = harness.folder.appendingPathComponent("received.jpg").path
        try Data(image.data).write(to: URL(fileURLWithPath: out))
        let (width, height) = try Self.dimensions(out)
        #expect(width > 0 && width < 4000)
        #expect(abs(Double(width) / Double(height) - 4.0 / 3.0) < 0.01, "\(width)×\(height)")
        #expect(image.data.count < original.count)
    }

    @Test(.enabled(if: hasVipsTool, "the vips command (libvips-tools) is not installed"))
    func aPNGStaysAPNGAndAnEXIFRotatedJPEGArrivesUpright() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        let png = harness.folder.appendingPathComponent("screen.png").path
        try Self.photo(png, width: 1600, height: 1000, format: "png")
        let jpeg = harness.folder.appendingPathComponent("rotated.jpg").path
        try Self.photo(jpeg, width: 2000, height: 1000)
        let rotated = Self.withOrientation6(Array(try Data(contentsOf: URL(fileURLWithPath: jpeg))))
        try Data(rotated).write(to: URL(fileURLWithPath: jpeg))
        let run = try send(harness, ["--to", "+491701234567", "--max-size", "300000", "screen.png", "rotated.jpg"])
        #expect(run.status == 0, "\(run.stderr)")
        let request = try #require(posted(harness).first)
        let parts = request.parts.filter { $0.contentType.mediaType.hasPrefix("image/") }
        #expect(parts.map(\.contentType.mediaType) == ["image/png", "image/jpeg"])
        let pngOut = harness.folder.appendingPathComponent("out.png").path
        try Data(parts[0].data).write(to: URL(fileURLWithPath: pngOut))
        let (pw, ph) = try Self.dimensions(pngOut)
        #expect(abs(Double(pw) / Double(ph) - 1.6) < 0.02, "\(pw)×\(ph)")
        let jpegOut = harness.folder.appendingPathComponent("out.jpg").path
        try Data(parts[1].data).write(to: URL(fileURLWithPath: jpegOut))
        let (jw, jh) = try Self.dimensions(jpegOut)
        // 2000×1000 stored, Orientation 6: shown (and now stored) portrait, 1:2.
        #expect(jh > jw, "\(jw)×\(jh)")
        #expect(abs(Double(jh) / Double(jw) - 2.0) < 0.02)
    }

    @Test func whatCannotFitIsRefusedWithItsSizesBeforeAnythingIsSent() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        var video = [UInt8](repeating: 0, count: 2_000_000)
        video.replaceSubrange(0..<12, with: [0, 0, 0, 0x18] + Array("ftypisom".utf8))
        try Data(video).write(to: harness.folder.appendingPathComponent("clip.mp4"))
        let run = try send(harness, ["--to", "+491701234567", "--max-size", "300000", "clip.mp4"])
        #expect(run.status == 65)
        #expect(run.stderr.contains("over the 300000-byte limit"))
        #expect(run.stderr.contains("no photo that could be shrunk"))
        let photo: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 7, count: 400_000)
        try Data(photo).write(to: harness.folder.appendingPathComponent("big.jpg"))
        let refused = try send(harness, ["--to", "+491701234567", "--no-resize", "big.jpg"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("over the 307200-byte limit (--no-resize"))
        #expect(harness.mmsc.requests.isEmpty)
        #expect(try harness.store().outbox().isEmpty)
    }

    @Test func badInputIsNamedBeforeTheBearerOrTheMMSCIsTouched() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        try Data((0..<64).map { UInt8($0 * 3 % 256) }).write(to: harness.folder.appendingPathComponent("blob.bin"))
        try Data().write(to: harness.folder.appendingPathComponent("empty.jpg"))
        let cases: [([String], Int32, String)] = [
            (["--to", "+491701234567", "missing.jpg"], 66, "missing.jpg: no such file"),
            (["--to", "+491701234567", "blob.bin"], 65, "blob.bin: unknown type"),
            (["--to", "+491701234567", "empty.jpg"], 65, "empty.jpg: empty file"),
            (["--to", "+491701234567"], 65, "nothing to send"),
            (["--to", "+49170abc", "--text", "x"], 65, "recipient +49170abc: not a phone number"),
            (["--to", "01701234567", "--text", "x"], 65, "a national number"),
            (["--to", "+12", "--text", "x"], 65, "7 to 15 digits"),
            (["--text", "x"], 65, "no recipient"),
        ]
        for (arguments, status, message) in cases {
            let run = try send(harness, arguments)
            #expect(run.status == status, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        #expect(harness.mmsc.requests.isEmpty)
        // A national number with a configured country.
        let national = try send(harness, ["--to", "0170 1234567", "--text", "x", "--json"])
        #expect(national.status == 0 || national.stderr.contains("a national number"))
        let withCountry = try MMSCtl.run(
            [
                "send", "--mmsc", harness.mmsc.url, "--store", harness.storeFolder, "--to", "0170 1234567", "--text",
                "x",
            ],
            environment: harness.environment.merging(["MMSCTL_MMS_COUNTRY_CODE": "49"]) { $1 })
        #expect(withCountry.status == 0, "\(withCountry.stderr)")
        #expect(posted(harness).last?.to.map(\.description) == ["+491701234567/TYPE=PLMN"])
    }

    @Test func anUploadCutOffIsNeverResentByItselfButOnRequest() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        // The MMSC reads the whole request, then the answer is cut off.
        harness.mmsc.inject(.truncated)
        let run = try send(harness, ["--to", "+491701234567", "--text", "once"])
        #expect(run.status == 75)
        #expect(run.stderr.contains("may have taken it"))
        #expect(harness.mmsc.requests.filter { $0.method == "POST" }.count == 1)
        #expect(try harness.store().outbox().first?.state == .unknown)
        let resend = try MMSCtl.run(
            ["sent", "resend", "1", "--mmsc", harness.mmsc.url, "--store", harness.storeFolder],
            environment: harness.environment)
        #expect(resend.status == 0, "\(resend.stderr)")
        #expect(try harness.store().outbox().first?.state == .sent)
        // An MMSC that answers 503 never took it: failed, transient.
        harness.mmsc.inject(.status(503))
        let refused = try send(harness, ["--to", "+491701234567", "--text", "later"])
        #expect(refused.status == 75)
        #expect(try harness.store().outbox().last?.state == .failed)
    }

    /// An independent decoder agrees: python-messaging reads what mmsctl wrote.
    static let hasPythonMessaging: Bool = {
        (try? tool("/usr/bin/env", ["python3", "-c", "import messaging.mms.message"]).0) == 0
    }()

    @Test(.enabled(if: hasPythonMessaging, "python-messaging is not installed (pip install python-messaging)"))
    func pythonMessagingReadsWhatMmsctlWrote() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 1, count: 100)
        try Data(png).write(to: folder.appendingPathComponent("a.png"))
        let out = folder.appendingPathComponent("m.mms").path
        let run = try MMSCtl.run(
            [
                "send", "--dry-run", "--out", out, "--to", "+491701234567", "--cc", "+491709876543", "--subject",
                "Hello", "--text", "hi", "a.png",
            ], cwd: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let script = """
            from messaging.mms.message import MMSMessage
            m = MMSMessage.from_file('\(out)')
            h = m.headers
            print('TO', h.get('To'))
            print('CC', h.get('Cc'))
            print('SUBJECT', h.get('Subject'))
            print('TYPE', h.get('Content-Type')[0] if isinstance(h.get('Content-Type'), tuple) else h.get('Content-Type'))
            print('PARTS', ','.join(d.content_type for d in m.data_parts))
            """
        let (status, output) = try Self.tool("/usr/bin/env", ["python3", "-c", script])
        #expect(status == 0, "\(output)")
        #expect(output.contains("+491701234567/TYPE=PLMN"), "\(output)")
        #expect(output.contains("CC +491709876543/TYPE=PLMN"), "\(output)")
        #expect(output.contains("SUBJECT Hello"), "\(output)")
        #expect(output.contains("TYPE application/vnd.wap.multipart.related"), "\(output)")
        #expect(output.contains("image/png") && output.contains("text/plain"), "\(output)")
    }
}
