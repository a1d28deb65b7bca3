import Foundation
import Testing

@testable import MMSClient

@Suite struct ConfigurationTests {
    @Test func tomlTablesStringsNumbersArraysAndComments() throws {
        let values = try TOML.parse(
            """
            # mmsctl
            [modem]
            device = "/dev/ttyUSB2"   # the AT port
            [mms]
            mmsc = 'http://mms.example/#not-a-comment'
            max_size = 600_000
            [bearer]
            dns = ["10.0.0.1", "10.0.0.2"]
            cid = 3
            ok = true
            """)
        #expect(values["modem.device"] == .string("/dev/ttyUSB2"))
        #expect(values["mms.mmsc"] == .string("http://mms.example/#not-a-comment"))
        #expect(values["mms.max_size"] == .integer(600_000))
        #expect(values["bearer.dns"] == .array([.string("10.0.0.1"), .string("10.0.0.2")]))
        #expect(values["bearer.ok"] == .boolean(true))
    }

    @Test func tomlErrorsNameTheLine() {
        #expect(throws: TOML.ParseError(line: 2, message: "cannot read the value ttyUSB2 (strings need quotes)")) {
            try TOML.parse("[modem]\ndevice = ttyUSB2")
        }
        #expect(throws: TOML.ParseError(line: 1, message: "unterminated string")) { try TOML.parse("a = \"x") }
        #expect(throws: TOML.ParseError(line: 3, message: "a.b is set twice")) { try TOML.parse("[a]\nb = 1\nb = 2") }
        #expect(throws: TOML.ParseError(line: 1, message: "expected key = value")) { try TOML.parse("just words") }
    }

    @Test func precedenceIsFlagsEnvironmentUserSystemCarrierDefaults() throws {
        let folder = NSTemporaryDirectory() + "mmsctl-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "[mms]\nmmsc = \"http://user\"\nproxy = \"user:80\"\napn = \"user-apn\"\n".write(
            toFile: folder + "/user.toml", atomically: true, encoding: .utf8)
        try
            "[mms]\nmmsc = \"http://system\"\nproxy = \"system:80\"\napn = \"system-apn\"\nuser_agent = \"system-ua\"\n[bogus]\nx = 1\n"
            .write(toFile: folder + "/system.toml", atomically: true, encoding: .utf8)
        let carrier = CarrierSettings(
            provider: "Carrier", country: "xx", mcc: "001", mnc: "01", apn: "carrier-apn",
            mmsc: "http://carrier", proxy: "carrier:8080", username: nil, password: nil)
        let configuration = Configuration.load(
            flags: ["mms.mmsc": "http://flag"], environment: ["MMSCTL_MMS_PROXY": "env:8080"],
            userFile: folder + "/user.toml", systemFile: folder + "/system.toml", carrier: carrier)
        #expect(configuration["mms.mmsc"] == "http://flag")
        #expect(configuration.source("mms.mmsc") == .flag)
        #expect(configuration["mms.proxy"] == "env:8080")
        #expect(configuration.source("mms.proxy") == .environment)
        #expect(configuration["mms.apn"] == "user-apn")
        #expect(configuration.source("mms.apn") == .userFile)
        #expect(configuration["mms.user_agent"] == "system-ua")
        #expect(configuration.source("mms.user_agent") == .systemFile)
        #expect(configuration["bearer.kind"] == "none")
        #expect(configuration.source("bearer.kind") == .default)
        #expect(configuration.warnings == ["\(folder)/system.toml: unknown setting bogus.x (ignored)"])

        let carrierOnly = Configuration.load(
            environment: [:], userFile: "/nonexistent", systemFile: "/nonexistent", carrier: carrier)
        #expect(carrierOnly["mms.mmsc"] == "http://carrier")
        #expect(carrierOnly.source("mms.mmsc") == .carrier)
        #expect(carrierOnly.entries["mms.mmsc"]?.origin == "Carrier (001-01)")
    }

    @Test func aMalformedFileIsReportedAndIgnored() throws {
        let path = NSTemporaryDirectory() + "mmsctl-bad-\(UUID().uuidString).toml"
        try "[mms\nmmsc = 1".write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = Configuration.load(environment: [:], userFile: path, systemFile: "/nonexistent")
        #expect(configuration.warnings == ["\(path): line 1: a table header is written [name] (file ignored)"])
        #expect(configuration["mms.mmsc"] == nil)
        #expect(configuration.missingMMSSettings == ["mms.mmsc"])
    }
}

