import Foundation
import TestSupport
import Testing

@testable import PDU

/// Bounded random mutation of the real corpus: every mutant decodes or throws `PDUError`, never
/// traps or hangs, and whatever decodes also round-trips.
@Suite(.enabled(if: Corpus.available, "../shared/vectors is not present"))
struct FuzzTests {
    /// 60 per file in CI; set MMSCTL_FUZZ_MUTANTS for a longer local run.
    static let mutantsPerFile = ProcessInfo.processInfo.environment["MMSCTL_FUZZ_MUTANTS"].flatMap { Int($0) } ?? 60

    static func mutate(_ input: [UInt8], rng: inout SeededGenerator) -> [UInt8] {
        var data = input
        guard !data.isEmpty else { return [0x8C] }
        // Most bugs hide in headers and part tables: aim there more often.
        func position() -> Int {
            let limit = Bool.random(using: &rng) ? min(data.count, 512) : data.count
            return Int.random(in: 0..<max(limit, 1), using: &rng)
        }
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !data.isEmpty else { break }
            switch Int.random(in: 0...6, using: &rng) {
            case 0: data[position()] ^= UInt8(1 << Int.random(in: 0...7, using: &rng))
            case 1: data[position()] = [0x00, 0x1F, 0x1E, 0x7F, 0x80, 0xFF, 0x22][Int.random(in: 0...6, using: &rng)]
            case 2: data.removeSubrange(position()..<data.count)
            case 3:
                data.insert(
                    contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in
                        UInt8.random(in: 0...255, using: &rng)
                    }, at: position())
            case 4:
                let start = position()
                let end = min(data.count, start + Int.random(in: 1...64, using: &rng))
                data.insert(contentsOf: data[start..<end], at: position())
            case 5: data.remove(at: position())
            default: data[position()] = UInt8.random(in: 0...255, using: &rng)
            }
        }
        if data.first != 0x8C, Bool.random(using: &rng) { data.insert(0x8C, at: 0) }
        return data
    }

    @Test(arguments: Corpus.available ? Corpus.mmsFiles() : [])
    func mutantsDecodeOrFailCleanly(file: URL) throws {
        let original = Corpus.bytes(file)
        var rng = SeededGenerator(seed: UInt64(original.count) &* 2_654_435_761)

        for _ in 0..<Self.mutantsPerFile {
            let mutant = Self.mutate(original, rng: &rng)
            do {
                let pdu = try MMSPDU.decode(mutant)

                // Touch every lazily decoded piece too.
                for part in pdu.parts {
                    _ = try? part.subparts()
                    _ = part.text
                    _ = part.suggestedName
                    _ = part.dispositionFilename
                }
                let again = try MMSPDU.decode(pdu.encode())
                let expected = pdu.inSpecOrder()
                if again != expected {
                    let index = zip(again.headers, expected.headers).enumerated().first {
                        $0.element.0 != $0.element.1
                    }?.offset
                    let detail =
                        index.map {
                            "header \($0): \(String(reflecting: again.headers[$0])) vs \(String(reflecting: expected.headers[$0]))"
                        }
                        ?? "\(again.headers.count) vs \(expected.headers.count) headers, bodies equal: \(again.body == expected.body)"
                    if let folder = ProcessInfo.processInfo.environment["MMSCTL_FUZZ_DUMP"] {
                        _ = FileManager.default.createFile(
                            atPath: "\(folder)/mutant-\(file.lastPathComponent)", contents: Data(mutant))
                    }
                    Issue.record("mutant of \(file.lastPathComponent) \(hexString(mutant.prefix(48))): \(detail)")
                }
            } catch {
                #expect(error.offset >= 0 && error.offset <= mutant.count)
            }
        }
    }
}
