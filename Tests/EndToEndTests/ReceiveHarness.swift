import Foundation
import MMSClient
import PDU
import Simulator
import Store
import TestSupport
import Testing
import Transport

/// A simulated modem and MMSC in the test process, a store folder, and the built `mmsctl` run
/// against them as a separate process, as a user would run it.
final class ReceiveHarness: @unchecked Sendable {
    let modem: SimulatedModem
    let mmsc: SimulatedMMSC
    let folder: URL
    var storeFolder: String { folder.appendingPathComponent("store").path }
    var lockFolder: String { folder.appendingPathComponent("locks").path }
    /// The path mmsctl is given: a link to the modem's pty, re-pointed after a replug (as the udev
    /// rule's /dev/mmsctl/<serial>-at link is).
    var devicePath: String { folder.appendingPathComponent("modem-at").path }

    init(profile: ModemProfile = .quectel) async throws {
        modem = try SimulatedModem(profile: profile)
        modem.start()
        mmsc = SimulatedMMSC()
        try await mmsc.start(port: 0)
        mmsc.attach(modem: modem, number: profile.ownNumber)
        folder = try temporaryDirectory()
        try FileManager.default.createDirectory(atPath: lockFolder, withIntermediateDirectories: true)
        try relink()
    }

    /// Points the device link at the modem's current pty.
    func relink() throws {
        try? FileManager.default.removeItem(atPath: devicePath)
        try FileManager.default.createSymbolicLink(atPath: devicePath, withDestinationPath: modem.devicePath)
    }

