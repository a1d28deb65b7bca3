import Foundation
import Logging
import Modem
import PDU
import Store
import Transport

/// Settings of the receive pipeline, from the configuration and flags.
public struct ReceiveSettings: Sendable {
    /// Where M-NotifyResp.ind and M-Acknowledge.ind are posted.
    public var mmsc: String?
    /// Largest message fetched; a larger one is answered Deferred and stays at the MMSC.
    public var maximumSize: Int = 307_200
    /// Message classes answered Rejected without fetching (lowercase: "advertisement", …).
    public var refusedClasses: Set<String> = []
    /// How long a claim on a notification lasts; a crashed owner's claim runs out after it.
    public var leaseSeconds: Double = 600
    /// Backoff between failed attempts: base × 2^attempts, at most `retryMaximum`.
    public var retryBase: Double = 60
    public var retryMaximum: Double = 6 * 3600
    /// How long an MMSC keeps a message whose notification names no expiry.
    public var defaultLifetime: Double = 7 * 86_400
    /// Retry failed notifications now instead of waiting for their backoff.
    public var ignoreBackoff = false
    /// The owner name of claims, unique per process: `host:pid:random`, so that a claim left by a
    /// process that died on this host can be taken over at once.
    public var owner = ReceiveSettings.ownerName()
    /// A shell command run once per new message with its JSON on standard input.
    public var hook: String?
    /// Concatenated parts that wait longer than this for their siblings are given up (logged; the
    /// SMS stay on the modem).
    public var fragmentTimeout: Double = 3 * 86_400
    public var clock: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    public init() {}

    public static func ownerName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    /// Whether `owner` names a process of this host that no longer exists.
    public static func isDead(owner: String) -> Bool {
        let fields = owner.split(separator: ":")
        guard fields.count == 3, String(fields[0]) == ProcessInfo.processInfo.hostName, let pid = Int32(fields[1])
        else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}

/// What one pass did, for the command's output and its exit status.
public struct ReceiveSummary: Sendable, Codable {
    public struct Stored: Sendable, Codable, Hashable {
        public var id: Int64
        public var from: String?
        public var subject: String?
        public var parts: Int
        public var size: Int
    }
    public struct Pending: Sendable, Codable, Hashable {
        public var notification: Int64
        public var state: String
        public var attempts: Int
        public var error: String?
        public var nextAttempt: Double?
    }

    public var smsScanned = 0
    public var notifications = 0
    public var stored: [Stored] = []
    public var acknowledged = 0
    /// Notifications answered with something other than Retrieved, with why.
    public var answered: [String] = []
    public var reports = 0
    public var smsDeleted = 0
    public var pending: [Pending] = []
    public var hookFailures: [String] = []
    /// The modem could not be used (not found, busy, failed); the store's pending work was still done.
    public var modemError: String?
    /// The modem is served by another mmsctl (a watch): not an error.
    public var modemBusyWithMMSCtl = false

    public init() {}

    /// Nothing happened worth telling on a quiet cron run.
    public var isQuiet: Bool {
        stored.isEmpty && acknowledged == 0 && answered.isEmpty && reports == 0 && smsDeleted == 0
            && pending.isEmpty && hookFailures.isEmpty && modemError == nil
    }

    /// sysexits: 0 done, 75 something must be retried later, 69 the modem is unavailable.
    public var exitCode: Int32 {
        if modemError != nil && !modemBusyWithMMSCtl { return 69 }
        if !pending.isEmpty || !hookFailures.isEmpty { return 75 }
        return 0
    }
}

/// How the pipeline reaches the MMSC: a transport over the configured bearer, brought up only when
/// there is network work and taken down after it.
public protocol NetworkAccess: Sendable {
    func withTransport<T: Sendable>(_ body: (HTTPTransport) async throws -> T) async throws -> T
}

/// The bearer is the host's routing or an existing interface: nothing to bring up.
public struct DirectNetwork: NetworkAccess {
    public var configuration: TransportConfiguration
    public init(configuration: TransportConfiguration) { self.configuration = configuration }
    public func withTransport<T: Sendable>(_ body: (HTTPTransport) async throws -> T) async throws -> T {
        try await body(HTTPTransport(configuration: configuration))
    }
}

/// pppd dials the MMS context for the transfers and hangs up after them, also on errors.
public struct PPPNetwork: NetworkAccess {
    public var settings: PPPBearer.Settings
    public var configuration: TransportConfiguration
    public init(settings: PPPBearer.Settings, configuration: TransportConfiguration) {
        self.settings = settings
        self.configuration = configuration
    }
    public func withTransport<T: Sendable>(_ body: (HTTPTransport) async throws -> T) async throws -> T {
        let bearer = PPPBearer(settings: settings)
        let configuration = self.configuration
        return try await bearer.withBearer { link in
            var configured = configuration
            configured.bearer = link.bearer
            return try await body(HTTPTransport(configuration: configured))
        }
    }
}

/// The receive pipeline (architecture: receive data flow). For each notification: record it first,
/// fetch through the bearer, store durably (commit before anything else), answer the MMSC, and
/// delete the SMS that carried it last, only while the modem still holds the same bytes at that
/// index. Every step leaves a state in the store from which the next run, watch or cron, goes on;
/// acknowledgement is at least once, storage exactly once.
public final class ReceivePipeline: Sendable {
    public let store: any MessageStore
    public let settings: ReceiveSettings
    public let network: any NetworkAccess
    public let logger: Logger

