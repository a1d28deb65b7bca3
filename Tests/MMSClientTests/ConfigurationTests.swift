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

    /// The constructs the hand-written reader lacked (issue 12): multi-line arrays, inline tables,
    /// dotted keys, every string escape and form, dates and times.
    @Test func tomlMultiLineArraysInlineTablesEscapesAndDates() throws {
        let entries = try TOML.parseWithLines(
            #"""
            title = "tab\there \u00e9 \U0001F600 \"quoted\" back\\slash"
            literal = 'C:\path\no-escapes'
            multi = """
            two
            lines"""
            bearer = { kind = "ppp", cid = 2 }
            mms.apn = "dotted"
            dns = [
              "10.0.0.1",   # first
              "10.0.0.2",
            ]
            day = 2026-12-01
            at = 2026-12-01T10:30:00+01:00
            pi = 3.5
            """#)
        #expect(entries["title"]?.value == .string("tab\there é 😀 \"quoted\" back\\slash"))
        #expect(entries["literal"]?.value == .string("C:\\path\\no-escapes"))
        #expect(entries["multi"]?.value == .string("two\nlines"))
        #expect(entries["bearer.kind"]?.value == .string("ppp"))
        #expect(entries["bearer.cid"]?.value == .integer(2))
        #expect(entries["mms.apn"]?.value == .string("dotted"))
        #expect(entries["mms.apn"]?.line == 7)
        #expect(entries["dns"]?.value == .array([.string("10.0.0.1"), .string("10.0.0.2")]))
        #expect(entries["dns"]?.line == 8)
        #expect(entries["day"]?.value == .date("2026-12-01"))
        #expect(entries["at"]?.value == .date("2026-12-01T10:30:00+01:00"))
        #expect(entries["pi"]?.value == .float(3.5))
    }

    @Test func tomlErrorsNameTheLineAndColumn() {
        func error(_ text: String) -> TOML.ParseError? {
            do {
                _ = try TOML.parse(text)
                return nil
            } catch {
                return error
            }
        }
        let unquoted = error("[modem]\ndevice = ttyUSB2")
        #expect(unquoted?.line == 2)
        #expect((unquoted?.column ?? 0) > "device =".count)
        #expect(error("a = \"x")?.line == 1)
        #expect(error("[a]\nb = 1\nb = 2")?.line == 3)
        #expect(error("x = 1\njust words")?.line == 2)
    }

    /// Issue 10, item 5: every value gets a type and range check, with the key, where it was set and
    /// what is expected; item 6: unreadable files; item 9: the PIN is never shown.
    @Test func invalidValuesAreRefusedNamingKeySourceAndExpectation() throws {
        let path = NSTemporaryDirectory() + "mmsctl-invalid-\(UUID().uuidString).toml"
        try """
        [mms]
        max_size = "big"
        mmsc = 5
        proxy = "not a proxy:99999"
        [modem]
        device = ["a"]
        pin = "12345678901"
        [bearer]
        cid = -3
        kind = "wifi"
        mmsx = 1
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = Configuration.load(
            flags: ["mms.mmsc": "ftp://x"],
            environment: ["MMSCTL_BEARER_CID": "x", "MMSCTL_MMS_MAXSIZE": "3", "MMSCTL_LOCK_DIR": "/tmp"],
            userFile: path, systemFile: "/nonexistent")
        #expect(
            configuration.errors == [
                "bearer.cid = -3 (\(path):9): expected a whole number from 1 to 255",
                "bearer.cid = x (MMSCTL_BEARER_CID): expected a whole number from 1 to 255",
                "bearer.kind = wifi (\(path):10): expected one of none, interface, ppp",
                "mms.max_size = big (\(path):2): expected a whole number from 1 to 67108864, found a string",
                "mms.mmsc = 5 (\(path):3): expected an http:// URL (e.g. http://mms.example/mms), found an integer",
                "mms.mmsc = ftp://x (--mmsc): expected an http:// URL (e.g. http://mms.example/mms)",
                "mms.proxy = not a proxy:99999 (\(path):4): expected host:port, the port from 1 to 65535 (e.g. 10.0.0.10:8080)",
                "modem.device = [a] (\(path):6): expected an absolute path, found an array",
                "modem.pin = **** (\(path):7): expected 4 to 8 digits",
            ])
        #expect(
            configuration.warnings == [
                "\(path):11: unknown setting bearer.mmsx (ignored)",
                "unknown environment variable MMSCTL_MMS_MAXSIZE (ignored)",
            ])
        // The refused values are not used: the defaults stand.
        #expect(configuration["mms.max_size"] == "307200")
        #expect(configuration["bearer.cid"] == "1")
        #expect(configuration["mms.mmsc"] == nil)
    }

    @Test func anExplicitFileThatCannotBeUsedIsAnErrorAnImplicitOneAWarning() throws {
        let folder = NSTemporaryDirectory()
        for (path, reason) in [
            ("/nonexistent.toml", "no such file"), (folder, "is a folder, not a configuration file"),
            ("/dev/zero", "larger than 1048576 bytes; not a configuration file"),
        ] {
            let explicit = Configuration.load(environment: [:], userFile: path, systemFile: "/x", explicitFile: true)
            #expect(explicit.errors == ["\(path): \(reason)"])
            let implicit = Configuration.load(environment: [:], userFile: path, systemFile: "/x")
            #expect(implicit.errors.isEmpty)
            if path != "/nonexistent.toml" { #expect(implicit.warnings == ["\(path): \(reason) (file ignored)"]) }
        }
    }

    @Test func thePINIsMaskedForDisplay() {
        let configuration = Configuration.load(
            flags: ["modem.pin": "4321"], environment: [:], userFile: "/x", systemFile: "/x")
        #expect(configuration["modem.pin"] == "4321")
        #expect(configuration.displayEntries.first { $0.key == "modem.pin" }?.value == "****")
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
        #expect(configuration.warnings == ["\(folder)/system.toml:7: unknown setting bogus.x (ignored)"])

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
        #expect(configuration.warnings.count == 1)
        #expect(configuration.warnings.first?.hasPrefix("\(path): line 1, column ") == true)
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
