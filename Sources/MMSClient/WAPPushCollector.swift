import Modem
import PDU

/// Turns the SMS stored in a modem into the MMS PDUs they carry by WAP push (M-Notification.ind,
/// M-Delivery.ind, …): decodes each new storage index once, reassembles concatenated parts, opens the
/// push on port 2948. Each result names the storage indices that carried it, to delete them once the
/// message is handled.
public struct WAPPushCollector: Sendable {
    public enum Event: Sendable {
        /// An MMS PDU and the indices of the SMS that carried it.
        case mms(MMSPDU, indices: [Int])
        /// A part of a concatenated push; the parts listed are still missing.
        case waiting(index: Int, missing: [UInt8])
        /// An SMS that is not an MMS push (plain text, another push, undecodable), with why.
        case skipped(index: Int, reason: String)
    }

    public var reassembler: ConcatenationReassembler
    /// The SMS already decoded, by index and content: modems reuse an index after `AT+CMGD`, so a
    /// new message at a reused index is new. Only what the latest listing still holds is remembered.
    public private(set) var seen: Set<String> = []

    public init(reassembler: ConcatenationReassembler = ConcatenationReassembler()) {
        self.reassembler = reassembler
    }

    public mutating func add(_ messages: [StoredSMS], at now: Int64) -> [Event] {
        var events: [Event] = []
        let listed = Set(messages.map(Self.identity))
        seen.formIntersection(listed)
        for stored in messages where !seen.contains(Self.identity(stored)) {
            seen.insert(Self.identity(stored))
            let pdu: SMSPDU
            switch stored.pdu {
            case .success(let decoded): pdu = decoded
            case .failure(let error):
                events.append(.skipped(index: stored.index, reason: error.description))
                continue
            }
            do {
                switch try reassembler.add(pdu, at: now, location: String(stored.index)) {
                case .single(let single):
                    events.append(
                        try Self.open(
                            single.tpdu.userData?.header, payload: single.tpdu.userData?.octets ?? [],
                            indices: [stored.index]))
                case .complete(let message):
                    events.append(
                        try Self.open(
                            message.deliver.first?.userData.header, payload: message.payload,
                            indices: message.locations.compactMap { Int($0) }))
                case .waiting(_, let missing):
                    events.append(.waiting(index: stored.index, missing: missing))
                case .duplicate(_, let sequence):
                    events.append(.skipped(index: stored.index, reason: "a repeated part \(sequence)"))
                }
            } catch {
                events.append(.skipped(index: stored.index, reason: error.description))
            }
        }
        return events
    }

    static func identity(_ stored: StoredSMS) -> String { "\(stored.index)|\(stored.hex.uppercased())" }

    static func open(_ header: UserDataHeader?, payload: [UInt8], indices: [Int]) throws(PDUError) -> Event {
        let port = header?.ports?.destination
        guard port == WAPPush.port || port == 2949 else {
            return .skipped(index: indices.first ?? -1, reason: "not a WAP push (no port 2948)")
        }
        let push = try WAPPush.decode(payload)
        guard let mms = try push.mmsPDU() else {
            return .skipped(index: indices.first ?? -1, reason: "a WAP push of \(push.contentDescription)")
        }
        return .mms(mms, indices: indices)
    }
}
