import Foundation
import MMSClient
import Modem
import PDU
import Simulator
import Testing
import Transport

/// The whole loop without hardware, from the libraries' public API: an M-Send.req to the simulated
/// modem's own number makes the simulated MMSC push a notification by SMS; the modem announces it,
/// the SMS are listed, reassembled and opened, the message is fetched from its Content-Location and
/// acknowledged.
@Suite struct LoopTests {
    @Test func aMessageSentToTheModemsOwnNumberComesBackThroughSMSAndHTTP() async throws {
        let modem = try SimulatedModem(profile: .huawei)
        modem.start()
        defer { modem.stop() }
        let mmsc = SimulatedMMSC()
        try await mmsc.start(port: 0)
        mmsc.attach(modem: modem, number: ModemProfile.huawei.ownNumber)

        let channel = try ATChannel.open(device: modem.devicePath, lockDirectory: NSTemporaryDirectory())
        let commands = ModemCommands(channel: channel)
        _ = try await commands.initialize()
        let number = try #require(try await commands.identity().ownNumber)

        // Send a picture message (text + SMIL) to ourselves.
        let text = MMSPart(
            contentType: ContentType("text/plain", parameters: [.init(name: .wellKnown(0x01), value: .integer(106))]),
            contentID: "<t1>", contentLocation: "t1.txt", data: Array("Loop ✓".utf8))
        let smil = MMSPart(
            contentType: ContentType("application/smil"), contentID: "<smil>", contentLocation: "smil.xml",
            data: Array(SMIL.compose(parts: [text]).utf8))
        let request = MMSPDU.sendRequest(
            transactionID: "loop-1", to: [MMSAddress(recipient: number)], subject: "Loop",
            parts: [text], smil: smil)
        var configuration = TransportConfiguration()
        configuration.retries = 0
        let transport = HTTPTransport(configuration: configuration)
        let confirmation = try MMSPDU.decode(
            try await transport.post(mmsc.url, pdu: request.encode(), expectMMS: true).body)
        #expect(confirmation.responseStatus == .ok)

        // The notification arrives as WAP-push SMS: list, reassemble, open.
        var notification: MMSPDU?
        var collector = WAPPushCollector()
        var usedIndices: [Int] = []
        let deadline = Date().addingTimeInterval(10)
        while notification == nil, Date() < deadline {
            for case .mms(let pdu, let indices) in collector.add(try await commands.listSMS(), at: 0) {
                notification = pdu
                usedIndices += indices
            }
            if notification == nil { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        let received = try #require(notification)
        #expect(received.messageType == .notificationInd)
        #expect(received.subject == "Loop")

        // Fetch, check, acknowledge, then delete the SMS.
        let location = try #require(received.contentLocation)
        let retrieved = try MMSPDU.decode(try await transport.get(location).body)
        #expect(retrieved.messageType == .retrieveConf)
        #expect(retrieved.subject == "Loop")
        #expect(retrieved.parts.map(\.text) == [SMIL.compose(parts: [text]), "Loop ✓"])
        let response = MMSPDU.notifyResp(transactionID: received.transactionIDOctets ?? [], status: .retrieved)
        _ = try await transport.post(mmsc.url, pdu: response.encode())
        #expect(mmsc.received.last?.messageType == .notifyRespInd)
        #expect(mmsc.received.last?.transactionID == received.transactionID)
        for index in usedIndices { try await commands.deleteSMS(index: index) }
        #expect(try await commands.listSMS().isEmpty)
        await channel.close()
        await mmsc.stop()
    }
}
