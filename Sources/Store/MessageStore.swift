import Foundation

/// The durable inbox behind the receive pipeline. SQLite (`SQLiteStore`) is the embedded
/// implementation; a shared PostgreSQL store for several gateway hosts is meant to fit the same
/// protocol. Every method is one transaction. Times are Unix seconds passed in by the caller, so
/// tests and retries run on an injected clock.
///
/// Claims: a notification is worked on by the process that holds its lease (`claim`), so a watch
/// and a cron run on one store never process it twice.
public protocol MessageStore: Sendable {
    // MARK: SMS carriers

    /// Records an SMS that carries (part of) a WAP push, keyed by its PDU hex: the same SMS seen
    /// again returns the existing row, with its storage place updated.
    func recordCarrier(_ carrier: NewCarrier, now: Double) throws -> CarrierRecord
    /// The parts recorded so far of one concatenated push.
    func carriers(concatenationKey: String) throws -> [CarrierRecord]
    /// The carriers of a notification.
    func carriers(notificationID: Int64) throws -> [CarrierRecord]
    /// Carriers that are assigned to something settled (stored and acknowledged, rejected, expired,
    /// or a stored report) and still sit on the modem: to delete.
    func carriersToDelete() throws -> [CarrierRecord]
    func markCarrierDeleted(id: Int64) throws
    /// Parts that have waited longer than `olderThan` for their siblings.
    func staleWaitingCarriers(olderThan: Double) throws -> [CarrierRecord]

    // MARK: Notifications

    /// Records a notification and links its carriers to it, or finds the one it repeats (same
    /// Content-Location, or same Transaction-Id). A repeat of a message already acknowledged is set
    /// back to `fetched`: the MMSC sends a notification again when it did not get the answer.
    func recordNotification(_ notification: NewNotification, carrierIDs: [Int64], now: Double) throws -> (
        NotificationRecord, isNew: Bool
    )
    func notification(id: Int64) throws -> NotificationRecord?
    func notifications() throws -> [NotificationRecord]
    /// Notifications with work to do now: not settled, or settled with an answer not yet sent, or
    /// failed and due again.
    func dueNotifications(now: Double) throws -> [NotificationRecord]
    /// Takes the lease on a notification for `seconds`; false when another process holds it.
    func claim(notificationID: Int64, owner: String, now: Double, seconds: Double) throws -> Bool
    /// Takes the claim over from `deadOwner` (a process known to be gone), whatever its lease says.
    func takeOver(notificationID: Int64, from deadOwner: String, owner: String, now: Double, seconds: Double) throws
        -> Bool
    func release(notificationID: Int64, owner: String) throws
    /// Moves a notification to `state`, with the error and next attempt of a failure.
    func update(
        notificationID: Int64, state: NotificationState, error: String?, nextAttemptAt: Double?,
        countAttempt: Bool
    ) throws
    /// Records the status the MMSC is (to be) told, and whether the answer went out.
    func setAnswer(notificationID: Int64, status: String, sent: Bool) throws
    func answerSent(notificationID: Int64) throws -> Bool

    // MARK: Messages

    /// Stores the fetched message and moves its notification to `fetched`, in one transaction. A
    /// second call for the same notification returns the message already stored (exactly once).
    func storeMessage(_ message: NewMessage, notificationID: Int64, now: Double) throws -> Int64
    func messages() throws -> [MessageRecord]
    func message(id: Int64) throws -> MessageRecord?
    func messagePDU(id: Int64) throws -> [UInt8]?
    func deleteMessage(id: Int64) throws -> Bool
    /// Stored messages whose `on_message` hook has not run successfully.
    func messagesAwaitingHook() throws -> [MessageRecord]
    func markHookDone(messageID: Int64) throws

    // MARK: Reports

    /// Stores a delivery or read report and links its carriers; the same report twice is kept once.
    func recordReport(_ report: NewReport, carrierIDs: [Int64], now: Double) throws -> Int64
    func reports(messageID: String?) throws -> [ReportRecord]

    // MARK: Outbox

    func createOutgoing(_ message: NewOutgoing, now: Double) throws -> Int64
    func updateOutgoing(
        id: Int64, state: OutboxRecord.State, messageID: String?, responseStatus: String?, responseText: String?,
        error: String?, sentAt: Double?, countAttempt: Bool
    ) throws
    func outbox() throws -> [OutboxRecord]
    func outgoing(id: Int64) throws -> OutboxRecord?
    func outgoingPDU(id: Int64) throws -> [UInt8]?
}
