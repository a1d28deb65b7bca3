import Foundation
import Testing

@testable import Transport

@Suite struct PPPBearerTests {
    /// pppd's own log lines (pppd 2.4.9 with `logfd 1`, as printed when IPCP completes).
    @Test func pppdLogGivesInterfaceAddressAndDNS() {
        let log = """
            Serial connection established.
            Using interface ppp0
            Connect: ppp0 <--> /dev/ttyUSB3
            local  IP address 10.144.3.77
            remote IP address 10.64.64.64
            primary   DNS address 10.11.12.13
            secondary DNS address 10.11.12.14
            """
        #expect(
            PPPBearer.parse(log)
                == PPPBearer.Link(
                    interface: "ppp0", localAddress: "10.144.3.77", dnsServers: ["10.11.12.13", "10.11.12.14"]))
        #expect(PPPBearer.parse("Serial connection established.") == nil)
    }

    @Test func pppdNeverTouchesTheDefaultRouteOrResolvConf() {
        var settings = PPPBearer.Settings(device: "/dev/ttyUSB3")
        settings.cid = 3
        let arguments = PPPBearer(settings: settings).arguments
        #expect(arguments.contains("nodefaultroute"))
        #expect(arguments.contains("noresolv"))
        #expect(arguments.first == "/dev/ttyUSB3")
        #expect(arguments.contains { $0.contains("ATD*99***3#") })
    }
}

/// Issue 12: the PPP password reaches pppd through a private file, never its command line.
@Suite struct PPPSecretTests {
    @Test func thePasswordIsNeverOnPppdsCommandLine() throws {
        var settings = PPPBearer.Settings(device: "/dev/ttyUSB3")
        settings.user = "orange"
        settings.password = "s3cr\"et\\x"
        let bearer = PPPBearer(settings: settings)
        #expect(bearer.arguments.contains("orange"))
        #expect(!bearer.arguments.contains { $0.contains("s3cr") })
        let file = try PPPBearer.passwordFile(settings.password!)
        defer { unlink(file) }
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "password \"s3cr\\\"et\\\\x\"\n")
    }
}
