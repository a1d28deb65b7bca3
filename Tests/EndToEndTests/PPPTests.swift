import Foundation
import Modem
import PDU
import Simulator
import Testing
import Transport

/// The `ppp` bearer end to end: the simulated modem answers the dial with CONNECT and runs pppd on
/// its side; mmsctl's pppd gets an interface and the GET goes through it. Runs only where the
/// kernel has PPP and pppd is installed (and as root); the skip message says why not.
@Suite(
    .serialized,
    .enabled(
        if: PPPBearer.unavailableReason() == nil && getuid() == 0, "\(PPPBearer.unavailableReason() ?? "needs root")"))
struct PPPTests {
    @Test func aFetchGoesThroughThePPPLink() async throws {
        let modem = try SimulatedModem()
        modem.start()
        defer { modem.stop() }
        let mmsc = SimulatedMMSC(host: "0.0.0.0")
        try await mmsc.start(port: 0)
        mmsc.store(
            MMSPDU(
                type: .retrieveConf, transactionID: "p", version: .v1_2,
                headers: [
                    .field(.contentType, .contentType(ContentType("text/plain")))
                ], body: .single(Array("over ppp".utf8)[...])), id: "ppp")

        let channel = try ATChannel.open(device: modem.devicePath, lockDirectory: NSTemporaryDirectory())
        try await ModemCommands(channel: channel).defineContext(cid: 1, apn: "mms")
        await channel.close()

        let bearer = PPPBearer(settings: PPPBearer.Settings(device: modem.devicePath))
        let body = try await bearer.withBearer { link -> [UInt8] in
            var configuration = TransportConfiguration()
            configuration.bearer = link.bearer
            configuration.retries = 0
            return try await HTTPTransport(configuration: configuration).get("http://10.64.0.1:\(mmsc.port)/get/ppp")
                .body
        }
        #expect(try MMSPDU.decode(body).body == .single(Array("over ppp".utf8)[...]))
        await mmsc.stop()
    }
}
