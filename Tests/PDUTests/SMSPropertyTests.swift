import Foundation
import TestSupport
import Testing

@testable import PDU

/// Random SMS-SUBMIT and SMS-DELIVER PDUs of every alphabet, with and without UDH, round-trip;
/// mutated corpus PDUs decode or fail cleanly.
@Suite struct SMSPropertyTests {
    static func randomText(_ rng: inout SeededGenerator, alphabet: Int) -> String {
        let gsm = Array(
            "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCXYZÄÖÑÜ§¿abcxyzäöñüà{}[]~\\|€^")
        let wide = Array("Привет世界😃葉ß€aé")
        let pool = alphabet == 0 ? gsm : wide
        return String(
            (0..<Int.random(in: 0...60, using: &rng)).map { _ in pool[Int.random(in: 0..<pool.count, using: &rng)] })
    }

    @Test(arguments: 0..<3)
    func randomPDUsRoundTrip(alphabet: Int) throws {
        var rng = SeededGenerator(seed: UInt64(alphabet) + 99)
        for _ in 0..<300 {
            var header: UserDataHeader?
            if Bool.random(using: &rng) {
                var elements = [
                    InformationElement(identifier: 0x00, data: [UInt8.random(in: 0...255, using: &rng), 3, 2])
                ]
                if Bool.random(using: &rng) {
                    elements.append(InformationElement(identifier: 0x05, data: [0x0B, 0x84, 0x23, 0xF0]))
                }
                header = UserDataHeader(elements: elements)
            }
            let userData: SMSUserData
            let dcs: DataCodingScheme
            switch alphabet {
            case 0:
                userData = SMSUserData(text: Self.randomText(&rng, alphabet: 0), header: header)
                dcs = .gsm7
            case 1:
                let text = Self.randomText(&rng, alphabet: 1)
                userData = SMSUserData(
                    header: header, body: .octets(text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }))
                dcs = .ucs2
            default:
                userData = SMSUserData(
                    header: header,
                    body: .octets(
                        (0..<Int.random(in: 0...120, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
                dcs = .eightBit
            }
            let stamp = SMSTimestamp(
                year: Int.random(in: 2000...2069, using: &rng), month: Int.random(in: 1...12, using: &rng),
                day: Int.random(in: 1...28, using: &rng), hour: Int.random(in: 0...23, using: &rng),
                minute: Int.random(in: 0...59, using: &rng), second: Int.random(in: 0...59, using: &rng),
                quarterHours: Int.random(in: -48...56, using: &rng))
            let number =
                "+"
                + String(
                    (0..<Int.random(in: 3...15, using: &rng)).map { _ in
                        Character(String(Int.random(in: 0...9, using: &rng)))
                    })
            let tpdu: SMSTPDU
            if Bool.random(using: &rng) {
                let validity: ValidityPeriod? = [nil, .relative(0xA7), .absolute(stamp)][
                    Int.random(in: 0...2, using: &rng)]
                tpdu = .submit(
                    SMSSubmit(
                        destination: SMSAddress(number), userData: userData, dataCoding: dcs,
                        messageReference: UInt8.random(in: 0...255, using: &rng), validityPeriod: validity,
                        statusReportRequest: Bool.random(using: &rng)))
            } else {
                let sender =
                    Bool.random(using: &rng) ? SMSAddress(number) : SMSAddress(typeOfAddress: 0xD0, value: "Carrier")
                tpdu = .deliver(
                    SMSDeliver(
                        originator: sender, dataCoding: dcs, serviceCentreTimestamp: stamp, userData: userData,
                        moreMessagesToSend: Bool.random(using: &rng)))
            }
            let pdu = SMSPDU(smsc: Bool.random(using: &rng) ? SMSAddress("+447785016005") : nil, tpdu: tpdu)
            let decoded = try SMSPDU.decode(pdu.encode())
            #expect(decoded == pdu, "\(pdu.hex)")
        }
    }

    @Test(.enabled(if: Corpus.available, "../shared/vectors is not present"))
    func mutatedCorpusPDUsDecodeOrFailCleanly() throws {
        var rng = SeededGenerator(seed: 4242)
        let rounds = ProcessInfo.processInfo.environment["MMSCTL_FUZZ_MUTANTS"].flatMap { Int($0) } ?? 60
        for entry in SMSCorpusTests.entries {
            guard let original = try? SMSHex.bytes(entry.hex), !original.isEmpty else { continue }
            for _ in 0..<rounds {
                let mutant = FuzzTests.mutate(original, rng: &rng)
                for smsc in [true, false] {
                    guard let pdu = try? SMSPDU.decode(mutant, smscField: smsc) else { continue }
                    let again = try SMSPDU.decode(pdu.encode(), smscField: smsc)
                    _ = pdu.tpdu.userData.map { ($0.text(dcs: .gsm7), $0.header?.concatenation, $0.header?.ports) }
                    if let octets = pdu.tpdu.userData?.octets { _ = try? WAPPush.decode(octets).mmsPDU() }
                    #expect(again == pdu, "\(entry.testDescription): \(hexString(mutant))")
                }
            }
        }
    }
}
