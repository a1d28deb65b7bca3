/// Reassembles concatenated SMS (TS 23.040 §9.2.3.24.1, .8): fragments are grouped by originator,
/// reference kind and number and total, may arrive in any order or twice, and a group that stays
/// incomplete past `timeout` is given up. The state is `Codable`, so a cron run that saw part 1 can
/// save it and the next run, seeing part 2, completes the message.
public struct ConcatenationReassembler: Codable, Hashable, Sendable {
    public struct Key: Codable, Hashable, Sendable, Comparable {
        public var originator: String
        public var sixteenBit: Bool
        public var reference: UInt16
        public var total: UInt8

        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.originator, lhs.reference, lhs.total) < (rhs.originator, rhs.reference, rhs.total)
        }
    }

    /// One stored fragment: the PDU as hex, its sequence number, and when it was first seen.
    public struct Fragment: Codable, Hashable, Sendable {
        public var sequence: UInt8
        public var pduHex: String
        public var receivedAt: Int64
        /// Where the fragment lives, e.g. the modem's storage index, so it can be deleted once used.
        public var location: String?
    }

    public struct Group: Codable, Hashable, Sendable {
        public var key: Key
        public var fragments: [Fragment]
        public var firstSeen: Int64
        public var missing: [UInt8] {
            let have = Set(fragments.map(\.sequence))
            return (1...max(key.total, 1)).filter { !have.contains($0) }
        }
    }

    /// A complete message: the fragments in order.
    public struct Message: Hashable, Sendable {
        public var key: Key
        public var parts: [SMSPDU]
        public var locations: [String]

        public var deliver: [SMSDeliver] {
            parts.compactMap { if case .deliver(let d) = $0.tpdu { return d } else { return nil } }
        }

        /// The user data bodies joined: septets joined before conversion, so an escape split
        /// across parts still reads (protocol-reference §12.5).
        public var text: String? {
            guard let first = deliver.first else { return nil }
            switch first.userData.body {
            case .septets:
                var septets: [UInt8] = []
                for part in deliver { septets += part.userData.octets }
                return GSM7.decode(septets, tables: first.userData.gsm7Tables)
            case .octets:
                return first.dataCoding.alphabet == .ucs2
                    ? Charset.decodeUTF16(payload, bigEndian: true) : nil
            }
        }

        /// The 8-bit or UCS2 payload joined (a WDP datagram for a WAP push).
        public var payload: [UInt8] { deliver.flatMap(\.userData.octets) }
    }

    public var timeout: Int64
    public private(set) var groups: [Key: Group] = [:]
    /// Upper bound on groups kept, so a flood of junk fragments cannot grow the state without end.
    public static let maximumGroups = 256

    public init(timeout: Int64 = 3 * 86_400) {
        self.timeout = timeout
    }

    public enum Outcome: Hashable, Sendable {
        /// Not concatenated: the PDU is a message on its own.
        case single(SMSPDU)
        /// Stored; waiting for the parts listed.
        case waiting(Key, missing: [UInt8])
        /// A fragment already held (same sequence): ignored.
        case duplicate(Key, sequence: UInt8)
        case complete(Message)
    }

    /// Adds a received PDU. Fragments with sequence 0 or above the total are refused.
    public mutating func add(_ pdu: SMSPDU, at now: Int64, location: String? = nil) throws(PDUError) -> Outcome {
        guard case .deliver(let deliver) = pdu.tpdu, let concat = deliver.userData.header?.concatenation else {
            return .single(pdu)
        }
        guard concat.total >= 1, concat.sequence >= 1, concat.sequence <= concat.total else {
            throw PDUError(
                .invalid("concatenation part \(concat.sequence) of \(concat.total)"), at: 0, field: "UDH concatenation")
        }
        if concat.total == 1 { return .single(pdu) }
        let key = Key(
            originator: deliver.originator.description, sixteenBit: concat.sixteenBit,
            reference: concat.reference, total: concat.total)
        var group = groups[key] ?? Group(key: key, fragments: [], firstSeen: now)
        if group.fragments.contains(where: { $0.sequence == concat.sequence }) {
            return .duplicate(key, sequence: concat.sequence)
        }
        group.fragments.append(
            Fragment(sequence: concat.sequence, pduHex: pdu.hex, receivedAt: now, location: location))
        group.fragments.sort { $0.sequence < $1.sequence }
        if group.missing.isEmpty {
            groups[key] = nil
            let parts = group.fragments.compactMap { try? SMSPDU.decode(hex: $0.pduHex, smscField: pdu.hasSMSCField) }
            return .complete(Message(key: key, parts: parts, locations: group.fragments.compactMap(\.location)))
        }
        groups[key] = group
        if groups.count > Self.maximumGroups, let oldest = groups.values.min(by: { $0.firstSeen < $1.firstSeen }) {
            groups[oldest.key] = nil
        }
        return .waiting(key, missing: group.missing)
    }

    /// Removes and returns the groups first seen more than `timeout` seconds before `now`.
    public mutating func expire(now: Int64) -> [Group] {
        let expired = groups.values.filter { now - $0.firstSeen > timeout }.sorted { $0.key < $1.key }
        for group in expired { groups[group.key] = nil }
        return expired
    }
}
