public import DubanCore
public import Foundation
import GRDB

// Read-only queries for the web console and /metrics (DubanConsole). They use
// GRDB's async `read` so a page being rendered never holds up a pass, and the
// same string column names as the rest of the store.
extension DubanDatabase {
    /// One outbox message as the console shows it: everything but its MIME bytes.
    public struct ConsoleMessage: Sendable {
        public var messageID: String
        public var kind: String
        public var level: Int?
        public var slot: Date
        public var to: [String]
        public var cc: [String]
        public var subject: String
        /// `pending`, `sent` or `failed`.
        public var state: String
        public var attempts: Int
        public var nextAttemptAt: Date?
        public var lastError: String?
        public var createdAt: Date
        public var sentAt: Date?
        /// The tasks the message is about, from the notification log.
        public var tasks: [TaskID]

        public init(messageID: String, kind: String, level: Int?, slot: Date, to: [String], cc: [String], subject: String, state: String,
                    attempts: Int, nextAttemptAt: Date?, lastError: String?, createdAt: Date, sentAt: Date?, tasks: [TaskID]) {
            self.messageID = messageID
            self.kind = kind
            self.level = level
            self.slot = slot
            self.to = to
            self.cc = cc
            self.subject = subject
            self.state = state
            self.attempts = attempts
            self.nextAttemptAt = nextAttemptAt
            self.lastError = lastError
            self.createdAt = createdAt
            self.sentAt = sentAt
            self.tasks = tasks
        }
    }

    /// One decided notification (a row of the log), with the message that carried it, if any.
    public struct ConsoleNotice: Sendable {
        public var identity: NotificationIdentity
        /// `queued`, `sent` or `skipped`.
        public var state: String
        /// Why a skipped notification was not sent.
        public var reason: String?
        public var recordedAt: Date
        public var sentAt: Date?
        public var message: ConsoleMessage?

        public init(identity: NotificationIdentity, state: String, reason: String?, recordedAt: Date, sentAt: Date?, message: ConsoleMessage?) {
            self.identity = identity
            self.state = state
            self.reason = reason
            self.recordedAt = recordedAt
            self.sentAt = sentAt
            self.message = message
        }
    }

    /// A ledger snapshot kept in the store: the weekly digest copies and the daemon's last good copy.
    public struct ConsoleSnapshot: Sendable {
        public var purpose: String
        public var key: String
        public var takenAt: Date
        public var snapshot: LedgerSnapshot

        public init(purpose: String, key: String, takenAt: Date, snapshot: LedgerSnapshot) {
            self.purpose = purpose
            self.key = key
            self.takenAt = takenAt
            self.snapshot = snapshot
        }
    }

    /// What the planner and the figures need from the store, read in one transaction.
    public struct ConsoleFacts: Sendable {
        public var logged: Set<NotificationIdentity>
        public var completedFirstSeen: Planner.FirstSeenCompleted
        public var highestEscalation: [TaskID: Int]
        public var outbox: OutboxCounts
        /// The Monday of the latest leadership digest week that was delivered.
        public var lastDigestSent: LocalDate?
        /// When the daemon last stored a ledger that read cleanly.
        public var lastGoodLedgerAt: Date?

        public init(logged: Set<NotificationIdentity>, completedFirstSeen: Planner.FirstSeenCompleted, highestEscalation: [TaskID: Int],
                    outbox: OutboxCounts, lastDigestSent: LocalDate?, lastGoodLedgerAt: Date?) {
            self.logged = logged
            self.completedFirstSeen = completedFirstSeen
            self.highestEscalation = highestEscalation
            self.outbox = outbox
            self.lastDigestSent = lastDigestSent
            self.lastGoodLedgerAt = lastGoodLedgerAt
        }
    }