    public init(store: any MessageStore, settings: ReceiveSettings, network: any NetworkAccess, logger: Logger) {
        self.store = store
        self.settings = settings
        self.network = network
        self.logger = logger
    }

    // MARK: Passes

    /// One whole pass, as `mmsctl fetch` runs it: every SMS in every storage of the modem (when there
    /// is one), the store's pending notifications, then the deletes.
    public func pass(modem: ModemCommands?, summary: inout ReceiveSummary) async {
        if let modem {
            do {
                let listed = try await modem.listAllStorages()
                summary.smsScanned += listed.count
                for (memory, sms) in listed {
                    ingest(
                        hex: sms.hex, tpduLength: sms.tpduLength, memory: memory, index: sms.index, summary: &summary)
                }
            } catch {
                summary.modemError = "\(error)"
                logger.error("cannot list the SMS storages", metadata: ["error": "\(error)"])
            }
        }
        await processDue(summary: &summary)
        if let modem, summary.modemError == nil { await deleteSettled(modem: modem, summary: &summary) }
        await runHooks(summary: &summary)
        collectPending(summary: &summary)
    }

    // MARK: Ingest

    public enum Ingested: Sendable, Hashable {
        /// Not a WAP push to the MMS ports (text, another application, undecodable): left alone.
        case unrelated(String)
        /// A part of a concatenated push; the others have not arrived yet.
        case waiting
        /// Seen before and already handled (its record is in the store).
        case known
        case notification(Int64, isNew: Bool)
        case report(Int64)
    }

    /// Records one SMS, listed from a storage (memory and index) or routed (+CMT: neither). Complete
    /// pushes become notifications or reports in the store; nothing touches the network here.
    @discardableResult
    public func ingest(hex: String, tpduLength: Int?, memory: String?, index: Int?, summary: inout ReceiveSummary)
        -> Ingested
    {
        let normalized = Self.normalizedHex(hex)
        let pdu: SMSPDU
        do {
            let bytes = try SMSHex.bytes(normalized)
            if let tpduLength, tpduLength > 0, tpduLength <= bytes.count {
                pdu = try SMSPDU.decode(bytes, tpduLength: tpduLength)
            } else {
                pdu = try SMSPDU.decode(bytes)
            }
        } catch {
            return .unrelated("undecodable SMS: \(error)")
        }
        guard case .deliver(let deliver) = pdu.tpdu else { return .unrelated("not an SMS-DELIVER") }
        let header = deliver.userData.header
        let port = header?.ports?.destination
        let concatenation = header?.concatenation
        let key = concatenation.flatMap { concat -> String? in
            concat.total > 1
                ? "\(deliver.originator.description)|\(concat.sixteenBit ? 16 : 8)|\(concat.reference)|\(concat.total)"
                : nil
        }
        let isPush = port == WAPPush.port || port == 2949
        do {
            if !isPush {
                // A later part may omit the port; it belongs to a push whose first part was recorded.
                guard let key, !(try store.carriers(concatenationKey: key)).isEmpty else {
                    return .unrelated("not a WAP push")
                }
            }
            let carrier = try store.recordCarrier(
                NewCarrier(
                    pduHex: normalized, memory: memory, storageIndex: index, concatenationKey: key,
                    sequence: concatenation.map { Int($0.sequence) }, total: concatenation.map { Int($0.total) }),
                now: settings.clock())
            if carrier.state != .waiting { return .known }
            var carriers = [carrier]
            var payload = deliver.userData.octets
            var firstHeader = header
            if let key {
                let group = try store.carriers(concatenationKey: key).filter { $0.state == .waiting }
                var reassembler = ConcatenationReassembler()
                var outcome: ConcatenationReassembler.Outcome?
                for part in group {
                    guard let partPDU = try? SMSPDU.decode(SMSHex.bytes(part.pduHex)) else { continue }
                    outcome = try reassembler.add(partPDU, at: 0, location: String(part.id))
                }
                guard case .complete(let message)? = outcome else { return .waiting }
                let ids = Set(message.locations.compactMap { Int64($0) })
                carriers = group.filter { ids.contains($0.id) }
                payload = message.payload
                firstHeader = message.deliver.first?.userData.header
            }
            return try open(payload: payload, header: firstHeader, carriers: carriers.map(\.id), summary: &summary)
        } catch {
            logger.warning(
                "cannot record an SMS", metadata: ["error": "\(error)", "index": "\(index.map(String.init) ?? "-")"])
            return .unrelated("\(error)")
        }
    }

