import Foundation
import PDU

/// Helpers the test targets share: the shared vectors' location, hex literals, a seeded generator and
/// the sample messages several suites store in the simulated modem.

/// The shared test vectors (`../shared/vectors` beside the repository), when present.
public enum SharedVectors {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/vectors")
}

/// Bytes from a hex string with optional spaces and newlines (test literals copied from the specs).
/// `SMSHex` parses; a bad literal is a programming error in the test.
public func bytes(_ hex: String) -> [UInt8] {
    do {
        return try SMSHex.bytes(hex)
    } catch {
        preconditionFailure("bad hex literal in a test: \(error)")
    }
}

/// A small deterministic generator (SplitMix64) so random tests are repeatable from their seed.
public struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public enum SampleSMS {
    /// A GSM 7-bit text SMS-DELIVER as a modem stores it (with its service centre).
    public static func text(_ text: String, from sender: String = "+15557654321") -> SMSPDU {
        SMSPDU(
            smsc: SMSAddress("+15550199999"),
            tpdu: .deliver(
                SMSDeliver(
                    originator: SMSAddress(sender), dataCoding: .gsm7,
                    serviceCentreTimestamp: SMSTimestamp(
                        year: 2026, month: 11, day: 25, hour: 10, minute: 0, second: 0, quarterHours: 4),
                    userData: SMSUserData(text: text))))
    }
}

public enum WorkedExamples {
    /// protocol-reference §11.1: the M-Notification.ind inside ofono's wap_push_1 (the WSP push data),
    /// written out by hand from the ENC/WSP tables.
    public static let notification = bytes(
        """
        8C 82 98 4F 67 51 4B 4B 42 00 8D 90 89 08 80 45 72 6F 74 69 6B 00
        96 50 69 6E 2D 55 70 73 00 8A 80 8E 02 40 00 88 05 81 03 03 F4 80
        83 68 74 74 70 3A 2F 2F 65 70 73 33 2E 64 65 2F 4F 2F 5A 39 49 5A 4F 00
        """)
}

/// A TCP port on loopback that accepts connections (the kernel completes them from the backlog):
/// what the doctor's reachability check needs of an MMSC, without an HTTP server.
public enum LoopbackListener {
    public static let port: Int = {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return 9 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else { return 9 }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }()

    public static var url: String { "http://127.0.0.1:\(port)/mms" }
}
