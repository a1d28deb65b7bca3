import Foundation
import Logging
import Modem
import PDU
import Store
import Transport

/// The result of `mmsctl send` (schema `mmsctl.send/1`).
public struct SendResult: Sendable, Codable {
    public var schema = "mmsctl.send/1"
    /// The outbox row; nil for --dry-run.
    public var id: Int64?
    public var transactionID: String
    public var state: String
    public var messageID: String?
    public var responseStatus: String?
    public var responseText: String?
    public var error: String?
    public var size: Int
    public var recipients: [AddressRecordLike]
    public var parts: [Part]
    public var changes: [FitChange]
    public var savedTo: String?
    public var exitCode: Int32

    public struct Part: Sendable, Codable, Hashable {
        public var name: String
        public var mediaType: String
        public var size: Int
        public init(name: String, mediaType: String, size: Int) {
            self.name = name
            self.mediaType = mediaType
            self.size = size
        }
    }

    /// The result for a composed message, before (or without) sending it.
    public init(_ composed: ComposedMessage, id: Int64? = nil, state: String, savedTo: String? = nil) {
        self.init(
            id: id, transactionID: composed.transactionID, state: state, size: composed.bytes.count,
            recipients: composed.recipients,
            parts: composed.parts.map { Part(name: $0.name, mediaType: $0.mediaType, size: $0.size) },
            changes: composed.changes, savedTo: savedTo, exitCode: 0)
    }

    public init(
        id: Int64? = nil, transactionID: String, state: String, messageID: String? = nil,
        responseStatus: String? = nil, responseText: String? = nil, error: String? = nil, size: Int,
        recipients: [AddressRecordLike], parts: [Part], changes: [FitChange], savedTo: String? = nil, exitCode: Int32
    ) {
        self.id = id
        self.transactionID = transactionID
        self.state = state
        self.messageID = messageID
        self.responseStatus = responseStatus
        self.responseText = responseText
        self.error = error
        self.size = size
        self.recipients = recipients
        self.parts = parts
        self.changes = changes
        self.savedTo = savedTo
        self.exitCode = exitCode
    }
}

/// What the MMSC's Response-Status means for the user (ENC §7.3.48): the outbox state and the exit
/// status, which separates permanent failures (65: the message, 69: the service) from transient ones
/// (75: try again later).
public enum SendOutcome {
    public static func classify(_ status: MMSResponseStatus?) -> (state: OutboxRecord.State, exit: Int32) {
        guard let status else { return (.failed, 75) }
        if status.isOK { return (.sent, 0) }
        if status.isTransient || [0x81, 0x86].contains(status.rawValue) { return (.failed, 75) }
        if [0x82, 0xE1, 0xEB].contains(status.rawValue) { return (.failed, 69) }
        return (.failed, 65)
    }

    /// Whether a transport error means the body cannot have reached the MMSC (so sending again is safe).
    public static func neverReachedTheMMSC(_ error: TransportError) -> Bool {
        switch error.underlying {
        case .invalidURL, .dns, .connect, .bearer: return true
        case .status: return true  // the MMSC answered with an HTTP error: it did not take the message
        default: return false
        }
    }
}

/// The send pipeline (architecture: send data flow): compose (every error before anything else),
/// an outbox row, the bearer up, the POST (never retried once its body may have been written), the
/// M-Send.conf parsed and recorded with its Message-ID, to which later delivery and read reports link.
public struct SendService: Sendable {
    public let configuration: Configuration
    public let logger: Logger
    public var lockDirectory: String?
    public var trace: (@Sendable (ATTraceDirection, String) -> Void)?

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public var composeSettings: Composer.Settings {
        var settings = Composer.Settings()
        if let size = configuration["mms.max_size"].flatMap({ Int($0) }) { settings.maximumSize = size }
        settings.countryCode = configuration["mms.country_code"]
        return settings
    }

    /// The country code from the SIM (AT+CIMI → MCC), when a modem is configured or given.
    public func countryCodeFromSIM() async -> String? {
        guard let device = configuration["modem.device"] else { return nil }
        guard let channel = try? ATChannel.open(device: device, lockDirectory: lockDirectory, trace: trace) else {
            return nil
        }
        let modem = ModemCommands(channel: channel)
        // Closed here, before returning: the port and its locks are free when the send goes on.
        let imsi =
            (try? await modem.initialize(pin: configuration["modem.pin"])) != nil
            ? (try? await modem.identity())?.imsi : nil
        await channel.close()
        return imsi.flatMap { Recipients.callingCodes[String($0.prefix(3))] }
    }

