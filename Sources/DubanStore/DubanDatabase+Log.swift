public import DubanCore
public import Foundation
import GRDB

extension DubanDatabase {
    /// Every identity ever decided (queued, sent or skipped): the planner's
    /// "never again" set.
    public func loggedIdentities() async throws(StoreError) -> Set<NotificationIdentity> {
        try await read("reading the notification log") { db in
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
    ///
    /// An identity the log already holds is refused whole (nothing is
    /// queued): `alreadyRecorded`. When the log does not hold any of them and
    /// yet a unique key refuses them (the outbox still has the message, or
    /// an index still has the key), pages of the log were lost: that is
    /// `logDamaged`, with what to do.
    public func queue(_ mails: [OutgoingMail], skipped: [SkippedNotification], at now: Date) async throws(StoreError) {
        do {
            try await write("queueing \(mails.count) message(s)") { db in
                for mail in mails {
                    let message = mail.message
                    // Once per message: the id hashes every identity's key, sorted,
                    // and a message of a thousand items has a thousand log rows.
                    let messageID = message.id
                    let recipients = try JSONEncoder.duban.encode(["to": message.to.compactMap(\.email), "cc": message.cc.compactMap(\.email)])
                    var entry = OutboxEntry(
                        id: nil, messageID: messageID, kind: message.kind.rawValue, level: message.level, slot: message.slot,
                        recipients: String(decoding: recipients, as: UTF8.self), subject: mail.subject,
                        sender: mail.sender, envelopeRecipients: String(decoding: try JSONEncoder.duban.encode(mail.recipients), as: UTF8.self),
                        mime: Data(mail.mime), payload: try JSONEncoder.duban.encode(message), state: .pending, attempts: 0,
                        nextAttemptAt: nil, lastError: nil, createdAt: now, sentAt: nil)
                    try entry.insert(db)
                    for identity in message.identities {
                        try LogEntry(identity, state: .queued, reason: nil, messageID: messageID, at: now).insert(db)
                    }
                }
                for skip in skipped {
                    try LogEntry(skip.identity, state: .skipped, reason: skip.reason.rawValue, messageID: nil, at: now).insert(db)
                }
            }
        } catch where error.code == .query && error.message.contains("UNIQUE constraint failed") {
            let identities = mails.flatMap(\.message.identities) + skipped.map(\.identity)
            let keys = identities.map(\.key)
            let recorded = try await read("checking the notification log") { db in
                try String.fetchAll(db, sql: "SELECT key FROM notificationLog WHERE key IN (\(keys.map { _ in "?" }.joined(separator: ",")))",
                                    arguments: StatementArguments(keys))
            }
            if recorded.isEmpty && Set(keys).count == keys.count {
                throw StoreError(.logDamaged, "state database \(path): the notification log has lost notices that the outbox or its indexes still hold (\(error.message)), so every pass would plan them again. Nothing was queued. Stop Duban, keep a copy of the file, run `sqlite3 \(path) 'PRAGMA integrity_check'`, and restore the file from a backup; REINDEX would make Duban send the lost notices again")
            }
            throw StoreError(.alreadyRecorded, "state database \(path): a notice being queued is already in the log, nothing was queued: \(error.message)")
        }
    }

    /// Notices already queued or sent for these tasks (for "which notices
    /// were sent before"), oldest first. Reads only these tasks' rows (index
    /// on taskID, state), not the whole log.
    public func earlierNotices(for tasks: [TaskID]) async throws(StoreError) -> [TaskID: [EarlierNotice]] {
        guard !tasks.isEmpty else { return [:] }
        let wanted = Array(Set(tasks.map(\.rawValue))).sorted()
        return try await read("reading earlier notices") { db in
            var result: [TaskID: [EarlierNotice]] = [:]
            // SQLite caps the number of parameters: go in pages.
            for start in stride(from: 0, to: wanted.count, by: 500) {
                let page = Array(wanted[start..<min(start + 500, wanted.count)])
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT key, COALESCE(sentAt, recordedAt) AS at FROM notificationLog
                    WHERE taskID IN (\(page.map { _ in "?" }.joined(separator: ","))) AND state IN ('queued', 'sent')
                    """, arguments: StatementArguments(page))
                while let row = try rows.next() {
                    guard let identity = NotificationIdentity(key: row["key"]) else { continue }
                    result[identity.task, default: []].append(EarlierNotice(identity: identity, at: row["at"]))
                }
            }
            for task in result.keys { result[task]?.sort { $0.at < $1.at } }
            return result
        }
    }

    public typealias EarlierNotice = DubanStore.EarlierNotice

    /// The highest escalation step queued or sent per task.
    public func highestEscalations() async throws(StoreError) -> [TaskID: Int] {
        try await read("reading escalations") { db in
            var result: [TaskID: Int] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT taskID, MAX(step) AS step FROM notificationLog WHERE kind = 'escalation' AND state IN ('queued', 'sent') GROUP BY taskID")
            while let row = try rows.next() { result[TaskID(row["taskID"] as String)] = row["step"] }
            return result
        }
    }

    /// The recorded state of one identity, if any.
    public func logState(of identity: NotificationIdentity) async throws(StoreError) -> LogState? {
        try await read("reading the notification log") { db in
            try LogState.fetchOne(db, sql: "SELECT state FROM notificationLog WHERE key = ?", arguments: [identity.key])
        }
    }

    /// When an identity was recorded (queued or sent), if it was.
    public func recordedAt(_ identity: NotificationIdentity) async throws(StoreError) -> Date? {
        try await read("reading the notification log") { db in
            try Date.fetchOne(db, sql: "SELECT COALESCE(sentAt, recordedAt) FROM notificationLog WHERE key = ? AND state IN ('queued', 'sent')",
                              arguments: [identity.key])
        }
    }

    /// The day Duban first saw each completed-but-undated task completed,
    /// recording today for tasks seen completed for the first time and
    /// forgetting tasks that are no longer completed.
    public func observeCompletions(_ snapshot: LedgerSnapshot, today: LocalDate) async throws(StoreError) -> Planner.FirstSeenCompleted {
        try await write("recording completions") { db in
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
    public func completions(_ snapshot: LedgerSnapshot, today: LocalDate) async throws(StoreError) -> Planner.FirstSeenCompleted {
        try await read("reading completions") { db in
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

    public func setMeta(_ key: String, _ value: String) async throws(StoreError) {
        try await write("recording \(key)") { db in try MetaRecord(key: key, value: value).save(db) }
    }

    public func meta(_ key: String) async throws(StoreError) -> String? {
        try await read("reading \(key)") { db in try MetaRecord.fetchOne(db, key: key)?.value }
    }

    /// Keeps a snapshot for `purpose`. An existing one is kept, not
    /// overwritten: the first is the record. Returns whether it was stored.
    @discardableResult
    public func saveSnapshot(_ snapshot: LedgerSnapshot, for purpose: SnapshotPurpose, at now: Date) async throws(StoreError) -> Bool {
        try await write("keeping a ledger snapshot") { db in
            let existing = SnapshotRecord.filter(SnapshotRecord.Columns.purpose == purpose.kind && SnapshotRecord.Columns.key == purpose.key)
            if try existing.fetchCount(db) > 0 { return false }
            try SnapshotRecord(id: nil, purpose: purpose.kind, key: purpose.key, takenAt: now, payload: self.encodeSnapshot(snapshot)).insert(db)
            Self.dropBoundPayload(db)
            return true
        }
    }

    /// Stores a snapshot for `purpose`, replacing the previous one (the
    /// daemon's last good ledger).
    public func replaceSnapshot(_ snapshot: LedgerSnapshot, for purpose: SnapshotPurpose, at now: Date) async throws(StoreError) {
        try await write("keeping the last good ledger") { db in
            try SnapshotRecord.filter(SnapshotRecord.Columns.purpose == purpose.kind && SnapshotRecord.Columns.key == purpose.key).deleteAll(db)
            try SnapshotRecord(id: nil, purpose: purpose.kind, key: purpose.key, takenAt: now, payload: self.encodeSnapshot(snapshot)).insert(db)
            Self.dropBoundPayload(db)
        }
    }

    /// GRDB caches the insert statement, and a cached statement keeps its
    /// last arguments: the stored snapshot as a Swift `Data` and SQLite's
    /// own copy of the bound blob (74 MB each for 100k tasks when snapshots were JSON), held by the
    /// idle daemon until the next snapshot replaced them. Clearing the
    /// connection's statement caches frees both; the few statements a pass
    /// uses are prepared again next time.
    private static func dropBoundPayload(_ db: Database) {
        db.releaseMemory()
    }

    /// The last good ledger, if one was kept.
    public func lastGoodSnapshot() async throws(StoreError) -> LedgerSnapshot? {
        try await read("reading the last good ledger") { db in
            let record = try SnapshotRecord.filter(SnapshotRecord.Columns.purpose == SnapshotRecord.Kind.lastGood).fetchOne(db)
            return try record.map { try self.decodeSnapshot($0.payload, name: "the last good ledger") }
        }
    }

    /// The snapshot of the most recent digest before `week` (or the latest of all).
    public func latestDigestSnapshot(before week: ISOWeek?) async throws(StoreError) -> (week: ISOWeek, snapshot: LedgerSnapshot)? {
        try await read("reading the previous digest's snapshot") { db in
            var request = SnapshotRecord.filter(SnapshotRecord.Columns.purpose == SnapshotRecord.Kind.digest)
            if let week { request = request.filter(SnapshotRecord.Columns.key < week.description) }
            // Keys are YYYY-Www: they sort as weeks do.
            for record in try request.order(SnapshotRecord.Columns.key.desc).fetchAll(db) {
                guard let found = ISOWeek(record.key) else { continue }
                return (found, try self.decodeSnapshot(record.payload, name: "the digest snapshot of \(record.key)"))
            }
            return nil
        }
    }
}
