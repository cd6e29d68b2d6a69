public import DubanCore
public import Foundation
import GRDB

extension DubanDatabase {
    /// Every identity ever decided (queued, sent or skipped): the planner's
    /// "never again" set.
    public func loggedIdentities() throws -> Set<NotificationIdentity> {
        try writer.read { db in
            var result = Set<NotificationIdentity>()
            let keys = try String.fetchCursor(db, sql: "SELECT key FROM notificationLog")
            while let key = try keys.next() {
                if let identity = NotificationIdentity(key: key) { result.insert(identity) }
            }
            return result
        }
    }

    /// Queues planned messages and records skipped notifications — all in
    /// one transaction, so a crash can neither lose a message (it is in the
    /// outbox as soon as it is in the log) nor plan it twice (it is in the
    /// log as soon as it is in the outbox).
    public func queue(_ mails: [OutgoingMail], skipped: [SkippedNotification], at now: Date) throws {
        try writer.write { db in
            for mail in mails {
                let message = mail.message
                let recipients = try JSONEncoder.duban.encode(["to": message.to.compactMap(\.email), "cc": message.cc.compactMap(\.email)])
                var entry = OutboxEntry(
                    id: nil, messageID: message.id, kind: message.kind.rawValue, level: message.level, slot: message.slot,
                    recipients: String(decoding: recipients, as: UTF8.self), subject: mail.subject,
                    sender: mail.sender, envelopeRecipients: String(decoding: try JSONEncoder.duban.encode(mail.recipients), as: UTF8.self),
                    mime: Data(mail.mime), payload: try JSONEncoder.duban.encode(message), state: "pending", attempts: 0,
                    nextAttemptAt: nil, lastError: nil, createdAt: now, sentAt: nil)
                try entry.insert(db)
                for identity in message.identities {
                    try LogEntry(identity, state: "queued", reason: nil, messageID: message.id, at: now).insert(db)
                }
            }
            for skip in skipped {
                try LogEntry(skip.identity, state: "skipped", reason: skip.reason.rawValue, messageID: nil, at: now).insert(db)
            }
        }
    }

    /// Notices already queued or sent for these tasks (for "which notices
    /// were sent before"), oldest first.
    public func earlierNotices(for tasks: [TaskID]) throws -> [TaskID: [(identity: NotificationIdentity, at: Date)]] {
        guard !tasks.isEmpty else { return [:] }
        return try writer.read { db in
            var result: [TaskID: [(identity: NotificationIdentity, at: Date)]] = [:]
            let wanted = Set(tasks.map(\.rawValue))
            let rows = try Row.fetchCursor(db, sql: """
                SELECT key, taskID, COALESCE(sentAt, recordedAt) AS at FROM notificationLog
                WHERE state IN ('queued', 'sent') ORDER BY at
                """)
            while let row = try rows.next() {
                let taskID: String = row["taskID"]
                guard wanted.contains(taskID), let identity = NotificationIdentity(key: row["key"]) else { continue }
                result[identity.task, default: []].append((identity, row["at"]))
            }
            return result
        }
    }

    /// The highest escalation step queued or sent per task.
    public func highestEscalations() throws -> [TaskID: Int] {
        try writer.read { db in
            var result: [TaskID: Int] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT taskID, MAX(step) AS step FROM notificationLog WHERE kind = 'escalation' AND state IN ('queued', 'sent') GROUP BY taskID")
            while let row = try rows.next() { result[TaskID(row["taskID"] as String)] = row["step"] }
            return result
        }
    }

    /// The earliest time a pending message is due for another attempt.
    public func nextRetry() throws -> Date? {
        try writer.read { db in
            try Date.fetchOne(db, sql: "SELECT MIN(nextAttemptAt) FROM outbox WHERE state = 'pending' AND nextAttemptAt IS NOT NULL")
        }
    }

    /// Messages waiting for delivery whose next attempt is due, oldest slot first.
    public func deliverable(now: Date) throws -> [OutboxEntry] {
        try writer.read { db in
            try OutboxEntry
                .filter(OutboxEntry.Columns.state == "pending")
                .filter(OutboxEntry.Columns.nextAttemptAt == nil || OutboxEntry.Columns.nextAttemptAt <= now)
                .order(OutboxEntry.Columns.slot, OutboxEntry.Columns.id)
                .fetchAll(db)
        }
    }

