import Foundation

/// Where a notification is in its life (architecture: receive data flow). The happy path is
/// notified → fetching → fetched → acknowledged → done (the SMS that carried it deleted last).
/// `failed` waits for `nextAttemptAt`; `expired`, `rejected` and `deferred` are answered to the MMSC
/// and then, like `done`, only their SMS remain to delete.
public enum NotificationState: String, Sendable, Codable, CaseIterable {
    case notified
    case fetching
    case fetched
    case acknowledged
    case done
    case failed
    case expired
    case rejected
    case deferred

    /// States whose message needs no more network work, only the deletion of its SMS.
    public var isSettled: Bool { [.acknowledged, .done, .expired, .rejected, .deferred].contains(self) }
}

/// One M-Notification.ind as recorded before anything else is done with it.
public struct NotificationRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var transactionID: String
    /// The Transaction-Id octets as received: echoed byte for byte in M-NotifyResp.ind.
    public var transactionIDOctets: [UInt8]
    public var contentLocation: String
    public var pdu: [UInt8]
    public var sender: String?
    public var subject: String?
    public var messageClass: String?
    public var messageSize: Int64?
    /// Unix time after which the MMSC no longer keeps the message; nil when unknown.
    public var expiresAt: Double?
    public var receivedAt: Double
    public var state: NotificationState
    public var attempts: Int
    public var nextAttemptAt: Double?
    public var lastError: String?
    /// The stored message, once fetched.
    public var messageRowID: Int64?
    /// The X-Mms-Status this notification is (or was) answered with.
    public var responseStatus: String?
    /// The MMS version of the notification, echoed in the answer.
    public var version: UInt8?
    /// Whether the MMSC has been told `responseStatus`.
    public var answerSent: Bool = false
    /// The process that holds the claim on it, and until when.
    public var leaseOwner: String?
    public var leaseUntil: Double?
}

/// What is known about a new notification when it is recorded.
public struct NewNotification: Sendable, Hashable {
    public var transactionIDOctets: [UInt8]
    public var contentLocation: String
    public var pdu: [UInt8]
    public var sender: String?
    public var subject: String?
    public var messageClass: String?
    public var messageSize: Int64?
    public var expiresAt: Double?
    public var version: UInt8?
    public var transactionID: String { String(decoding: transactionIDOctets, as: UTF8.self) }

    public init(
        transactionIDOctets: [UInt8], contentLocation: String, pdu: [UInt8], sender: String? = nil,
        subject: String? = nil, messageClass: String? = nil, messageSize: Int64? = nil, expiresAt: Double? = nil,
        version: UInt8? = nil
    ) {
        self.transactionIDOctets = transactionIDOctets
        self.contentLocation = contentLocation
        self.pdu = pdu
        self.sender = sender
        self.subject = subject
        self.messageClass = messageClass
        self.messageSize = messageSize
        self.expiresAt = expiresAt
        self.version = version
    }
}

/// An SMS that carried (part of) a WAP push, and where it sits on the modem. The PDU's hex is its
/// identity: a storage index is reused by the modem after a delete, the hex of a new SMS is not the
/// hex of the old one, so an SMS is only ever deleted when the modem still holds the same bytes.
public struct CarrierRecord: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable {
        /// A part whose siblings have not all arrived.
        case waiting
        /// Part of a complete push, linked to what it carried; to delete once that is settled.
        case assigned
        /// Deleted from the modem (or never stored there: routed +CMT).
        case deleted
    }

    public var id: Int64
    public var pduHex: String
    /// The storage (`SM`, `ME`, …) and index; nil for a routed message that was never stored.
    public var memory: String?
    public var storageIndex: Int?
    /// originator/reference/total for a concatenated part; nil for a single SMS.
    public var concatenationKey: String?
    public var sequence: Int?
    public var total: Int?
    public var receivedAt: Double
    public var state: State
    public var notificationID: Int64?
    public var reportID: Int64?
}

/// An SMS to record as a carrier.
public struct NewCarrier: Sendable, Hashable {
    public var pduHex: String
    public var memory: String?
    public var storageIndex: Int?
    public var concatenationKey: String?
    public var sequence: Int?
    public var total: Int?

    public init(
        pduHex: String, memory: String?, storageIndex: Int?, concatenationKey: String? = nil, sequence: Int? = nil,
        total: Int? = nil
    ) {
        self.pduHex = pduHex
        self.memory = memory
        self.storageIndex = storageIndex
        self.concatenationKey = concatenationKey
        self.sequence = sequence
        self.total = total
    }
}

/// An address of a stored message (every To and Cc of a group message is kept).
public struct AddressRecord: Sendable, Hashable, Codable {
    public enum Field: String, Sendable, Codable {
        case from, to, cc, bcc
    }
    public var field: Field
    public var address: String

