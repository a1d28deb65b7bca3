import Foundation
import GRDB
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded store: one SQLite database in WAL mode, `mmsctl.sqlite` in the store folder, created
/// 0600 in a 0700 folder. Schema changes are versioned migrations (GRDB `DatabaseMigrator`).
public final class SQLiteStore: MessageStore, @unchecked Sendable {
    public let folder: String
    public let path: String
    private let pool: DatabasePool

    public static let fileName = "mmsctl.sqlite"

    /// `$XDG_DATA_HOME/mmsctl`, or `~/.local/share/mmsctl`.
    public static var defaultFolder: String {
        let environment = ProcessInfo.processInfo.environment
        let base =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/share")
        return base + "/mmsctl"
    }

    /// Opens (creating when needed) the store in `folder`.
    public init(folder: String) throws(StoreError) {
        self.folder = folder
        self.path = (folder as NSString).appendingPathComponent(Self.fileName)
        do {
            try Self.prepare(folder: folder, path: path)
            var configuration = GRDB.Configuration()
            configuration.busyMode = .timeout(30)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: path, reason: "\(error)")
        }
    }

    /// Creates the folder 0700 and the database file 0600 before SQLite opens it (its -wal and -shm
    /// files take the database file's permissions).
    static func prepare(folder: String, path: String) throws {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError(path: folder, reason: "cannot create the store folder (\(error.localizedDescription))")
            }
        } else if !isDirectory.boolValue {
            throw StoreError(path: folder, reason: "not a folder")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw StoreError(path: path, reason: String(cString: strerror(errno)))
        }
        close(fd)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE message (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        notification_id INTEGER UNIQUE,
                        transaction_id TEXT,
                        message_id TEXT,
                        content_location TEXT,
                        subject TEXT,
                        date REAL,
                        message_class TEXT,
                        content_type TEXT,
                        received_at REAL NOT NULL,
                        size INTEGER NOT NULL,
                        hook_done INTEGER NOT NULL DEFAULT 0
                    );
                    -- The raw PDU on its own: updating a message's state never rewrites megabytes.
                    CREATE TABLE message_pdu (
                        message_id INTEGER PRIMARY KEY REFERENCES message(id) ON DELETE CASCADE,
                        pdu BLOB NOT NULL
                    );
                    CREATE TABLE address (
                        message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        field TEXT NOT NULL,
                        address TEXT NOT NULL
                    );
                    CREATE INDEX address_message ON address(message_id);
                    CREATE TABLE part (
                        message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        part_index TEXT NOT NULL,
                        content_type TEXT NOT NULL,
                        media_type TEXT NOT NULL,
                        name TEXT,
                        content_id TEXT,
                        content_location TEXT,
                        charset TEXT,
                        offset INTEGER NOT NULL,
                        size INTEGER NOT NULL
                    );
                    CREATE INDEX part_message ON part(message_id);
                    CREATE TABLE notification (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        transaction_id TEXT NOT NULL,
                        transaction_id_octets BLOB NOT NULL,
                        content_location TEXT NOT NULL,
                        pdu BLOB NOT NULL,
                        sender TEXT,
                        subject TEXT,
                        message_class TEXT,
                        message_size INTEGER,
                        expires_at REAL,
                        received_at REAL NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL,
                        last_error TEXT,
                        message_row_id INTEGER,
                        response_status TEXT,
                        answer_sent INTEGER NOT NULL DEFAULT 0,
                        version INTEGER,
                        lease_owner TEXT,
                        lease_until REAL
                    );
                    CREATE INDEX notification_location ON notification(content_location);
                    CREATE INDEX notification_transaction ON notification(transaction_id);
                    CREATE TABLE report (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        message_id TEXT NOT NULL,
                        recipient TEXT,
                        status TEXT,
                        date REAL,
                        received_at REAL NOT NULL,
                        pdu BLOB NOT NULL,
                        UNIQUE(kind, message_id, recipient, status, date)
                    );
                    CREATE INDEX report_message ON report(message_id);
                    CREATE TABLE carrier (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        pdu_hex TEXT NOT NULL UNIQUE,
                        memory TEXT,
                        storage_index INTEGER,
                        concatenation_key TEXT,
                        sequence INTEGER,
                        total INTEGER,
                        received_at REAL NOT NULL,
                        state TEXT NOT NULL,
                        notification_id INTEGER REFERENCES notification(id),
                        report_id INTEGER REFERENCES report(id)
                    );
                    CREATE INDEX carrier_key ON carrier(concatenation_key);
                    CREATE INDEX carrier_notification ON carrier(notification_id);
                    """)
        }
        migrator.registerMigration("v2 outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        transaction_id TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        state TEXT NOT NULL,
                        subject TEXT,
                        size INTEGER NOT NULL,
                        message_id TEXT,
                        response_status TEXT,
                        response_text TEXT,
                        error TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        sent_at REAL
                    );
                    CREATE INDEX outbox_message ON outbox(message_id);
                    CREATE TABLE outbox_pdu (
                        outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
                        pdu BLOB NOT NULL
                    );
                    CREATE TABLE outbox_recipient (
                        outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        field TEXT NOT NULL,
                        address TEXT NOT NULL
                    );
                    CREATE INDEX outbox_recipient_outbox ON outbox_recipient(outbox_id);
                    """)
        }
        return migrator
    }

    // MARK: Carriers

    public func recordCarrier(_ carrier: NewCarrier, now: Double) throws -> CarrierRecord {
        try write { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT * FROM carrier WHERE pdu_hex = ?", arguments: [carrier.pduHex])
            {
                var existing = Self.carrier(row)
                if existing.state != .deleted || carrier.memory != nil {
                    // Seen again on the modem: it is there now, wherever it was before.
                    try db.execute(
                        sql: "UPDATE carrier SET memory = ?, storage_index = ?, state = ? WHERE id = ?",
                        arguments: [
                            carrier.memory, carrier.storageIndex,
                            existing.state == .deleted
                                ? CarrierRecord.State.assigned.rawValue : existing.state.rawValue,
                            existing.id,
                        ])
                    existing.memory = carrier.memory
                    existing.storageIndex = carrier.storageIndex
                    if existing.state == .deleted { existing.state = .assigned }
                }
                return existing
            }
            try db.execute(
                sql: """
                    INSERT INTO carrier (pdu_hex, memory, storage_index, concatenation_key, sequence, total,
                                         received_at, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting')
                    """,
                arguments: [
                    carrier.pduHex, carrier.memory, carrier.storageIndex, carrier.concatenationKey, carrier.sequence,
                    carrier.total, now,
                ])
            return CarrierRecord(
                id: db.lastInsertedRowID, pduHex: carrier.pduHex, memory: carrier.memory,
                storageIndex: carrier.storageIndex, concatenationKey: carrier.concatenationKey,
                sequence: carrier.sequence, total: carrier.total, receivedAt: now, state: .waiting)
        }
    }

    public func carriers(concatenationKey: String) throws -> [CarrierRecord] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM carrier WHERE concatenation_key = ? ORDER BY sequence, id",
                arguments: [concatenationKey]
            ).map(Self.carrier)
        }
    }

    public func carriers(notificationID: Int64) throws -> [CarrierRecord] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM carrier WHERE notification_id = ? ORDER BY sequence, id",
                arguments: [notificationID]
            ).map(Self.carrier)
        }
    }

    public func carriersToDelete() throws -> [CarrierRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT carrier.* FROM carrier
                    LEFT JOIN notification ON notification.id = carrier.notification_id
                    WHERE carrier.state = 'assigned' AND carrier.memory IS NOT NULL
                      AND (carrier.report_id IS NOT NULL
                           OR (notification.answer_sent = 1
                               AND notification.state IN ('acknowledged', 'done', 'expired', 'rejected', 'deferred')))
                    ORDER BY carrier.id
                    """
            ).map(Self.carrier)
        }
    }

    public func markCarrierDeleted(id: Int64) throws {
        try write { db in
            try db.execute(sql: "UPDATE carrier SET state = 'deleted' WHERE id = ?", arguments: [id])
            // A notification whose every carrier is gone is done.
            try db.execute(
                sql: """
                    UPDATE notification SET state = 'done'
                    WHERE state = 'acknowledged' AND id = (SELECT notification_id FROM carrier WHERE id = ?)
                      AND NOT EXISTS (SELECT 1 FROM carrier WHERE notification_id = notification.id
                                      AND state != 'deleted' AND memory IS NOT NULL)
                    """, arguments: [id])
        }
    }

    public func staleWaitingCarriers(olderThan: Double) throws -> [CarrierRecord] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM carrier WHERE state = 'waiting' AND received_at < ? ORDER BY id",
                arguments: [olderThan]
            ).map(Self.carrier)
        }
    }

    static func carrier(_ row: Row) -> CarrierRecord {
        CarrierRecord(
            id: row["id"], pduHex: row["pdu_hex"], memory: row["memory"], storageIndex: row["storage_index"],
            concatenationKey: row["concatenation_key"], sequence: row["sequence"], total: row["total"],
            receivedAt: row["received_at"], state: CarrierRecord.State(rawValue: row["state"]) ?? .waiting,
            notificationID: row["notification_id"], reportID: row["report_id"])
    }

    // MARK: Notifications

    public func recordNotification(_ new: NewNotification, carrierIDs: [Int64], now: Double) throws -> (
        NotificationRecord, isNew: Bool
    ) {
        try write { db in
            let existing = try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM notification
                    WHERE content_location = ? OR (transaction_id = ? AND transaction_id != '')
                    ORDER BY id LIMIT 1
                    """,
                arguments: [new.contentLocation, new.transactionID]
            ).map(Self.notification)
            let id: Int64
            var isNew = false
            if let existing {
                id = existing.id
                switch existing.state {
                case .acknowledged, .done:
                    // The MMSC did not hear the answer: say Retrieved again.
                    try db.execute(
                        sql: "UPDATE notification SET state = 'fetched', answer_sent = 0 WHERE id = ?", arguments: [id])
                case .expired, .rejected, .deferred:
                    try db.execute(sql: "UPDATE notification SET answer_sent = 0 WHERE id = ?", arguments: [id])
                default:
                    break
                }
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO notification (transaction_id, transaction_id_octets, content_location, pdu, sender,
                            subject, message_class, message_size, expires_at, received_at, state, version)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'notified', ?)
                        """,
                    arguments: [
                        new.transactionID, Data(new.transactionIDOctets), new.contentLocation, Data(new.pdu),
                        new.sender, new.subject, new.messageClass, new.messageSize, new.expiresAt, now,
                        new.version.map { Int($0) },
                    ])
                id = db.lastInsertedRowID
                isNew = true
            }
            for carrier in carrierIDs {
                try db.execute(
                    sql: """
                        UPDATE carrier SET notification_id = ?,
                            state = CASE WHEN memory IS NULL THEN 'deleted' ELSE 'assigned' END
                        WHERE id = ?
                        """,
                    arguments: [id, carrier])
            }
            let row = try Row.fetchOne(db, sql: "SELECT * FROM notification WHERE id = ?", arguments: [id])!
            return (Self.notification(row), isNew)
        }
    }

    public func notification(id: Int64) throws -> NotificationRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM notification WHERE id = ?", arguments: [id]).map(Self.notification)
        }
    }

    public func notifications() throws -> [NotificationRecord] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM notification ORDER BY id").map(Self.notification) }
    }

    public func dueNotifications(now: Double) throws -> [NotificationRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM notification
                    WHERE state IN ('notified', 'fetching', 'fetched')
                       OR (state = 'failed' AND (next_attempt_at IS NULL OR next_attempt_at <= ?))
                       OR (state IN ('expired', 'rejected') AND answer_sent = 0)
                       OR state = 'deferred'
                    ORDER BY id
                    """, arguments: [now]
            ).map(Self.notification)
        }
    }

    public func claim(notificationID: Int64, owner: String, now: Double, seconds: Double) throws -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE notification SET lease_owner = ?, lease_until = ?
                    WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)
                    """,
                arguments: [owner, now + seconds, notificationID, owner, now])
            return db.changesCount == 1
        }
    }

    public func takeOver(notificationID: Int64, from deadOwner: String, owner: String, now: Double, seconds: Double)
        throws -> Bool
    {
        try write { db in
            try db.execute(
                sql: "UPDATE notification SET lease_owner = ?, lease_until = ? WHERE id = ? AND lease_owner = ?",
                arguments: [owner, now + seconds, notificationID, deadOwner])
            return db.changesCount == 1
        }
    }

    public func release(notificationID: Int64, owner: String) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE notification SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                arguments: [notificationID, owner])
        }
    }

    public func update(
        notificationID: Int64, state: NotificationState, error: String?, nextAttemptAt: Double?, countAttempt: Bool
    ) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE notification SET state = ?, last_error = ?, next_attempt_at = ?,
                        attempts = attempts + ?
                    WHERE id = ?
                    """,
                arguments: [state.rawValue, error, nextAttemptAt, countAttempt ? 1 : 0, notificationID])
        }
    }

    public func setAnswer(notificationID: Int64, status: String, sent: Bool) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE notification SET response_status = ?, answer_sent = ? WHERE id = ?",
                arguments: [status, sent ? 1 : 0, notificationID])
        }
    }

    public func answerSent(notificationID: Int64) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT answer_sent FROM notification WHERE id = ?", arguments: [notificationID])
                ?? false
        }
    }

    static func notification(_ row: Row) -> NotificationRecord {
        let octets: Data = row["transaction_id_octets"]
        let pdu: Data = row["pdu"]
        let version: Int? = row["version"]
        return NotificationRecord(
            id: row["id"], transactionID: row["transaction_id"], transactionIDOctets: [UInt8](octets),
            contentLocation: row["content_location"], pdu: [UInt8](pdu), sender: row["sender"], subject: row["subject"],
            messageClass: row["message_class"], messageSize: row["message_size"], expiresAt: row["expires_at"],
            receivedAt: row["received_at"], state: NotificationState(rawValue: row["state"]) ?? .notified,
            attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"], lastError: row["last_error"],
            messageRowID: row["message_row_id"], responseStatus: row["response_status"],
            version: version.map { UInt8(truncatingIfNeeded: $0) }, answerSent: row["answer_sent"],
            leaseOwner: row["lease_owner"],
            leaseUntil: row["lease_until"])
    }

    // MARK: Messages

    public func storeMessage(_ message: NewMessage, notificationID: Int64, now: Double) throws -> Int64 {
        try write { db in
            if let existing = try Int64.fetchOne(
                db, sql: "SELECT id FROM message WHERE notification_id = ?", arguments: [notificationID])
            {
                return existing
            }
            let id = try Self.insert(message, notificationID: notificationID, now: now, db: db)
            try db.execute(
                sql: """
                    UPDATE notification SET state = 'fetched', message_row_id = ?, last_error = NULL,
                        next_attempt_at = NULL
                    WHERE id = ?
                    """,
                arguments: [id, notificationID])
            return id
        }
    }

    static func insert(_ message: NewMessage, notificationID: Int64?, now: Double, db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO message (notification_id, transaction_id, message_id, content_location, subject, date,
                    message_class, content_type, received_at, size)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                notificationID, message.transactionID, message.messageID, message.contentLocation, message.subject,
                message.date, message.messageClass, message.contentType, now, message.pdu.count,
            ])
        let id = db.lastInsertedRowID
        try db.execute(
            sql: "INSERT INTO message_pdu (message_id, pdu) VALUES (?, zeroblob(?))",
            arguments: [id, message.pdu.count])
        try writeBlob(message.pdu, table: "message_pdu", column: "pdu", row: id, db: db)
        for (position, address) in message.addresses.enumerated() {
            try db.execute(
                sql: "INSERT INTO address (message_id, position, field, address) VALUES (?, ?, ?, ?)",
                arguments: [id, position, address.field.rawValue, address.address])
        }
        for (position, part) in message.parts.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO part (message_id, position, part_index, content_type, media_type, name, content_id,
                        content_location, charset, offset, size)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, position, part.index, part.contentType, part.mediaType, part.name, part.contentID,
                    part.contentLocation, part.charset, part.offset, part.size,
                ])
        }
        return id
    }

    /// Writes a large value in place, 64 KiB at a time (SQLite incremental blob I/O): no copy of the
    /// whole value is made for binding or for building the record, so a 5 MB message costs about its
    /// own size in memory, not four times it.
    static func writeBlob(_ bytes: [UInt8], table: String, column: String, row: Int64, db: Database) throws {
        guard !bytes.isEmpty else { return }
        var blob: OpaquePointer?
        let opened = sqlite3_blob_open(db.sqliteConnection, "main", table, column, row, 1, &blob)
        guard opened == SQLITE_OK, let blob else {
            throw StoreError(path: table, reason: "cannot open the blob (SQLite \(opened))")
        }
        defer { sqlite3_blob_close(blob) }
        let chunk = 64 << 10
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let length = min(chunk, buffer.count - offset)
                let result = sqlite3_blob_write(blob, buffer.baseAddress! + offset, Int32(length), Int32(offset))
                guard result == SQLITE_OK else {
                    throw StoreError(path: table, reason: "cannot write the blob (SQLite \(result))")
                }
                offset += length
            }
        }
    }

    public func messages() throws -> [MessageRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM message ORDER BY id").map { try Self.message($0, db: db) }
        }
    }

    public func message(id: Int64) throws -> MessageRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM message WHERE id = ?", arguments: [id]).map {
                try Self.message($0, db: db)
            }
        }
    }

    public func messagePDU(id: Int64) throws -> [UInt8]? {
        try read { db in
            let data = try Data.fetchOne(db, sql: "SELECT pdu FROM message_pdu WHERE message_id = ?", arguments: [id])
            return data.map { Array($0) }
        }
    }

    public func deleteMessage(id: Int64) throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM address WHERE message_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM part WHERE message_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM message_pdu WHERE message_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM message WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

    public func messagesAwaitingHook() throws -> [MessageRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM message WHERE hook_done = 0 ORDER BY id").map {
                try Self.message($0, db: db)
            }
        }
    }

    public func markHookDone(messageID: Int64) throws {
        try write { db in
            try db.execute(sql: "UPDATE message SET hook_done = 1 WHERE id = ?", arguments: [messageID])
        }
    }

    static func message(_ row: Row, db: Database) throws -> MessageRecord {
        let id: Int64 = row["id"]
        let addresses = try Row.fetchAll(
            db, sql: "SELECT field, address FROM address WHERE message_id = ? ORDER BY position", arguments: [id]
        ).map { AddressRecord(field: AddressRecord.Field(rawValue: $0["field"]) ?? .to, address: $0["address"]) }
        let parts = try Row.fetchAll(
            db, sql: "SELECT * FROM part WHERE message_id = ? ORDER BY position", arguments: [id]
        ).map {
            PartRecord(
                index: $0["part_index"], contentType: $0["content_type"], mediaType: $0["media_type"], name: $0["name"],
                contentID: $0["content_id"], contentLocation: $0["content_location"], charset: $0["charset"],
                offset: $0["offset"], size: $0["size"])
        }
        return MessageRecord(
            id: id, notificationID: row["notification_id"], transactionID: row["transaction_id"],
            messageID: row["message_id"], contentLocation: row["content_location"], subject: row["subject"],
            date: row["date"], messageClass: row["message_class"], contentType: row["content_type"],
            receivedAt: row["received_at"], size: row["size"], addresses: addresses, parts: parts,
            hookDone: row["hook_done"])
    }

    // MARK: Reports

    public func recordReport(_ report: NewReport, carrierIDs: [Int64], now: Double) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO report (kind, message_id, recipient, status, date, received_at, pdu)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    report.kind.rawValue, report.messageID, report.recipient, report.status, report.date, now,
                    Data(report.pdu),
                ])
            let id =
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT id FROM report WHERE kind = ? AND message_id = ? AND recipient IS ? AND status IS ?
                          AND date IS ?
                        """,
                    arguments: [report.kind.rawValue, report.messageID, report.recipient, report.status, report.date])
                ?? db.lastInsertedRowID
            for carrier in carrierIDs {
                try db.execute(
                    sql: """
                        UPDATE carrier SET report_id = ?,
                            state = CASE WHEN memory IS NULL THEN 'deleted' ELSE 'assigned' END
                        WHERE id = ?
                        """,
                    arguments: [id, carrier])
            }
            return id
        }
    }

    public func reports(messageID: String?) throws -> [ReportRecord] {
        try read { db in
            let rows: [Row]
            if let messageID {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM report WHERE message_id = ? ORDER BY id", arguments: [messageID])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM report ORDER BY id")
            }
            return rows.map {
                ReportRecord(
                    id: $0["id"], kind: ReportRecord.Kind(rawValue: $0["kind"]) ?? .delivery,
                    messageID: $0["message_id"], recipient: $0["recipient"], status: $0["status"], date: $0["date"],
                    receivedAt: $0["received_at"])
            }
        }
    }

    // MARK: Outbox

    public func createOutgoing(_ message: NewOutgoing, now: Double) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO outbox (transaction_id, created_at, state, subject, size)
                    VALUES (?, ?, 'queued', ?, ?)
                    """,
                arguments: [message.transactionID, now, message.subject, message.pdu.count])
            let id = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO outbox_pdu (outbox_id, pdu) VALUES (?, zeroblob(?))",
                arguments: [id, message.pdu.count])
            try Self.writeBlob(message.pdu, table: "outbox_pdu", column: "pdu", row: id, db: db)
            for (position, recipient) in message.recipients.enumerated() {
                try db.execute(
                    sql: "INSERT INTO outbox_recipient (outbox_id, position, field, address) VALUES (?, ?, ?, ?)",
                    arguments: [id, position, recipient.field.rawValue, recipient.address])
            }
            return id
        }
    }

    public func updateOutgoing(
        id: Int64, state: OutboxRecord.State, messageID: String?, responseStatus: String?, responseText: String?,
        error: String?, sentAt: Double?, countAttempt: Bool
    ) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = ?, message_id = COALESCE(?, message_id),
                        response_status = COALESCE(?, response_status), response_text = COALESCE(?, response_text),
                        error = ?, sent_at = COALESCE(?, sent_at), attempts = attempts + ?
                    WHERE id = ?
                    """,
                arguments: [
                    state.rawValue, messageID, responseStatus, responseText, error, sentAt, countAttempt ? 1 : 0, id,
                ])
        }
    }

    public func outbox() throws -> [OutboxRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id").map { try Self.outgoing($0, db: db) }
        }
    }

    public func outgoing(id: Int64) throws -> OutboxRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]).map {
                try Self.outgoing($0, db: db)
            }
        }
    }

    public func outgoingPDU(id: Int64) throws -> [UInt8]? {
        try read { db in
            let data = try Data.fetchOne(db, sql: "SELECT pdu FROM outbox_pdu WHERE outbox_id = ?", arguments: [id])
            return data.map { Array($0) }
        }
    }

    static func outgoing(_ row: Row, db: Database) throws -> OutboxRecord {
        let id: Int64 = row["id"]
        let recipients = try Row.fetchAll(
            db, sql: "SELECT field, address FROM outbox_recipient WHERE outbox_id = ? ORDER BY position",
            arguments: [id]
        ).map { AddressRecord(field: AddressRecord.Field(rawValue: $0["field"]) ?? .to, address: $0["address"]) }
        return OutboxRecord(
            id: id, transactionID: row["transaction_id"], createdAt: row["created_at"],
            state: OutboxRecord.State(rawValue: row["state"]) ?? .queued, subject: row["subject"], size: row["size"],
            messageID: row["message_id"], responseStatus: row["response_status"], responseText: row["response_text"],
            error: row["error"], attempts: row["attempts"], sentAt: row["sent_at"], recipients: recipients)
    }

    // MARK: Access

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch {
            throw StoreError(path: path, reason: "\(error)")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError(path: path, reason: "\(error)")
        }
    }
}
