public import DubanCore
public import Foundation
public import GRDB

/// Where a message is in the outbox. Stored as its raw value; an unknown
/// value in the file fails to decode instead of being misread.
public enum OutboxState: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Waiting for (another) attempt.
    case pending
    /// Accepted by the server for every recipient it did not refuse for good.
    case sent
    /// Given up on: nobody received it. Kept, never deleted.
    case failed
}

/// What the log says about one identity.
public enum LogState: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// In the outbox, not yet accepted by the server.
    case queued
    /// Accepted by the server (for at least one recipient).
    case sent
    /// Decided and deliberately not sent (`reason` says why).
    case skipped
}

/// Why a ledger snapshot is kept.
public enum SnapshotPurpose: Sendable, Hashable {
    /// The last ledger that read without file-level errors (one, replaced).
    case lastGood
    /// The ledger as the digest of that week saw it (kept, never replaced).
    case digest(ISOWeek)

    /// The `purpose` and `key` columns, as every store writes them.
    public var columns: (purpose: String, key: String) { (kind.rawValue, key) }

    var kind: SnapshotRecord.Kind {
        switch self {
        case .lastGood: .lastGood
        case .digest: .digest
        }
    }

    var key: String {
        switch self {
        case .lastGood: "latest"
        case .digest(let week): week.description
        }
    }
}

/// A row of `notificationLog`: one identity, decided once.
struct LogEntry: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "notificationLog"

    var key: String
    var taskID: String
    var kind: String
    var step: Int
    var about: String
    var state: LogState
    var reason: String?
    var messageID: String?
    var recordedAt: Date
    var sentAt: Date?

    enum Columns {
        static let key = Column(CodingKeys.key)
        static let taskID = Column(CodingKeys.taskID)
        static let kind = Column(CodingKeys.kind)
        static let step = Column(CodingKeys.step)
        static let state = Column(CodingKeys.state)
        static let messageID = Column(CodingKeys.messageID)
        static let sentAt = Column(CodingKeys.sentAt)
        static let recordedAt = Column(CodingKeys.recordedAt)
    }

    init(_ identity: NotificationIdentity, state: LogState, reason: String?, messageID: String?, at now: Date) {
        key = identity.key
        taskID = identity.task.rawValue
        kind = identity.kind.rawValue
        step = identity.step
        about = identity.about.description
        self.state = state
        self.reason = reason
        self.messageID = messageID
        recordedAt = now
    }
}

/// A row of `outbox`: one message waiting to be delivered, or delivered, or
/// given up on (kept, never deleted; after `[state] keep_bodies_days` the
/// body of a sent message is dropped and its headers stay).
public struct OutboxEntry: Codable, FetchableRecord, PersistableRecord, Sendable {
    public static let databaseTableName = "outbox"

    public var id: Int64?
    public var messageID: String
    public var kind: String
    public var level: Int?
    public var slot: Date
    /// JSON: `{"to": [...], "cc": [...]}` addresses, for `status` and queries.
    public var recipients: String
    public var subject: String
    /// The envelope sender (MAIL FROM).
    public var sender: String
    /// JSON array of envelope recipients (RCPT TO) still to be sent to: all
    /// of them at first, only those refused for now after a partial delivery.
    public var envelopeRecipients: String
    /// The rendered message, exactly the bytes that go out (CRLF line ends).
    /// Empty once dropped by retention.
    public var mime: Data
    /// JSON of the planned message, with full copies of its tasks as they
    /// were when it was queued. Empty once dropped by retention.
    public var payload: Data
    public var state: OutboxState
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var createdAt: Date
    public var sentAt: Date?
    /// The pid of the process sending it right now (v2).
    public var claimedBy: Int64?
    public var claimedAt: Date?
    /// When the server first accepted it for at least one recipient (v2).
    public var deliveredAt: Date?
    /// When retention dropped `mime` and `payload` (v2).
    public var bodyDroppedAt: Date?

    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let messageID = Column(CodingKeys.messageID)
        static let state = Column(CodingKeys.state)
        static let nextAttemptAt = Column(CodingKeys.nextAttemptAt)
        static let slot = Column(CodingKeys.slot)
        static let sentAt = Column(CodingKeys.sentAt)
        static let claimedBy = Column(CodingKeys.claimedBy)
        static let bodyDroppedAt = Column(CodingKeys.bodyDroppedAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The message as planned.
    public func message() throws -> PlannedMessage {
        try JSONDecoder.duban.decode(PlannedMessage.self, from: payload)
    }

    public var recipientList: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(envelopeRecipients.utf8))) ?? []
    }

    /// The To and Cc addresses as planned (not only those still waiting).
    public var addressees: [String] {
        guard let lists = try? JSONDecoder().decode([String: [String]].self, from: Data(recipients.utf8)) else { return recipientList }
        return (lists["to"] ?? []) + (lists["cc"] ?? [])
    }
}