    private func open(payload: [UInt8], header: UserDataHeader?, carriers: [Int64], summary: inout ReceiveSummary)
        throws -> Ingested
    {
        let port = header?.ports?.destination
        guard port == WAPPush.port || port == 2949 else { return .unrelated("not a WAP push") }
        let push: WAPPush
        let mms: MMSPDU
        do {
            push = try WAPPush.decode(payload)
            guard let decoded = try push.mmsPDU() else { return .unrelated("a WAP push of \(push.contentDescription)") }
            mms = decoded
        } catch {
            logger.warning("a WAP push that does not decode", metadata: ["error": "\(error)"])
            return .unrelated("WAP push: \(error)")
        }
        let now = settings.clock()
        switch mms.messageType {
        case .notificationInd?:
            guard let location = mms.contentLocation, !location.isEmpty else {
                logger.warning("an M-Notification.ind without X-Mms-Content-Location; left on the modem")
                return .unrelated("notification without Content-Location")
            }
            let expiresAt: Double? = {
                switch mms.expiry {
                case .absolute(let seconds)?: return Double(seconds)
                case .relative(let seconds)?: return now + Double(min(seconds, 10 * 365 * 86_400))
                case nil: return nil
                }
            }()
            let sender = Self.sender(of: mms)
            let (record, isNew) = try store.recordNotification(
                NewNotification(
                    transactionIDOctets: mms.transactionIDOctets ?? [], contentLocation: location,
                    pdu: mms.encode(), sender: sender, subject: mms.subject,
                    messageClass: mms.messageClass?.description,
                    messageSize: mms.messageSize.map { Int64(clamping: $0) }, expiresAt: expiresAt,
                    version: mms.version?.octet),
                carrierIDs: carriers, now: now)
            if isNew {
                summary.notifications += 1
                logger.info(
                    "notification recorded",
                    metadata: [
                        "notification": "\(record.id)", "transaction-id": "\(TerminalText.safe(record.transactionID))",
                        "size": "\(record.messageSize.map(String.init) ?? "?")",
                    ])
            } else {
                logger.info("a repeated notification", metadata: ["notification": "\(record.id)"])
            }
            return .notification(record.id, isNew: isNew)
        case .deliveryInd?, .readOrigInd?:
            let isDelivery = mms.messageType == .deliveryInd
            guard let messageID = mms.messageID else { return .unrelated("a report without Message-ID") }
            let recipient = isDelivery ? mms.to.first?.value : Self.sender(of: mms)
            let status = isDelivery ? mms.status?.description : mms.readStatus?.description
            let id = try store.recordReport(
                NewReport(
                    kind: isDelivery ? .delivery : .read, messageID: messageID, recipient: recipient, status: status,
                    date: mms.date.map(Double.init), pdu: mms.encode()),
                carrierIDs: carriers, now: now)
            summary.reports += 1
            logger.info(
                "report stored",
                metadata: [
                    "message-id": "\(TerminalText.safe(messageID))", "status": "\(TerminalText.safe(status ?? "?"))",
                ])
            return .report(id)
        default:
            return .unrelated("an MMS push of type \(mms.messageType?.description ?? "?")")
        }
    }

