import Foundation
import PDU

/// The shared test vectors (`../shared/vectors` beside the repository), when present.
enum Corpus {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/vectors")

    static var available: Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent("mms").path) }

    static func mmsFiles() -> [URL] {
        let folder = root.appendingPathComponent("mms")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0) }
    }

    static func bytes(_ url: URL) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: url))) ?? []
    }

    static func json(_ relativePath: String) -> Any? {
        guard let data = try? Data(contentsOf: root.appendingPathComponent(relativePath)) else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }

    /// Files the provenance notes call "not MMS at all, on purpose".
    static let garbage: Set<String> = [
        "jolla-retrieve-GarbagePush-garbage", "jolla-retrieve-GarbageRetrieve-garbage",
        "jolla-send-UnparsableResp-m-send.conf",
    ]
}

/// Bytes from a hex string with optional spaces and newlines (test literals copied from the specs).
func bytes(_ hex: String) -> [UInt8] {
    do {
        return try SMSHex.bytes(hex)
    } catch {
        preconditionFailure("bad hex literal in a test: \(error)")
    }
}

/// ASCII octets of a string (for spec examples written as "text").
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A small deterministic generator (SplitMix64) so random tests are repeatable from their seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