    public init(field: Field, address: String) {
        self.field = field
        self.address = address
    }
}

/// A part of a stored message: its headers, and where its data lies in the raw PDU.
public struct PartRecord: Sendable, Hashable, Codable {
    /// "1", "2", "2.1" for a part inside a nested multipart.
    public var index: String
    public var contentType: String
    public var mediaType: String
    public var name: String?
    public var contentID: String?
    public var contentLocation: String?
    public var charset: String?
    public var offset: Int
    public var size: Int

    public init(
        index: String, contentType: String, mediaType: String, name: String? = nil, contentID: String? = nil,
        contentLocation: String? = nil, charset: String? = nil, offset: Int, size: Int
    ) {
        self.index = index
        self.contentType = contentType
        self.mediaType = mediaType
        self.name = name
        self.contentID = contentID
        self.contentLocation = contentLocation
        self.charset = charset
        self.offset = offset
        self.size = size
    }
}

/// A message to store: the raw M-Retrieve.conf and what was decoded from it.
public struct NewMessage: Sendable, Hashable {
    public var pdu: [UInt8]
    public var transactionID: String?
    public var messageID: String?
    public var contentLocation: String?
    public var subject: String?
    public var date: Double?
    public var messageClass: String?
    public var contentType: String?
    public var addresses: [AddressRecord]
    public var parts: [PartRecord]

    public init(
        pdu: [UInt8], transactionID: String? = nil, messageID: String? = nil, contentLocation: String? = nil,
        subject: String? = nil, date: Double? = nil, messageClass: String? = nil, contentType: String? = nil,
        addresses: [AddressRecord] = [], parts: [PartRecord] = []
    ) {
        self.pdu = pdu
        self.transactionID = transactionID
        self.messageID = messageID
        self.contentLocation = contentLocation
        self.subject = subject
        self.date = date
        self.messageClass = messageClass
        self.contentType = contentType
        self.addresses = addresses
        self.parts = parts
    }
}

/// A stored message as the inbox shows it.
public struct MessageRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var notificationID: Int64?
    public var transactionID: String?
    public var messageID: String?
    public var contentLocation: String?
    public var subject: String?
    public var date: Double?
    public var messageClass: String?
    public var contentType: String?
    public var receivedAt: Double
    public var size: Int
    public var addresses: [AddressRecord]
    public var parts: [PartRecord]
    /// Whether the `on_message` hook has run for it successfully.
    public var hookDone: Bool

    public var from: String? { addresses.first { $0.field == .from }?.address }
    public func addresses(_ field: AddressRecord.Field) -> [String] {
        addresses.filter { $0.field == field }.map(\.address)
    }
}

/// A delivery or read report (M-Delivery.ind, M-Read-Orig.ind), by the Message-ID of a sent message.
public struct ReportRecord: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        case delivery, read
    }
    public var id: Int64
    public var kind: Kind
    public var messageID: String
    public var recipient: String?
    public var status: String?
    public var date: Double?
    public var receivedAt: Double
}

/// A report to store.
public struct NewReport: Sendable, Hashable {
    public var kind: ReportRecord.Kind
    public var messageID: String
    public var recipient: String?
    public var status: String?
    public var date: Double?
    public var pdu: [UInt8]

    public init(
        kind: ReportRecord.Kind, messageID: String, recipient: String?, status: String?, date: Double?, pdu: [UInt8]
    ) {
        self.kind = kind
        self.messageID = messageID
        self.recipient = recipient
        self.status = status
        self.date = date
        self.pdu = pdu
    }
}

/// Errors of the store, naming the database and what failed.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "store \(path): \(reason)" }
}

/// A message in the outbox (architecture: send data flow): created before the bearer comes up,
/// `posting` once its body may have reached the MMSC, then `sent` with the Message-ID of the
/// M-Send.conf or `failed` with the Response-Status and its text.
public struct OutboxRecord: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable {
        case queued, posting, sent, failed
        /// The body was written but no M-Send.conf came back: the MMSC may have taken it.
        case unknown
    }
    public var id: Int64
    public var transactionID: String
    public var createdAt: Double
    public var state: State
    public var subject: String?
    public var size: Int
    public var messageID: String?
    public var responseStatus: String?
    public var responseText: String?
    public var error: String?
    public var attempts: Int
    public var sentAt: Double?
    public var recipients: [AddressRecord]
}

/// A message to put in the outbox.
public struct NewOutgoing: Sendable, Hashable {
    public var transactionID: String
    public var subject: String?
    public var pdu: [UInt8]
    public var recipients: [AddressRecord]

    public init(transactionID: String, subject: String?, pdu: [UInt8], recipients: [AddressRecord]) {
        self.transactionID = transactionID
        self.subject = subject
        self.pdu = pdu
        self.recipients = recipients
    }
}