extension OutboxEntry {
    /// A row as another store read it (PostgreSQL): every column.
    public init(storedID id: Int64?, messageID: String, kind: String, level: Int?, slot: Date, recipients: String, subject: String, sender: String,
                envelopeRecipients: String, mime: Data, payload: Data, state: OutboxState, attempts: Int, nextAttemptAt: Date?,
                lastError: String?, createdAt: Date, sentAt: Date?, claimedBy: Int64?, claimedAt: Date?, deliveredAt: Date?,
                bodyDroppedAt: Date?) {
        self.id = id
        self.messageID = messageID
        self.kind = kind
        self.level = level
        self.slot = slot
        self.recipients = recipients
        self.subject = subject
        self.sender = sender
        self.envelopeRecipients = envelopeRecipients
        self.mime = mime
        self.payload = payload
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.sentAt = sentAt
        self.claimedBy = claimedBy
        self.claimedAt = claimedAt
        self.deliveredAt = deliveredAt
        self.bodyDroppedAt = bodyDroppedAt
    }
}

/// A row of `refusedRecipient` (v2): one recipient the server refused for
/// good (5xx, or 4xx until `give_up_after_hours`) while others accepted.
public struct RefusedRecipient: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "refusedRecipient"
    public var id: Int64?
    public var messageID: String
    public var address: String
    /// The server's reply ("550 5.1.1 no such user").
    public var reply: String
    public var refusedAt: Date

    public enum Columns {
        static let messageID = Column(CodingKeys.messageID)
        static let refusedAt = Column(CodingKeys.refusedAt)
    }

    public init(storedID id: Int64?, messageID: String, address: String, reply: String, refusedAt: Date) {
        self.id = id
        self.messageID = messageID
        self.address = address
        self.reply = reply
        self.refusedAt = refusedAt
    }
}

struct TaskObservation: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "taskObservation"
    var taskID: String
    var completedFirstSeen: String
}

struct SnapshotRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "ledgerSnapshot"

    /// The `purpose` column (see `SnapshotPurpose`).
    enum Kind: String, Codable, DatabaseValueConvertible {
        case lastGood = "last-good"
        case digest
    }

    var id: Int64?
    var purpose: Kind
    var key: String
    var takenAt: Date
    var payload: Data

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let purpose = Column(CodingKeys.purpose)
        static let key = Column(CodingKeys.key)
        static let takenAt = Column(CodingKeys.takenAt)
    }
}

struct MetaRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "meta"
    var key: String
    var value: String
}

extension JSONEncoder {
    static var duban: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension JSONDecoder {
    static var duban: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// A rendered message ready for the outbox.
public struct OutgoingMail: Sendable {
    public var message: PlannedMessage
    public var subject: String
    public var sender: String
    public var recipients: [String]
    public var mime: [UInt8]

    public init(message: PlannedMessage, subject: String, sender: String, recipients: [String], mime: [UInt8]) {
        self.message = message
        self.subject = subject
        self.sender = sender
        self.recipients = recipients
        self.mime = mime
    }
}
