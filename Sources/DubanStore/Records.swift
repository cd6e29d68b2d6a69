public import DubanCore
public import Foundation
public import GRDB

/// A row of `notificationLog`: one identity, decided once.
struct LogEntry: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "notificationLog"

    var key: String
    var taskID: String
    var kind: String
    var step: Int
    var about: String
    /// `queued` (in the outbox), `sent`, or `skipped` (decided, not sent).
    var state: String
    var reason: String?
    var messageID: String?
    var recordedAt: Date
    var sentAt: Date?

    enum Columns {
        static let key = Column(CodingKeys.key)
        static let state = Column(CodingKeys.state)
        static let messageID = Column(CodingKeys.messageID)
        static let sentAt = Column(CodingKeys.sentAt)
        static let recordedAt = Column(CodingKeys.recordedAt)
    }

    init(_ identity: NotificationIdentity, state: String, reason: String?, messageID: String?, at now: Date) {
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
/// given up on (kept, never deleted).
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
    /// JSON array of envelope recipients (RCPT TO).
    public var envelopeRecipients: String
    /// The rendered message, exactly the bytes that go out (CRLF line ends).
    public var mime: Data
    /// JSON of the planned message, with full copies of its tasks as they
    /// were when it was queued: what the mail is rendered from.
    public var payload: Data
    /// `pending`, `sent` or `failed`.
    public var state: String
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var createdAt: Date
    public var sentAt: Date?

    public enum Columns {
        static let messageID = Column("messageID")
        static let state = Column("state")
        static let nextAttemptAt = Column("nextAttemptAt")
        static let slot = Column("slot")
        static let id = Column("id")
        static let sentAt = Column("sentAt")
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
}

struct TaskObservation: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "taskObservation"
    var taskID: String
    var completedFirstSeen: String
}

struct SnapshotRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "ledgerSnapshot"
    var id: Int64?
    var purpose: String
    var key: String
    var takenAt: Date
    var payload: Data
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