    public func consoleFacts() async throws -> ConsoleFacts {
        try await writer.read { db in
            var logged = Set<NotificationIdentity>()
            let keys = try String.fetchCursor(db, sql: "SELECT key FROM notificationLog")
            while let key = try keys.next() {
                if let identity = NotificationIdentity(key: key) { logged.insert(identity) }
            }
            var firstSeen: Planner.FirstSeenCompleted = [:]
            for row in try Row.fetchAll(db, sql: "SELECT taskID, completedFirstSeen FROM taskObservation") {
                if let day = LocalDate(row["completedFirstSeen"] as String) { firstSeen[TaskID(row["taskID"] as String)] = day }
            }
            var escalations: [TaskID: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT taskID, MAX(step) AS step FROM notificationLog
                WHERE kind = 'escalation' AND state IN ('queued', 'sent') GROUP BY taskID
                """) {
                escalations[TaskID(row["taskID"] as String)] = row["step"]
            }
            func count(_ state: String) throws -> Int {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = ?", arguments: [state]) ?? 0
            }
            let outbox = OutboxCounts(pending: try count("pending"), sent: try count("sent"), failed: try count("failed"))
            let digest = try String.fetchOne(db, sql: """
                SELECT MAX(about) FROM notificationLog WHERE kind = 'digest' AND taskID = 'digest' AND state = 'sent'
                """)
            let lastGood = try Date.fetchOne(db, sql: "SELECT takenAt FROM ledgerSnapshot WHERE purpose = 'last-good' ORDER BY takenAt DESC LIMIT 1")
            return ConsoleFacts(logged: logged, completedFirstSeen: firstSeen, highestEscalation: escalations, outbox: outbox,
                                lastDigestSent: digest.flatMap(LocalDate.init), lastGoodLedgerAt: lastGood)
        }
    }

    /// Every message: failed first, then pending (oldest slot first), then the
    /// `sentLimit` most recently sent.
    public func consoleMessages(sentLimit: Int) async throws -> [ConsoleMessage] {
        try await writer.read { db in
            let tasks = try Self.tasksByMessage(db)
            let columns = "messageID, kind, level, slot, recipients, subject, state, attempts, nextAttemptAt, lastError, createdAt, sentAt"
            let open = try Row.fetchAll(db, sql: """
                SELECT \(columns) FROM outbox WHERE state IN ('failed', 'pending')
                ORDER BY CASE state WHEN 'failed' THEN 0 ELSE 1 END, slot, id
                """)
            let sent = try Row.fetchAll(db, sql: "SELECT \(columns) FROM outbox WHERE state = 'sent' ORDER BY sentAt DESC, id DESC LIMIT ?",
                                        arguments: [sentLimit])
            return (open + sent).map { Self.message($0, tasks: tasks) }
        }
    }

    /// The log, newest first; with `task`, only that task's notices.
    public func consoleNotices(task: TaskID?, limit: Int) async throws -> [ConsoleNotice] {
        try await writer.read { db in
            let rows: [Row]
            let select = """
                SELECT l.key, l.state AS logState, l.reason, l.recordedAt AS recordedAt, l.sentAt AS logSentAt,
                       o.messageID, o.kind, o.level, o.slot, o.recipients, o.subject, o.state, o.attempts, o.nextAttemptAt,
                       o.lastError, o.createdAt, o.sentAt
                FROM notificationLog l LEFT JOIN outbox o ON o.messageID = l.messageID
                """
            if let task {
                rows = try Row.fetchAll(db, sql: "\(select) WHERE l.taskID = ? ORDER BY l.recordedAt, l.key", arguments: [task.rawValue])
            } else {
                rows = try Row.fetchAll(db, sql: "\(select) ORDER BY l.recordedAt DESC, l.key LIMIT ?", arguments: [limit])
            }
            let tasks = try Self.tasksByMessage(db)
            return rows.compactMap { row -> ConsoleNotice? in
                guard let identity = NotificationIdentity(key: row["key"]) else { return nil }
                let hasMessage = (row["messageID"] as String?) != nil
                return ConsoleNotice(identity: identity, state: row["logState"], reason: row["reason"], recordedAt: row["recordedAt"],
                                     sentAt: row["logSentAt"], message: hasMessage ? Self.message(row, tasks: tasks) : nil)
            }
        }
    }

    /// Every stored snapshot, oldest first.
    public func consoleSnapshots() async throws -> [ConsoleSnapshot] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT purpose, key, takenAt, payload FROM ledgerSnapshot ORDER BY takenAt, id").map { row in
                ConsoleSnapshot(purpose: row["purpose"], key: row["key"], takenAt: row["takenAt"],
                                snapshot: try self.decodeSnapshot(row["payload"] as Data))
            }
        }
    }

    private static func tasksByMessage(_ db: Database) throws -> [String: [TaskID]] {
        var result: [String: [TaskID]] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT messageID, taskID FROM notificationLog WHERE messageID IS NOT NULL ORDER BY key")
        while let row = try rows.next() {
            let id = TaskID(row["taskID"] as String)
            let message: String = row["messageID"]
            if !(result[message]?.contains(id) ?? false) { result[message, default: []].append(id) }
        }
        return result
    }

    /// The `recipients` column's JSON (`{"to": […], "cc": […]}`), as both stores keep it.
    public static func recipientLists(_ json: String?) -> (to: [String], cc: [String]) {
        let lists = json.flatMap { try? JSONDecoder().decode([String: [String]].self, from: Data($0.utf8)) } ?? [:]
        return (lists["to"] ?? [], lists["cc"] ?? [])
    }

    private static func message(_ row: Row, tasks: [String: [TaskID]]) -> ConsoleMessage {
        let recipients = Self.recipientLists(row["recipients"] as String?)
        let id: String = row["messageID"]
        return ConsoleMessage(
            messageID: id, kind: row["kind"], level: row["level"], slot: row["slot"], to: recipients.to, cc: recipients.cc,
            subject: row["subject"], state: row["state"], attempts: row["attempts"], nextAttemptAt: row["nextAttemptAt"],
            lastError: row["lastError"], createdAt: row["createdAt"], sentAt: row["sentAt"], tasks: tasks[id] ?? [])
    }
}