    /// Marks a message delivered (after the server's 250) and its log entries sent, together.
    public func markSent(messageID: String, at now: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE outbox SET state = 'sent', sentAt = ?, attempts = attempts + 1, lastError = NULL WHERE messageID = ?",
                           arguments: [now, messageID])
            try db.execute(sql: "UPDATE notificationLog SET state = 'sent', sentAt = ? WHERE messageID = ?",
                           arguments: [now, messageID])
        }
    }

    /// Records a failed attempt: retried at `retryAt`, or given up (kept as
    /// `failed`, never deleted) when `retryAt` is nil.
    public func recordFailure(messageID: String, error: String, retryAt: Date?) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE outbox SET attempts = attempts + 1, lastError = ?, nextAttemptAt = ?, state = ? WHERE messageID = ?",
                arguments: [error, retryAt, retryAt == nil ? "failed" : "pending", messageID])
        }
    }

    public struct OutboxCounts: Sendable, Equatable {
        public var pending: Int
        public var sent: Int
        public var failed: Int

        public init(pending: Int, sent: Int, failed: Int) {
            self.pending = pending
            self.sent = sent
            self.failed = failed
        }
    }

    public func outboxCounts() throws -> OutboxCounts {
        try writer.read { db in
            func count(_ state: String) throws -> Int {
                try OutboxEntry.filter(OutboxEntry.Columns.state == state).fetchCount(db)
            }
            return OutboxCounts(pending: try count("pending"), sent: try count("sent"), failed: try count("failed"))
        }
    }

    /// All outbox entries in queue order (tests, `status`).
    public func outbox(state: String? = nil, limit: Int? = nil, newestFirst: Bool = false) throws -> [OutboxEntry] {
        try writer.read { db in
            var request = OutboxEntry.all()
            if let state { request = request.filter(OutboxEntry.Columns.state == state) }
            request = newestFirst ? request.order(OutboxEntry.Columns.id.desc) : request.order(OutboxEntry.Columns.id)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// The recorded state of one identity, if any: `queued`, `sent` or `skipped`.
    public func logState(of identity: NotificationIdentity) throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT state FROM notificationLog WHERE key = ?", arguments: [identity.key])
        }
    }

    /// The day Duban first saw each completed-but-undated task completed,
    /// recording today for tasks seen completed for the first time and
    /// forgetting tasks that are no longer completed.
    public func observeCompletions(_ snapshot: LedgerSnapshot, today: LocalDate) throws -> Planner.FirstSeenCompleted {
        try writer.write { db in
            var known: [String: String] = [:]
            for row in try TaskObservation.fetchAll(db) { known[row.taskID] = row.completedFirstSeen }
            var current = Set<String>()
            var result: Planner.FirstSeenCompleted = [:]
            for task in snapshot.tasks where task.status == .completed && task.completedOn == nil {
                current.insert(task.id.rawValue)
                if let seen = known[task.id.rawValue], let day = LocalDate(seen) {
                    result[task.id] = day
                } else {
                    try TaskObservation(taskID: task.id.rawValue, completedFirstSeen: today.description).insert(db)
                    result[task.id] = today
                }
            }
            for stale in known.keys where !current.contains(stale) {
                _ = try TaskObservation.deleteOne(db, key: stale)
            }
            return result
        }
    }

    /// The same, without recording anything (read-only callers).
    public func completions(_ snapshot: LedgerSnapshot, today: LocalDate) throws -> Planner.FirstSeenCompleted {
        try writer.read { db in
            var known: [String: String] = [:]
            for row in try TaskObservation.fetchAll(db) { known[row.taskID] = row.completedFirstSeen }
            var result: Planner.FirstSeenCompleted = [:]
            for task in snapshot.tasks where task.status == .completed && task.completedOn == nil {
                result[task.id] = known[task.id.rawValue].flatMap(LocalDate.init) ?? today
            }
            return result
        }
    }

    // MARK: - Meta and snapshots

    public func setMeta(_ key: String, _ value: String) throws {
        try writer.write { db in try MetaRecord(key: key, value: value).save(db) }
    }

    public func meta(_ key: String) throws -> String? {
        try writer.read { db in try MetaRecord.fetchOne(db, key: key)?.value }
    }

    /// Keeps a snapshot under (purpose, key), e.g. ("digest", "2026-W27").
    /// An existing one is kept, not overwritten: the first is the record.
    @discardableResult
    public func saveSnapshot(_ snapshot: LedgerSnapshot, purpose: String, key: String, at now: Date) throws -> Bool {
        try writer.write { db in
            if try SnapshotRecord.filter(Column("purpose") == purpose && Column("key") == key).fetchCount(db) > 0 { return false }
            try SnapshotRecord(id: nil, purpose: purpose, key: key, takenAt: now, payload: try JSONEncoder.duban.encode(snapshot)).insert(db)
            return true
        }
    }

    /// Stores a snapshot under (purpose, key), replacing the previous one
    /// (the daemon's "last good ledger").
    public func replaceSnapshot(_ snapshot: LedgerSnapshot, purpose: String, key: String, at now: Date) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM ledgerSnapshot WHERE purpose = ? AND key = ?", arguments: [purpose, key])
            try SnapshotRecord(id: nil, purpose: purpose, key: key, takenAt: now, payload: try JSONEncoder.duban.encode(snapshot)).insert(db)
        }
    }

    /// The most recent snapshot for `purpose` whose key sorts before `key` (or the latest of all).
    public func latestSnapshot(purpose: String, before key: String? = nil) throws -> (key: String, snapshot: LedgerSnapshot)? {
        try writer.read { db in
            var request = SnapshotRecord.filter(Column("purpose") == purpose)
            if let key { request = request.filter(Column("key") < key) }
            guard let record = try request.order(Column("key").desc).fetchOne(db) else { return nil }
            return (record.key, try JSONDecoder.duban.decode(LedgerSnapshot.self, from: record.payload))
        }
    }
}