    // MARK: Network work

    /// Fetches and answers every notification that is due, over one bearer session.
    public func processDue(summary: inout ReceiveSummary) async {
        let now = settings.clock()
        let due: [NotificationRecord]
        do {
            due = try store.dueNotifications(now: settings.ignoreBackoff ? .infinity : now)
        } catch {
            logger.error("cannot read the store", metadata: ["error": "\(error)"])
            return
        }
        guard !due.isEmpty else { return }
        // Decisions that need no network first: expired, too large, refused class.
        var network: [NotificationRecord] = []
        for record in due {
            if settleWithoutNetwork(record, summary: &summary) { continue }
            // Deferred and answered: only worth the network once the limit lets it in (a later run with a
            // larger --max-size), and then fetched and acknowledged with M-Acknowledge.ind.
            if record.state == .deferred && record.answerSent && !fits(record) { continue }
            network.append(record)
        }
        guard !network.isEmpty else { return }
        let pipeline = self
        let outcome: [ReceiveSummary]
        do {
            outcome = try await self.network.withTransport { transport in
                var results: [ReceiveSummary] = []
                for record in network {
                    var partial = ReceiveSummary()
                    await pipeline.work(on: record, transport: transport, summary: &partial)
                    results.append(partial)
                }
                return results
            }
        } catch {
            logger.error("cannot bring the MMS bearer up", metadata: ["error": "\(error)"])
            for record in network {
                fail(record, error: "bearer: \(error)", summary: &summary)
            }
            return
        }
        for partial in outcome { summary.merge(partial) }
    }

    func fits(_ record: NotificationRecord) -> Bool {
        (record.messageSize ?? 0) <= Int64(settings.maximumSize)
    }

    /// Whether the message is still to be fetched: never fetched yet, or deferred, answered, and now
    /// within the limit.
    func wantsFetch(_ record: NotificationRecord) -> Bool {
        [.notified, .fetching, .failed].contains(record.state)
            || (record.state == .deferred && record.answerSent && fits(record))
    }

    /// An expired notification is recorded as such without the network (true); false when the
    /// notification needs the network.
    private func settleWithoutNetwork(_ record: NotificationRecord, summary: inout ReceiveSummary) -> Bool {
        guard wantsFetch(record) else { return false }
        let now = settings.clock()
        do {
            let expiry = record.expiresAt ?? (record.receivedAt + settings.defaultLifetime)
            if expiry < now {
                try store.update(
                    notificationID: record.id, state: .expired, error: "expired before it could be fetched",
                    nextAttemptAt: nil, countAttempt: false)
                // The MMSC has dropped it; there is no one to tell.
                try store.setAnswer(notificationID: record.id, status: "Expired", sent: true)
                summary.answered.append("notification \(record.id): expired")
                logger.notice("notification expired", metadata: ["notification": "\(record.id)"])
                return true
            }
        } catch {
            logger.error("cannot update the store", metadata: ["error": "\(error)"])
            return true
        }
        return false
    }

    /// One notification, under its claim: fetch, store, answer.
    func work(on initial: NotificationRecord, transport: HTTPTransport, summary: inout ReceiveSummary) async {
        let owner = settings.owner
        do {
            var claimed = try store.claim(
                notificationID: initial.id, owner: owner, now: settings.clock(), seconds: settings.leaseSeconds)
            if !claimed, let holder = try store.notification(id: initial.id)?.leaseOwner,
                ReceiveSettings.isDead(owner: holder)
            {
                logger.info("taking over the claim of a process that died", metadata: ["holder": "\(holder)"])
                claimed = try store.takeOver(
                    notificationID: initial.id, from: holder, owner: owner, now: settings.clock(),
                    seconds: settings.leaseSeconds)
            }
            guard claimed else {
                logger.info("another mmsctl works on this notification", metadata: ["notification": "\(initial.id)"])
                return
            }
        } catch {
            logger.error("cannot claim a notification", metadata: ["error": "\(error)"])
            return
        }
        defer { try? store.release(notificationID: initial.id, owner: owner) }
        // Read it again under the claim: another process may have moved it on.
        guard var record = try? store.notification(id: initial.id) else { return }
        let metadata: Logger.Metadata = [
            "notification": "\(record.id)", "transaction-id": "\(TerminalText.safe(record.transactionID))",
        ]

        if wantsFetch(record) {
            if let size = record.messageSize, size > settings.maximumSize {
                settle(
                    record, as: .deferred, status: "Deferred",
                    why: "\(size) bytes, over the \(settings.maximumSize)-byte limit", summary: &summary)
            } else if let messageClass = record.messageClass?.lowercased(),
                settings.refusedClasses.contains(messageClass)
            {
                settle(
                    record, as: .rejected, status: "Rejected", why: "class \(messageClass) is refused",
                    summary: &summary)
            } else {
                guard await fetch(&record, transport: transport, metadata: metadata, summary: &summary) else { return }
            }
        }
        await answer(record, transport: transport, metadata: metadata, summary: &summary)
    }

