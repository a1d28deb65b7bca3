import ArgumentParser
import Foundation
import PDU
import Simulator

struct SimMMSCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim-mmsc",
        abstract: "Run the simulated MMSC (and optionally a DNS server for its name).",
        discussion: """
            Serves HTTP like a carrier MMSC: POST M-Send.req (answered with M-Send.conf), M-NotifyResp.ind \
            and M-Acknowledge.ind; GET /get/<id> serves stored messages; requests with an absolute URI \
            are served as by an MMS proxy. With --dns-record it also answers DNS (UDP, A records) for \
            those names, like the DNS of a carrier's MMS APN.

            Examples:
              mmsctl sim-mmsc --port 8080 --store-sample sample
              mmsctl sim-mmsc --port 8080 --dns-port 5353 --dns-record mms.test=127.0.0.1
            """
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "TCP port (0 picks one).") var port = 8080
    @Option(
        name: .customLong("dns-record"),
        help: ArgumentHelp("Answer DNS for NAME with IP (repeatable).", valueName: "name=ip"))
    var dnsRecords: [String] = []
    @Option(name: .customLong("dns-port"), help: "UDP port of the DNS server.") var dnsPort = 53
    @Option(
        name: .customLong("store-sample"),
        help: ArgumentHelp("Store a sample M-Retrieve.conf at /get/<id>.", valueName: "id"))
    var storeSample: String?
    @Option(help: "Stop after this many seconds (default: run until interrupted).") var seconds: Double?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port takes 0 (any) to 65535, not \(port)") }
        guard (1...65_535).contains(dnsPort) else {
            throw ValidationError("--dns-port takes 1 to 65535, not \(dnsPort)")
        }
        if let seconds, !(seconds.isFinite && seconds > 0 && seconds <= 31_536_000) {
            throw ValidationError("--seconds takes a number of seconds from 0 to 31536000 (a year)")
        }
        var names: Set<String> = []
        for record in dnsRecords {
            let parts = record.split(separator: "=")
            guard parts.count == 2 else { throw ValidationError("--dns-record takes name=ip, not \(record)") }
            guard names.insert(String(parts[0]).lowercased()).inserted else {
                throw ValidationError("--dns-record names \(parts[0]) twice")
            }
        }
    }

    func run() async throws {
        let mmsc = SimulatedMMSC(host: host)
        do {
            try await mmsc.start(port: port)
        } catch {
            printError(
                "mmsctl: cannot listen on \(host.contains(":") ? "[\(host)]" : host):\(port): \(error) "
                    + "(is the address one of this machine's, and the port free?)")
            throw ExitStatus.unavailable
        }
        var dns: SimulatedDNS?
        if !dnsRecords.isEmpty {
            let records = Dictionary(
                dnsRecords.map { record -> (String, String) in
                    let parts = record.split(separator: "=").map(String.init)
                    return (parts[0], parts[1])
                }, uniquingKeysWith: { first, _ in first })
            let server = SimulatedDNS(records: records)
            try server.start(host: host, port: dnsPort)
            dns = server
        }
        if let storeSample {
            let sample = MMSPDU(
                type: .retrieveConf, transactionID: storeSample, version: .v1_2,
                headers: [
                    .field(.date, .integer(UInt64(Date().timeIntervalSince1970))),
                    .field(.from, .from(EncodedString("+15550100002/TYPE=PLMN"))),
                    .field(.subject, .encodedString(EncodedString("Sample from the simulated MMSC"))),
                    .field(.contentType, .contentType(ContentType("application/vnd.wap.multipart.mixed"))),
                ],
                body: .multipart([
                    MMSPart(
                        contentType: ContentType("text/plain"), contentLocation: "text.txt",
                        data: Array("Hello over the MMS bearer".utf8))
                ]))
            mmsc.store(sample, id: storeSample)
        }
        // Written unbuffered: scripts and tests wait for this line.
        FileHandle.standardOutput.write(
            Data(("ready \(mmsc.url)" + (dns != nil ? " dns \(host):\(dnsPort)" : "") + "\n").utf8))
        let deadline = seconds.map { Date().addingTimeInterval($0) }
        while deadline.map({ Date() < $0 }) ?? true {
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        dns?.stop()
        await mmsc.stop()
    }
}