    func shutdown() async {
        modem.stop()
        await mmsc.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    var environment: [String: String] {
        ["MMSCTL_LOCK_DIR": lockFolder, "XDG_CONFIG_HOME": folder.path, "MMSCTL_HTTP_RETRIES": "0"]
    }

    /// Arguments for `fetch`/`receive` against the simulators.
    func receiveArguments(_ command: [String]) -> [String] {
        command + ["--device", devicePath, "--mmsc", mmsc.url, "--store", storeFolder]
    }

    func fetch(_ extra: [String] = []) throws -> MMSCtl.Output {
        try MMSCtl.run(receiveArguments(["fetch"]) + extra, environment: environment)
    }

    func store() throws -> SQLiteStore { try SQLiteStore(folder: storeFolder) }

    /// A picture message: text, a PNG and a SMIL presentation, as the MMSC will serve it.
    static func parts(text: String = "Hello from the harness ✉", seed: UInt8 = 1) -> [MMSPart] {
        let utf8 = ContentType("text/plain", parameters: [.init(name: .wellKnown(0x01), value: .integer(106))])
        let image = (0..<600).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
        return [
            MMSPart(
                contentType: ContentType("image/png"), contentID: "<img>", contentLocation: "photo.png", data: image),
            MMSPart(contentType: utf8, contentID: "<txt>", contentLocation: "text.txt", data: Array(text.utf8)),
        ]
    }

    /// Posts an M-Send.req to the modem's own number: the MMSC stores the message and pushes the
    /// notification to the modem by WAP-push SMS (announced with +CMTI when indications are on).
    @discardableResult
    func sendToModem(subject: String = "Harness", parts: [MMSPart] = ReceiveHarness.parts()) async throws -> MMSPDU {
        let smil = MMSPart(
            contentType: ContentType("application/smil"), contentID: "<smil>", contentLocation: "smil.xml",
            data: Array(SMIL.compose(parts: parts).utf8))
        let request = MMSPDU.sendRequest(
            transactionID: "t-\(UUID().uuidString.prefix(8))", to: [MMSAddress(recipient: modem.profile.ownNumber)],
            subject: subject, parts: parts, smil: smil)
        var configuration = TransportConfiguration()
        configuration.retries = 0
        let answer = try await HTTPTransport(configuration: configuration).post(
            mmsc.url, pdu: request.encode(), expectMMS: true)
        return try MMSPDU.decode(answer.body)
    }

    /// Stores a message at the MMSC and returns the notification that points at it, without
    /// delivering it (tests place the SMS themselves: in another storage, out of order, …).
    func storedMessage(subject: String, parts: [MMSPart] = ReceiveHarness.parts(), id: String) -> (
        notification: MMSPDU, retrieve: MMSPDU
    ) {
        let retrieve = MMSPDU(
            type: .retrieveConf, transactionID: id, version: .v1_2,
            headers: [
                .field(.messageID, .text(Array(id.utf8))), .field(.date, .integer(1_764_000_000)),
                .field(.from, .from(EncodedString(MMSAddress(value: "+15550100002", kind: .plmn).wireText))),
                .field(.to, .encodedString(EncodedString(MMSAddress(recipient: modem.profile.ownNumber).wireText))),
                .field(.cc, .encodedString(EncodedString(MMSAddress(recipient: "+15550100077").wireText))),
                .field(.subject, .encodedString(EncodedString(subject))),
                .field(.contentType, .contentType(ContentType(media: .wellKnown(0x23)))),
            ], body: .multipart(parts))
        let location = mmsc.store(retrieve, id: id)
        let notification = MMSPDU(
            type: .notificationInd, transactionID: "tx-\(id)", version: .v1_2,
            headers: [
                .field(.from, .from(EncodedString(MMSAddress(value: "+15550100002", kind: .plmn).wireText))),
                .field(.subject, .encodedString(EncodedString(subject))),
                .field(.messageClass, .octet(0x80)), .field(.messageSize, .integer(UInt64(retrieve.encode().count))),
                .field(.expiry, .time(.relative(172_800))), .field(.contentLocation, .text(Array(location.utf8))),
            ])
        return (notification, retrieve)
    }

    /// The SMS-DELIVERs that carry `notification` as a WAP push (several when it needs concatenation).
    func pushSMS(_ notification: MMSPDU, reference: UInt16 = 0x4242) throws -> [SMSPDU] {
        try WAPPush.mms(notification).deliverPDUs(
            reference: reference, smsc: SMSAddress(modem.profile.smsc), originator: SMSAddress("+15550100002"),
            timestamp: SMSTimestamp(year: 2026, month: 12, day: 1, hour: 9, minute: 0, second: 0, quarterHours: 0))
    }

    /// Every SMS on the modem, across its storages.
    func modemSMS() -> [String: [Int: SimulatedModem.Message]] {
        var all: [String: [Int: SimulatedModem.Message]] = [:]
        for (name, _) in modem.profile.storages { all[name] = modem.messages(in: name) }
        return all
    }

    var modemIsEmpty: Bool { modemSMS().values.reduce(0) { $0 + $1.count } == 0 }

    func modemHolds(hex: String) -> Bool {
        modemSMS().values.contains { $0.values.contains { $0.hex.uppercased() == hex.uppercased() } }
    }

    /// M-NotifyResp.ind the MMSC received, by transaction id.
    func notifyResponses(transactionID: String) -> [MMSPDU] {
        mmsc.received.filter { $0.messageType == .notifyRespInd && $0.transactionID == transactionID }
    }

    /// Waits until `condition` holds (polling the test's own state, not the code under test).
    func wait(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }
}

/// A running `mmsctl` (the watch), stopped by signal.
final class Background: @unchecked Sendable {
    let process = Process()
    let stderrPipe = Pipe()
    let stdoutPipe = Pipe()
    private let lock = NSLock()
    private var errData = Data()

    init(_ arguments: [String], environment: [String: String]) throws {
        process.executableURL = MMSCtl.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardError = stderrPipe
        process.standardOutput = stdoutPipe
        process.standardInput = FileHandle.nullDevice
        stderrPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.withLock { self.errData.append(data) }
        }
        stdoutPipe.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
        try process.run()
    }

    var stderr: String { lock.withLock { String(decoding: errData, as: UTF8.self) } }

    /// Sends `signal` and returns how long the process took to exit (nil: it did not within `within`).
    func stop(signal: Int32 = SIGTERM, within: Double = 5) -> Double? {
        let start = Date()
        kill(process.processIdentifier, signal)
        while process.isRunning, Date().timeIntervalSince(start) < within { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return Date().timeIntervalSince(start)
    }
}