    private func settle(
        _ record: NotificationRecord, as state: NotificationState, status: String, why: String,
        summary: inout ReceiveSummary
    ) {
        try? store.update(notificationID: record.id, state: state, error: nil, nextAttemptAt: nil, countAttempt: false)
        try? store.setAnswer(notificationID: record.id, status: status, sent: false)
        summary.answered.append("notification \(record.id): \(status) (\(why))")
        logger.notice("notification answered \(status)", metadata: ["notification": "\(record.id)"])
    }

    /// GET the Content-Location, check it is an M-Retrieve.conf, store it. False when it failed.
    private func fetch(
        _ record: inout NotificationRecord, transport: HTTPTransport, metadata: Logger.Metadata,
        summary: inout ReceiveSummary
    ) async -> Bool {
        try? store.update(
            notificationID: record.id, state: .fetching, error: record.lastError, nextAttemptAt: nil,
            countAttempt: false)
        logger.info(
            "fetching", metadata: metadata.merging(["url": "\(TerminalText.safe(record.contentLocation))"]) { $1 })
        var transport = transport
        // The cap: the configured limit, and never below what the notification announced (its size
        // is already checked against the limit).
        transport.configuration.maximumResponseSize = max(settings.maximumSize, Int(record.messageSize ?? 0)) + 65_536
        let body: [UInt8]
        do {
            body = try await transport.get(record.contentLocation, expectMMS: false).body
        } catch {
            fail(record, error: "\(error)", summary: &summary)
            return false
        }
        let message: MMSPDU
        do {
            message = try MMSPDU.decode(body)
        } catch {
            let first = body.first.map { String(format: "0x%02X", $0) } ?? "nothing"
            fail(
                record, error: "the MMSC's answer is not an MMS PDU (\(error); first byte \(first))", summary: &summary)
            return false
        }
        guard message.messageType == .retrieveConf else {
            fail(
                record, error: "expected an M-Retrieve.conf, got \(message.messageType?.description ?? "?")",
                summary: &summary)
            return false
        }
        if let status = message.retrieveStatus, status.rawValue != 0x80 {
            let text = message.retrieveText.map { ": \(TerminalText.safe($0))" } ?? ""
            if status.rawValue >= 0xE0 {
                // Permanent (ENC §7.3.50): the MMSC will never deliver it.
                try? store.update(
                    notificationID: record.id, state: .rejected, error: "retrieve status \(status)\(text)",
                    nextAttemptAt: nil, countAttempt: true)
                try? store.setAnswer(notificationID: record.id, status: "Rejected", sent: false)
                summary.answered.append("notification \(record.id): the MMSC says \(status)\(text)")
                record.state = .rejected
                return true
            }
            fail(record, error: "retrieve status \(status)\(text)", summary: &summary)
            return false
        }
        do {
            let id = try store.storeMessage(
                Self.newMessage(message, raw: body, contentLocation: record.contentLocation),
                notificationID: record.id, now: settings.clock())
            record.state = .fetched
            record.messageRowID = id
            summary.stored.append(
                .init(
                    id: id, from: Self.sender(of: message), subject: message.subject,
                    parts: Self.leafParts(message.parts).count, size: body.count))
            logger.notice("message stored", metadata: metadata.merging(["message": "\(id)"]) { $1 })
            if settings.hook == nil { try? store.markHookDone(messageID: id) }
            return true
        } catch {
            fail(record, error: "cannot store the message: \(error)", summary: &summary)
            return false
        }
    }

