import Foundation
import PDU
import TestSupport

/// The shared test vectors (`../shared/vectors` beside the repository), when present.
enum Corpus {
    static let root = SharedVectors.root

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

/// ASCII octets of a string (for spec examples written as "text").
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
