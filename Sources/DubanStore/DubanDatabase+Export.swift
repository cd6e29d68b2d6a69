public import DubanCore
public import Foundation
import GRDB

extension DubanDatabase {
    /// Which log entries `notices(_:)` returns. Nil fields do not filter.
    public struct NoticeQuery: Sendable, Equatable {
        /// Entries recorded at or after this instant.
        public var from: Date?
        /// Entries recorded before this instant.
        public var until: Date?
        /// One task id (or a digest's audience, such as `digest`).
        public var task: String?

        public init(from: Date? = nil, until: Date? = nil, task: String? = nil) {
            self.from = from
            self.until = until
            self.task = task
        }
    }

    /// One notification-log entry with what became of its message: the
    /// 督办记录 that `duban export` writes.
    public struct LoggedNotice: Sendable, Equatable {
        public var identity: NotificationIdentity?
        /// The raw log key, kept for an entry whose key no longer parses.
        public var key: String
        public var taskID: String
        public var kind: String
        public var step: Int
        /// `queued`, `sent` or `skipped`.
        public var state: String
        /// Why a skipped entry was skipped (a `SkipReason` raw value).
        public var reason: String?
        public var recordedAt: Date
        public var messageID: String?
        public var subject: String?
        public var to: [String]
        public var cc: [String]
        /// The outbox state: `pending`, `sent` or `failed`; nil for a skipped entry.
        public var delivery: String?
        public var attempts: Int?
        public var lastError: String?
        public var deliveredAt: Date?
        /// The problem and department of the task as the message carried it
        /// when it was queued; nil when there is no message (skipped) or the
        /// message is not about this task (a digest).
        public var problem: String?
        public var department: String?

        public init(identity: NotificationIdentity?, key: String, taskID: String, kind: String, step: Int, state: String, reason: String?,
                    recordedAt: Date, messageID: String?, subject: String?, to: [String], cc: [String], delivery: String?, attempts: Int?,
                    lastError: String?, deliveredAt: Date?, problem: String?, department: String?) {
            self.identity = identity
            self.key = key
            self.taskID = taskID
            self.kind = kind
            self.step = step
            self.state = state
            self.reason = reason
            self.recordedAt = recordedAt
            self.messageID = messageID
            self.subject = subject
            self.to = to
            self.cc = cc
            self.delivery = delivery
            self.attempts = attempts
            self.lastError = lastError
            self.deliveredAt = deliveredAt
            self.problem = problem
            self.department = department
        }
    }

    /// Log entries matching `query`, oldest first, joined with their outbox
    /// message. Reads only: safe on a database opened read-only while the
    /// daemon runs.
    public func notices(_ query: NoticeQuery) async throws -> [LoggedNotice] {
        try await writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT l.key, l.taskID, l.kind, l.step, l.state, l.reason, l.recordedAt, l.sentAt, l.messageID,
                       o.subject, o.recipients, o.state AS delivery, o.attempts, o.lastError, o.sentAt AS deliveredAt
                FROM notificationLog l LEFT JOIN outbox o ON o.messageID = l.messageID
                WHERE (:from IS NULL OR l.recordedAt >= :from)
                  AND (:until IS NULL OR l.recordedAt < :until)
                  AND (:task IS NULL OR l.taskID = :task)
                ORDER BY l.recordedAt, l.key
                """, arguments: ["from": query.from, "until": query.until, "task": query.task])
            // A message carries copies of its tasks; decode each message once.
            var tasksOf: [String: [String: RectificationTask]] = [:]
            func task(_ id: String, in messageID: String) throws -> RectificationTask? {
                if let known = tasksOf[messageID] { return known[id] }
                var tasks: [String: RectificationTask] = [:]
                if let payload = try Data.fetchOne(db, sql: "SELECT payload FROM outbox WHERE messageID = ?", arguments: [messageID]) {
                    let message = try JSONDecoder.duban.decode(PlannedMessage.self, from: payload)
                    for item in message.items { tasks[item.task.id.rawValue] = item.task }
                }
                tasksOf[messageID] = tasks
                return tasks[id]
            }
            return try rows.map { row in
                let key: String = row["key"]
                let taskID: String = row["taskID"]
                let messageID: String? = row["messageID"]
                var to: [String] = [], cc: [String] = []
                if let json: String = row["recipients"],
                   let parsed = try? JSONDecoder().decode([String: [String]].self, from: Data(json.utf8)) {
                    to = parsed["to"] ?? []
                    cc = parsed["cc"] ?? []
                }
                let copy = try messageID.flatMap { try task(taskID, in: $0) }
                return LoggedNotice(
                    identity: NotificationIdentity(key: key), key: key, taskID: taskID, kind: row["kind"], step: row["step"],
                    state: row["state"], reason: row["reason"], recordedAt: row["recordedAt"], messageID: messageID,
                    subject: row["subject"], to: to, cc: cc, delivery: row["delivery"], attempts: row["attempts"],
                    lastError: row["lastError"], deliveredAt: (row["deliveredAt"] as Date?) ?? (row["sentAt"] as Date?),
                    problem: copy?.problemNumber, department: copy?.department)
            }
        }
    }
}