    /// M-NotifyResp.ind (Retrieved, Rejected, Deferred), or M-Acknowledge.ind for a message fetched
    /// after it was deferred (ENC §6.2, §6.4).
    private func answer(
        _ record: NotificationRecord, transport: HTTPTransport, metadata: Logger.Metadata,
        summary: inout ReceiveSummary
    ) async {
        guard let current = try? store.notification(id: record.id) else { return }
        let status: MMSStatus
        let pdu: MMSPDU
        let version = current.version.map(MMSVersion.init(octet:)) ?? .v1_0
        switch current.state {
        case .fetched:
            if current.responseStatus == "Deferred" {
                pdu = MMSPDU.acknowledge(transactionID: current.transactionIDOctets, version: version)
                status = .retrieved
            } else {
                status = .retrieved
                pdu = MMSPDU.notifyResp(transactionID: current.transactionIDOctets, status: status, version: version)
            }
        case .rejected, .deferred:
            if (try? store.answerSent(notificationID: current.id)) == true { return }
            status = current.state == .rejected ? .rejected : .deferred
            pdu = MMSPDU.notifyResp(transactionID: current.transactionIDOctets, status: status, version: version)
        default:
            return
        }
        guard let mmsc = settings.mmsc else {
            fail(current, error: "cannot answer the MMSC: mms.mmsc is not set", keepState: true, summary: &summary)
            return
        }
        do {
            _ = try await transport.post(mmsc, pdu: pdu.encode())
        } catch {
            fail(current, error: "answering the MMSC: \(error)", keepState: true, summary: &summary)
            return
        }
        do {
            try store.setAnswer(notificationID: current.id, status: status.description, sent: true)
            if current.state == .fetched {
                // Done at once when no SMS of it is left on the modem (deleted when it was deferred).
                let remaining = try store.carriers(notificationID: current.id).filter {
                    $0.state != .deleted && $0.memory != nil
                }
                try store.update(
                    notificationID: current.id, state: remaining.isEmpty ? .done : .acknowledged, error: nil,
                    nextAttemptAt: nil, countAttempt: false)
                summary.acknowledged += 1
                logger.info("acknowledged", metadata: metadata)
            }
        } catch {
            logger.error("cannot update the store", metadata: ["error": "\(error)"])
        }
    }

    /// A failed attempt: retried after a backoff, in this run's state or `failed`.
    private func fail(
        _ record: NotificationRecord, error: String, keepState: Bool = false, summary: inout ReceiveSummary
    ) {
        let attempts = record.attempts + 1
        let delay = min(settings.retryBase * pow(2, Double(min(attempts - 1, 30))), settings.retryMaximum)
        let next = settings.clock() + delay
        try? store.update(
            notificationID: record.id, state: keepState ? record.state : .failed, error: error, nextAttemptAt: next,
            countAttempt: true)
        logger.warning(
            "attempt failed; will retry",
            metadata: [
                "notification": "\(record.id)", "error": "\(TerminalText.safe(error))", "attempts": "\(attempts)",
                "retry-in": "\(Int(delay)) s",
            ])
    }

    // MARK: Deleting

    /// Deletes, storage by storage, every SMS whose notification or report is settled, after reading
    /// the index back: an index that now holds other bytes (the modem reused it) is not touched.
    public func deleteSettled(modem: ModemCommands, summary: inout ReceiveSummary) async {
        guard let carriers = try? store.carriersToDelete(), !carriers.isEmpty else { return }
        let before = try? await modem.storageUse()
        for (memory, group) in Dictionary(grouping: carriers, by: { $0.memory ?? "" }).sorted(by: { $0.key < $1.key }) {
            do {
                try await modem.selectReadStorage(memory, current: before)
            } catch {
                logger.warning("cannot select a storage", metadata: ["storage": "\(memory)", "error": "\(error)"])
                continue
            }
            for carrier in group {
                guard let index = carrier.storageIndex else { continue }
                do {
                    let stored = try await modem.readSMS(index: index)
                    let same = stored.map { Self.normalizedHex($0.hex) == carrier.pduHex } ?? false
                    if same {
                        try await modem.deleteSMS(index: index)
                        summary.smsDeleted += 1
                        logger.info("SMS deleted", metadata: ["storage": "\(memory)", "index": "\(index)"])
                    } else {
                        logger.info(
                            "SMS already gone (the index is empty or holds another message)",
                            metadata: ["storage": "\(memory)", "index": "\(index)"])
                    }
                    try store.markCarrierDeleted(id: carrier.id)
                } catch {
                    logger.warning(
                        "cannot delete an SMS; next run", metadata: ["index": "\(index)", "error": "\(error)"])
                }
            }
        }
        if let first = before?.first { try? await modem.selectReadStorage(first.memory, current: before) }
    }