    /// Composes the message, asking the SIM for the country when a national number needs it.
    public func compose(_ message: OutgoingMessage, resize: Bool, maximumSize: Int?) async throws(ComposeError)
        -> ComposedMessage
    {
        var settings = composeSettings
        settings.resize = resize
        if let maximumSize { settings.maximumSize = maximumSize }
        do {
            return try Composer.compose(message, settings: settings)
        } catch {
            guard case .invalidRecipient(_, let reason) = error, reason.hasPrefix("a national number"),
                settings.countryCode == nil, let code = await countryCodeFromSIM()
            else { throw error }
            settings.countryCode = code
            return try Composer.compose(message, settings: settings)
        }
    }

    /// Posts a composed message (a new outbox row), or an outbox row again (`resend`).
    public func post(
        _ composed: ComposedMessage, store: any MessageStore, network: any NetworkAccess,
        upload: TransferProgress? = nil
    ) async throws -> SendResult {
        let recipients = composed.recipients.map {
            AddressRecord(field: AddressRecord.Field(rawValue: $0.field) ?? .to, address: $0.address)
        }
        let id = try store.createOutgoing(
            NewOutgoing(
                transactionID: composed.transactionID, subject: composed.pdu.subject, pdu: composed.bytes,
                recipients: recipients),
            now: Date().timeIntervalSince1970)
        var result = SendResult(composed, id: id, state: "queued")
        try await deliver(id: id, bytes: composed.bytes, store: store, network: network, upload: upload, into: &result)
        return result
    }

    /// Sends an outbox row again, as the user asked (`mmsctl sent resend`).
    public func resend(id: Int64, store: any MessageStore, network: any NetworkAccess, upload: TransferProgress? = nil)
        async throws -> SendResult?
    {
        guard let row = try store.outgoing(id: id), let bytes = try store.outgoingPDU(id: id) else { return nil }
        var result = SendResult(
            id: id, transactionID: row.transactionID, state: row.state.rawValue, size: bytes.count,
            recipients: row.recipients.map { AddressRecordLike(field: $0.field.rawValue, address: $0.address) },
            parts: [], changes: [], exitCode: 0)
        try await deliver(id: id, bytes: bytes, store: store, network: network, upload: upload, into: &result)
        return result
    }

