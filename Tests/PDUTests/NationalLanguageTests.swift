import Foundation
import TestSupport
import Testing

@testable import PDU

/// National language shift tables (3GPP TS 23.038 §6.2.1.2.4, Annex A; UDH IEIs 0x24 and 0x25 of
/// TS 23.040 §9.2.3.24.15–16). Expected characters are read off the Annex A tables by hand.
@Suite struct NationalLanguageTests {
    @Test func everyLockingTableHasASeptetForEachOf128CodesAndESCInItsPlace() {
        for language in NationalLanguage.allCases {
            guard let table = language.lockingTable else { continue }
            #expect(table.count == 128, "\(language.name)")
            #expect(table[0x1B] == "\u{1B}", "\(language.name)")
            #expect(Set(table).count == 128, "\(language.name): a character twice")
        }
        // Every septet after ESC in every language reads as something, whatever the tables hold.
        for locking in [nil] + NationalLanguage.allCases {
            for single in [nil] + NationalLanguage.allCases {
                let tables = GSM7.Tables(locking: locking, singleShift: single)
                let all = (0..<128).flatMap { [UInt8(0x1B), UInt8($0)] } + (0..<128).map { UInt8($0) }
                #expect(GSM7.decode(all, tables: tables).count == 128 + 127)
            }
        }
    }

    @Test func turkishLockingShiftReplacesTheBasicTable() {
        // A.3.1: 0B Ğ, 0C ğ, 40 İ, 07 ı, 1C Ş, 1D ş, 60 ç, 04 €; 41 is still A.
        let septets: [UInt8] = [0x0B, 0x0C, 0x40, 0x07, 0x1C, 0x1D, 0x60, 0x04, 0x41]
        #expect(GSM7.decode(septets, tables: GSM7.Tables(locking: .turkish)) == "ĞğİıŞşç€A")
        // The same septets in the default alphabet.
        #expect(GSM7.decode(septets) == "Øø¡ìÆæ¿èA")
    }

    @Test func singleShiftTablesReplaceTheExtensionTable() {
        // A.2.2 Spanish: 41 Á, 61 á, 09 ç, 75 ú, 65 €, 28 {.
        let spanish: [UInt8] = [0x1B, 0x41, 0x1B, 0x61, 0x1B, 0x09, 0x1B, 0x75, 0x1B, 0x65, 0x1B, 0x28]
        #expect(GSM7.decode(spanish, tables: GSM7.Tables(singleShift: .spanish)) == "Ááçú€{")
        // Without the table an unknown escape shows the basic character.
        #expect(GSM7.decode(spanish) == "AaÇu€{")
        // A.2.1 Turkish: 47 Ğ, 69 ı, 73 ş. A.2.3 Portuguese: 05 ê, 7B ã, 12 Φ.
        #expect(GSM7.decode([0x1B, 0x47, 0x1B, 0x69, 0x1B, 0x73], tables: GSM7.Tables(singleShift: .turkish)) == "Ğış")
        #expect(
            GSM7.decode([0x1B, 0x05, 0x1B, 0x7B, 0x1B, 0x12], tables: GSM7.Tables(singleShift: .portuguese)) == "êãΦ")
    }

    @Test func portugueseLockingShift() {
        // A.3.3: 7B ã, 7C õ, 12 ª, 24 º, 15 ∞, 7D `, 60 ~, 13 Ç, 09 ç.
        let septets: [UInt8] = [0x7B, 0x7C, 0x12, 0x24, 0x15, 0x7D, 0x60, 0x13, 0x09]
        #expect(GSM7.decode(septets, tables: GSM7.Tables(locking: .portuguese)) == "ãõªº∞`~Çç")
    }

    /// A DELIVER built by an independent packer (a few lines of Python beside the Annex A tables):
    /// UDH 06 25 01 01 24 01 01 (Turkish locking and single shift), UDHL 6 → 8 header septets, no fill.
    @Test func aTurkishSMSDecodes() throws {
        let hex =
            "00440481214300006201102100000021062501012401018930437ED08180737AD82DAEB3419DBAB83C4F830835"
        let pdu = try SMSPDU.decode(hex: hex)
        guard case .deliver(let deliver) = pdu.tpdu else {
            Issue.record("not a DELIVER")
            return
        }
        #expect(deliver.userData.header?.gsm7Tables == GSM7.Tables(locking: .turkish, singleShift: .turkish))
        #expect(deliver.text == "Çağrı: İstanbul şubesi €5")
        // Re-encoding gives the same octets.
        #expect(pdu.hex == hex)
    }

    @Test func encodingUsesTheTablesTheHeaderSelects() throws {
        let turkish = UserDataHeader(elements: [InformationElement(identifier: 0x25, data: [0x01])])
        let userData = SMSUserData(text: "Çağrı", header: turkish)
        // A.3.1: Ç 09, a 61, ğ 0C, r 72, ı 07: one septet each, no UCS2.
        #expect(userData.body == .septets([0x09, 0x61, 0x0C, 0x72, 0x07]))
        // Without the header the same text needs UCS2.
        guard case .octets = SMSUserData(text: "Çağrı").body else {
            Issue.record("expected UCS2 without a Turkish table")
            return
        }
        // Spanish has only a single shift table: á costs an escape.
        let spanish = UserDataHeader(elements: [InformationElement(identifier: 0x24, data: [0x02])])
        #expect(SMSUserData(text: "más", header: spanish).body == .septets([0x6D, 0x1B, 0x61, 0x73]))
    }

    @Test func languagesWithoutATableFallBackToTheDefaultAndSaySo() throws {
        // Hindi (6) locking and single shift: mmsctl carries no Indic tables.
        let pdu = try SMSPDU.decode(hex: "0044048121430000620110210000000A062501062401064121")
        guard case .deliver(let deliver) = pdu.tpdu else {
            Issue.record("not a DELIVER")
            return
        }
        let tables = try #require(deliver.userData.header?.gsm7Tables)
        #expect(tables == GSM7.Tables(locking: .hindi, singleShift: .hindi))
        #expect(tables.unsupported == [.hindi])
        #expect(deliver.text == "AB")
        // Spanish defines no locking table, so a Spanish locking shift is the default table, not a gap.
        #expect(GSM7.Tables(locking: .spanish).unsupported.isEmpty)
        // An identifier 23.038 does not define (14) is ignored.
        let unknown = UserDataHeader(elements: [InformationElement(identifier: 0x25, data: [14])])
        #expect(unknown.gsm7Tables == .default)
    }

    @Test(arguments: [NationalLanguage.turkish, .spanish, .portuguese])
    func randomTextsRoundTrip(language: NationalLanguage) {
        let tables = GSM7.Tables(locking: language, singleShift: language)
        var pool = Array(Set((language.lockingTable ?? GSM7.basic) + (language.singleShiftTable?.values ?? [:].values)))
        pool.removeAll { $0 == "\u{1B}" }
        pool.sort()
        var rng = SeededGenerator(seed: UInt64(language.rawValue) + 2300)
        for _ in 0..<200 {
            let text = String((0..<Int.random(in: 0...80, using: &rng)).map { _ in pool.randomElement(using: &rng)! })
            let septets = GSM7.encode(text, tables: tables)
            #expect(septets != nil, "\(text)")
            if let septets {
                #expect(GSM7.decode(GSM7.unpack(GSM7.pack(septets), count: septets.count), tables: tables) == text)
            }
        }
    }
}