/// Carrier lookup against the real serviceproviders.xml (Debian package mobile-broadband-provider-info).
@Suite(
    .enabled(
        if: FileManager.default.fileExists(atPath: CarrierDatabase.defaultPath),
        "mobile-broadband-provider-info is not installed"))
struct CarrierDatabaseTests {
    static let database = try? CarrierDatabase()

    @Test func theFieldGuidesCarriersAreFound() throws {
        let database = try #require(Self.database)
        #expect(database.providerCount > 500)
        let orange = try #require(database.lookup(imsi: "208011234567890").first)
        #expect(
            orange.apn == "orange-acte" && orange.mmsc == "http://mms.orange.fr"
                && orange.proxy == "192.168.10.200:8080")
        let tmobile = try #require(database.lookup(imsi: "310260123456789").first)
        #expect(tmobile.mmsc == "http://mms.msg.eng.t-mobile.com/mms/wapenc")
        let ee = try #require(database.lookup(imsi: "234301234567890").first)
        #expect(ee.apn == "eezone" && ee.proxy == "149.254.201.135:8080")
        let att = try #require(database.lookup(imsi: "310410123456789").first { $0.provider.contains("AT&T") })
        #expect(att.proxy == "proxy.mobile.att.net:80")
    }

    @Test func threeDigitMNCsAreTriedBeforeTwo() throws {
        let database = try #require(Self.database)
        // 310-410 (AT&T) must not be read as 310-41.
        #expect(database.lookup(imsi: "310410123456789").first?.mnc == "410")
        #expect(database.lookup(imsi: "208011234567890").first?.mnc == "01")
    }

    @Test func carriersWithoutMMSGiveNothing() throws {
        let database = try #require(Self.database)
        #expect(database.lookup(imsi: "440101234567890").isEmpty)  // the file has no Japanese MMS APN
        #expect(database.lookup(imsi: "001010123456789").isEmpty)  // test network
        #expect(database.lookup(imsi: "12").isEmpty)
    }
}

@Suite struct CarrierDatabaseErrorTests {
    @Test func aMissingOrMalformedDatabaseIsReportedNotFatal() {
        #expect(throws: CarrierDatabaseError.missing(path: "/nonexistent.xml")) {
            try CarrierDatabase(path: "/nonexistent.xml")
        }
        #expect(throws: CarrierDatabaseError.self) {
            try CarrierDatabase(data: Data("<serviceproviders><country>".utf8))
        }
        #expect(throws: CarrierDatabaseError.malformed(path: "x.xml", line: 1, reason: "no <serviceproviders> element"))
        {
            try CarrierDatabase(data: Data("<other/>".utf8), path: "x.xml")
        }
    }

    @Test func aSmallDatabaseIsRead() throws {
        let xml = """
            <?xml version="1.0"?>
            <serviceproviders format="2.0">
              <country code="fr">
                <provider><name>SFR</name><gsm><network-id mcc="208" mnc="10"/>
                  <apn value="sl2sfr"><usage type="internet"/></apn>
                  <apn value="mms65"><usage type="mms"/><mmsc>http://mms65</mmsc><mmsproxy>10.143.156.8</mmsproxy></apn>
                </gsm></provider>
              </country>
            </serviceproviders>
            """
        let database = try CarrierDatabase(data: Data(xml.utf8))
        let sfr = try #require(database.lookup(imsi: "208101234567890").first)
        #expect(
            sfr
                == CarrierSettings(
                    provider: "SFR", country: "fr", mcc: "208", mnc: "10", apn: "mms65", mmsc: "http://mms65",
                    proxy: "10.143.156.8", username: nil, password: nil))
    }
}
