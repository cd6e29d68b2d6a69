public import Foundation
import GRDB

/// Every row of a state database, table by table, as plain values: what
/// `duban migrate-state` carries from the SQLite file to PostgreSQL. Ids are
/// kept (the delivery loop pages the outbox by id; the log points at
/// messages by Message-ID).
public struct StateDump: Sendable {
    public struct LogRow: Sendable, Equatable {
        public var key, taskID, kind: String
        public var step: Int
        public var about, state: String
        public var reason, messageID: String?
        public var recordedAt: Date
        public var sentAt: Date?
    }

    public struct SnapshotRow: Sendable, Equatable {
        public var id: Int64
        public var purpose, key: String
        public var takenAt: Date
        public var payload: Data
    }

    public struct DeadlineRow: Sendable, Equatable {
        public var taskID, deadline, since: String
        public var changed: Bool
    }

    /// A row of `deadlineChange` (`v4-ext`).
    public struct DeadlineChangeRow: Sendable, Equatable {
        public var id: Int64
        public var taskID, fromDate, toDate, seenOn: String
        public var approver: String?
    }

    /// A row of `statusSighting` or `deadlineSighting` (`v4-loop`): `value`
    /// is the status, or the deadline as the ledger gave it.
    public struct SightingRow: Sendable, Equatable {
        public var id: Int64
        public var taskID, value, seenOn: String
    }

    public var outbox: [OutboxEntry] = []
    public var log: [LogRow] = []
    public var refused: [RefusedRecipient] = []
    /// taskID → the day it was first seen completed.
    public var completions: [String: String] = [:]
    public var deadlines: [DeadlineRow] = []
    /// 延期 (`v4-ext`): taskID → the day a pending request was first read;
    /// taskID → the due date last read; every due date change seen.
    public var extensionRequests: [String: String] = [:]
    public var dueDatesSeen: [String: String] = [:]
    public var deadlineChanges: [DeadlineChangeRow] = []
    /// The loop after 完成 (`v4-loop`): each status and deadline as reads
    /// saw them change, in id order (the order is the history).
    public var statusSightings: [SightingRow] = []
    public var deadlineSightings: [SightingRow] = []
    public var snapshots: [SnapshotRow] = []
    public var meta: [String: String] = [:]

    public init() {}
}

extension DubanDatabase {
    /// Every row, read in one transaction (a consistent copy).
    public func dump() async throws(StoreError) -> StateDump {
        try await read("reading the whole database") { db in
            var dump = StateDump()
            dump.outbox = try OutboxEntry.order(OutboxEntry.Columns.id).fetchAll(db)
            dump.log = try Row.fetchAll(db, sql: "SELECT * FROM notificationLog ORDER BY recordedAt, key").map { row in
                StateDump.LogRow(key: row["key"], taskID: row["taskID"], kind: row["kind"], step: row["step"], about: row["about"],
                                 state: row["state"], reason: row["reason"], messageID: row["messageID"], recordedAt: row["recordedAt"],
                                 sentAt: row["sentAt"])
            }
            dump.refused = try RefusedRecipient.order(Column("id")).fetchAll(db)
            for row in try TaskObservation.fetchAll(db) { dump.completions[row.taskID] = row.completedFirstSeen }
            dump.deadlines = try Row.fetchAll(db, sql: "SELECT * FROM deadlineObservation ORDER BY taskID").map { row in
                StateDump.DeadlineRow(taskID: row["taskID"], deadline: row["deadline"], since: row["since"], changed: row["changed"])
            }
            dump.extensionRequests = try Self.pendingRows(db)
            for row in try Row.fetchAll(db, sql: "SELECT taskID, dueDate FROM dueDateSeen") { dump.dueDatesSeen[row["taskID"]] = row["dueDate"] }
            dump.deadlineChanges = try Row.fetchAll(db, sql: "SELECT * FROM deadlineChange ORDER BY id").map { row in
                StateDump.DeadlineChangeRow(id: row["id"], taskID: row["taskID"], fromDate: row["fromDate"], toDate: row["toDate"],
                                            seenOn: row["seenOn"], approver: row["approver"])
            }
            dump.statusSightings = try Row.fetchAll(db, sql: "SELECT id, taskID, status, seenOn FROM statusSighting ORDER BY id").map { row in
                StateDump.SightingRow(id: row["id"], taskID: row["taskID"], value: row["status"], seenOn: row["seenOn"])
            }
            dump.deadlineSightings = try Row.fetchAll(db, sql: "SELECT id, taskID, deadline, seenOn FROM deadlineSighting ORDER BY id").map { row in
                StateDump.SightingRow(id: row["id"], taskID: row["taskID"], value: row["deadline"], seenOn: row["seenOn"])
            }
            dump.snapshots = try SnapshotRecord.order(Column("id")).fetchAll(db).map { record in
                StateDump.SnapshotRow(id: record.id ?? 0, purpose: record.purpose.rawValue, key: record.key, takenAt: record.takenAt, payload: record.payload)
            }
            for record in try MetaRecord.fetchAll(db) { dump.meta[record.key] = record.value }
            return dump
        }
    }
}