    // MARK: Hooks

    /// Runs the `on_message` hook for each stored message it has not run for successfully.
    public func runHooks(summary: inout ReceiveSummary) async {
        guard let hook = settings.hook, let waiting = try? store.messagesAwaitingHook() else { return }
        for message in waiting {
            let pdu = (try? store.messagePDU(id: message.id)) ?? nil
            let json = JSONOutput.encode(InboxJSON.Message(message, pdu: pdu))
            let result = await Hook.run(
                hook, input: Array(json.utf8), environment: ["MMSCTL_MESSAGE_ID": "\(message.id)"])
            if result.status == 0 {
                try? store.markHookDone(messageID: message.id)
            } else {
                let text = "message \(message.id): hook `\(hook)` \(result.description)"
                summary.hookFailures.append(text)
                logger.error(
                    "hook failed; the message is kept and the hook runs again next time",
                    metadata: ["message": "\(message.id)", "result": "\(result.description)"])
            }
        }
    }

    // MARK: Summary

    func collectPending(summary: inout ReceiveSummary) {
        guard let all = try? store.notifications() else { return }
        let now = settings.clock()
        // What another live process holds a claim on is its work, not this run's.
        let mine = all.filter { record in
            guard let owner = record.leaseOwner, owner != settings.owner else { return true }
            return (record.leaseUntil ?? 0) < now || ReceiveSettings.isDead(owner: owner)
        }
        summary.pending = mine.filter { [.notified, .fetching, .fetched, .failed].contains($0.state) }.map {
            .init(
                notification: $0.id, state: $0.state.rawValue, attempts: $0.attempts, error: $0.lastError,
                nextAttempt: $0.nextAttemptAt)
        }
    }

    // MARK: Messages

    /// A PDU's hex as the store keys carriers: upper case, no white space (the same SMS listed by
    /// +CMGL and read back by +CMGR compares equal).
    static func normalizedHex(_ hex: String) -> String { hex.uppercased().filter { !$0.isWhitespace } }

    static func sender(of message: MMSPDU) -> String? {
        if case .some(.some(let address)) = message.from { return address.value }
        return nil
    }

    static func leafParts(_ parts: [MMSPart], prefix: String = "", depth: Int = 1) -> [(String, MMSPart)] {
        var result: [(String, MMSPart)] = []
        for (offset, part) in parts.enumerated() {
            let index = prefix + String(offset + 1)
            if let nested = try? part.subparts(depth: depth) {
                result += leafParts(nested, prefix: index + ".", depth: depth + 1)
            } else {
                result.append((index, part))
            }
        }
        return result
    }

    /// What the store keeps of an M-Retrieve.conf besides its bytes: every address (all To and Cc
    /// of a group message), the headers a listing shows, and where each part's data lies.
    public static func newMessage(_ message: MMSPDU, raw: [UInt8], contentLocation: String?) -> NewMessage {
        var addresses: [AddressRecord] = []
        if let from = sender(of: message) { addresses.append(.init(field: .from, address: from)) }
        addresses += message.to.map { .init(field: .to, address: $0.value) }
        addresses += message.cc.map { .init(field: .cc, address: $0.value) }
        addresses += message.bcc.map { .init(field: .bcc, address: $0.value) }
        let parts = leafParts(message.parts).map { index, part in
            PartRecord(
                index: index, contentType: part.contentType.description, mediaType: part.contentType.mediaType,
                name: part.suggestedName, contentID: part.contentID, contentLocation: part.contentLocation,
                charset: part.contentType.charset?.description, offset: part.data.startIndex, size: part.data.count)
        }
        return NewMessage(
            pdu: raw, transactionID: message.transactionID, messageID: message.messageID,
            contentLocation: contentLocation, subject: message.subject, date: message.date.map(Double.init),
            messageClass: message.messageClass?.description, contentType: message.contentType?.description,
            addresses: addresses, parts: parts)
    }
}

extension ReceiveSummary {
    mutating func merge(_ other: ReceiveSummary) {
        smsScanned += other.smsScanned
        notifications += other.notifications
        stored += other.stored
        acknowledged += other.acknowledged
        answered += other.answered
        reports += other.reports
        smsDeleted += other.smsDeleted
        hookFailures += other.hookFailures
    }
}