    private func deliver(
        id: Int64, bytes: [UInt8], store: any MessageStore, network: any NetworkAccess, upload: TransferProgress?,
        into result: inout SendResult
    ) async throws {
        guard let mmsc = configuration["mms.mmsc"] else {
            try store.updateOutgoing(
                id: id, state: .failed, messageID: nil, responseStatus: nil, responseText: nil,
                error: "mms.mmsc is not set", sentAt: nil, countAttempt: false)
            result.state = "failed"
            result.error = "mms.mmsc is not set: give --mmsc or set it in the configuration"
            result.exitCode = 78
            return
        }
        let answer: Result<HTTPResult, TransportError>
        do {
            answer = .success(
                try await network.withTransport { transport in
                    var transport = transport
                    // Never retried here: once the body may have reached the MMSC, only the user resends.
                    transport.configuration.retries = 0
                    try store.updateOutgoing(
                        id: id, state: .posting, messageID: nil, responseStatus: nil, responseText: nil, error: nil,
                        sentAt: nil, countAttempt: true)
                    return try await transport.post(mmsc, pdu: bytes, expectMMS: false, upload: upload)
                })
        } catch let error as TransportError {
            answer = .failure(error)
        } catch {
            answer = .failure(.bearer("\(error)"))
        }
        switch answer {
        case .failure(let error):
            let safe = SendOutcome.neverReachedTheMMSC(error)
            let state: OutboxRecord.State = safe ? .failed : .unknown
            try store.updateOutgoing(
                id: id, state: state, messageID: nil, responseStatus: nil, responseText: nil, error: "\(error)",
                sentAt: nil, countAttempt: false)
            result.state = state.rawValue
            result.error =
                "\(error)"
                + (safe
                    ? ""
                    : "; the MMSC may have taken it: `mmsctl sent show \(id)`, and `mmsctl sent resend \(id)` sends it again")
            result.exitCode = 75
            logger.error("sending failed", metadata: ["outbox": "\(id)", "error": "\(error)"])
        case .success(let http):
            let confirmation: MMSPDU
            do {
                confirmation = try MMSPDU.decode(http.body)
                guard confirmation.messageType == .sendConf else {
                    throw PDUError(.invalid("an MMS PDU, but not an M-Send.conf"), at: 0, field: "X-Mms-Message-Type")
                }
            } catch {
                try store.updateOutgoing(
                    id: id, state: .unknown, messageID: nil, responseStatus: nil, responseText: nil,
                    error: "the MMSC's answer is not an M-Send.conf: \(error)", sentAt: nil, countAttempt: false)
                result.state = "unknown"
                result.error = "the MMSC's answer is not an M-Send.conf (\(error)); it may have taken the message"
                result.exitCode = 75
                return
            }
            let status = confirmation.responseStatus
            let (state, exit) = SendOutcome.classify(status)
            try store.updateOutgoing(
                id: id, state: state, messageID: confirmation.messageID, responseStatus: status?.description,
                responseText: confirmation.responseText, error: nil,
                sentAt: state == .sent ? Date().timeIntervalSince1970 : nil, countAttempt: false)
            result.state = state.rawValue
            result.messageID = confirmation.messageID
            result.responseStatus = status?.description ?? "(none)"
            result.responseText = confirmation.responseText
            result.exitCode = exit
            if state != .sent {
                result.error =
                    "the MMSC refused it: \(status?.description ?? "no Response-Status")"
                    + (confirmation.responseText.map { " (\(TerminalText.safe($0)))" } ?? "")
                    + (exit == 75 ? "; try again later (`mmsctl sent resend \(id)`)" : "")
            }
            logger.info(
                "sent", metadata: ["outbox": "\(id)", "status": "\(status?.description ?? "?")"])
        }
    }
}

/// The sent messages with their delivery and read reports, per recipient (schema `mmsctl.sent/1`).
public struct SentView: Sendable, Codable {
    public struct Recipient: Sendable, Codable, Hashable {
        public var field: String
        public var address: String
        public var delivery: String?
        public var deliveredAt: String?
        public var read: String?
        public var readAt: String?
    }
    public struct Message: Sendable, Codable, Hashable {
        public var id: Int64
        public var createdAt: String
        public var state: String
        public var subject: String?
        public var size: Int
        public var transactionId: String
        public var messageId: String?
        public var responseStatus: String?
        public var responseText: String?
        public var error: String?
        public var attempts: Int
        public var recipients: [Recipient]
    }
    public var schema = "mmsctl.sent/1"
    public var messages: [Message]

    public static func build(_ rows: [OutboxRecord], store: any MessageStore) throws -> SentView {
        let messages = try rows.map { row -> Message in
            let reports = try row.messageID.map { try store.reports(messageID: $0) } ?? []
            func digits(_ text: String) -> String { text.filter(\.isNumber) }
            let recipients = row.recipients.map { recipient -> Recipient in
                // Reports name the recipient as the MMSC writes it: compare digits for numbers.
                let mine = reports.filter {
                    guard let reported = $0.recipient else { return row.recipients.count == 1 }
                    return reported == recipient.address
                        || (!digits(reported).isEmpty && digits(reported) == digits(recipient.address))
                }
                let delivery = mine.last { $0.kind == .delivery }
                let read = mine.last { $0.kind == .read }
                return Recipient(
                    field: recipient.field.rawValue, address: recipient.address, delivery: delivery?.status,
                    deliveredAt: (delivery?.date ?? delivery?.receivedAt).map(InboxJSON.iso), read: read?.status,
                    readAt: (read?.date ?? read?.receivedAt).map(InboxJSON.iso))
            }
            return Message(
                id: row.id, createdAt: InboxJSON.iso(row.createdAt), state: row.state.rawValue, subject: row.subject,
                size: row.size, transactionId: row.transactionID, messageId: row.messageID,
                responseStatus: row.responseStatus, responseText: row.responseText, error: row.error,
                attempts: row.attempts, recipients: recipients)
        }
        return SentView(messages: messages)
    }
}
