public import DubanCore
public import Foundation
import GRDB

/// What the weekly digest reads from the state database beyond the log's
/// identities: the notices actually sent, the snapshots of earlier digests
/// (trend and stale progress), and the snapshot of one past week.
extension DubanDatabase {
    /// A notice the log records as sent (the server accepted it).
    public struct SentNotice: Sendable, Equatable {
        public var kind: NotificationKind
        public var step: Int
        public var at: Date
    }

    /// Notices sent per task, oldest first. Digests are not about a task and
    /// are left out; queued or skipped notices were not sent.
    public func sentNotices() async throws(StoreError) -> [TaskID: [SentNotice]] {
        try await read("reading the notices sent") { db in
            var result: [TaskID: [SentNotice]] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT taskID, kind, step, sentAt FROM notificationLog
                WHERE state = 'sent' AND kind != 'digest' AND sentAt IS NOT NULL ORDER BY sentAt, key
                """)
            while let row = try rows.next() {
                // A kind this build does not know (a newer Duban wrote it) is still a notice sent.
                let kind = NotificationKind(rawValue: row["kind"]) ?? .reminder
                result[TaskID(row["taskID"] as String), default: []].append(SentNotice(kind: kind, step: row["step"], at: row["sentAt"]))
            }
            return result
        }
    }

    /// The weeks whose digest kept a snapshot, before `week`, oldest first.
    public func digestSnapshotWeeks(before week: ISOWeek) async throws(StoreError) -> [ISOWeek] {
        try await read("listing earlier digests' snapshots") { db in
            try String.fetchAll(db, sql: "SELECT key FROM ledgerSnapshot WHERE purpose = ? AND key < ? ORDER BY key",
                                arguments: [SnapshotRecord.Kind.digest.rawValue, week.description]).compactMap(ISOWeek.init)
        }
    }

    /// Every meta value whose key starts with `prefix`, by key.
    public func metaValues(prefix: String) async throws(StoreError) -> [String: String] {
        try await read("reading \(prefix)…") { db in
            var result: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", arguments: [prefix.count, prefix]) {
                result[row["key"]] = row["value"]
            }
            return result
        }
    }

    /// Calls `body` with each digest snapshot kept before `week` (only those
    /// of `only`, when given), oldest first, one at a time (a large ledger's
    /// snapshots are decoded one by one and dropped), and returns what it returned.
    public func digestHistory<T: Sendable>(before week: ISOWeek, only: Set<ISOWeek>? = nil,
                                           _ body: @escaping @Sendable (ISOWeek, Date, LedgerSnapshot) throws -> T) async throws(StoreError) -> [T] {
        try await read("reading earlier digests' snapshots") { db in
            var result: [T] = []
            let keys = try Row.fetchAll(db, sql: "SELECT id, key, takenAt FROM ledgerSnapshot WHERE purpose = ? AND key < ? ORDER BY key",
                                        arguments: [SnapshotRecord.Kind.digest.rawValue, week.description])
            for key in keys {
                guard let found = ISOWeek(key["key"] as String), only?.contains(found) ?? true else { continue }
                guard let payload = try Data.fetchOne(db, sql: "SELECT payload FROM ledgerSnapshot WHERE id = ?", arguments: [key["id"] as Int64])
                else { continue }
                result.append(try body(found, key["takenAt"], try self.decodeSnapshot(payload, name: "the digest snapshot of \(found)")))
            }
            return result
        }
    }

    /// The ledger as the digest of `week` saw it, and when, if it was kept.
    public func digestSnapshot(of week: ISOWeek) async throws(StoreError) -> (snapshot: LedgerSnapshot, takenAt: Date)? {
        try await read("reading the digest snapshot of \(week)") { db in
            let record = try SnapshotRecord.filter(SnapshotRecord.Columns.purpose == SnapshotRecord.Kind.digest
                                                   && SnapshotRecord.Columns.key == week.description).fetchOne(db)
            return try record.map { (try self.decodeSnapshot($0.payload, name: "the digest snapshot of \(week)"), $0.takenAt) }
        }
    }

    /// The subject of a queued message, if it is in the outbox.
    public func outboxSubject(messageID: String) async throws(StoreError) -> String? {
        try await read("reading the outbox") { db in
            try String.fetchOne(db, sql: "SELECT subject FROM outbox WHERE messageID = ?", arguments: [messageID])
        }
    }
}

extension DubanDatabase.SentNotice {
    /// A row as another store read it (PostgreSQL).
    public init(storedKind kind: NotificationKind, step: Int, at: Date) {
        self.init(kind: kind, step: step, at: at)
    }
}
