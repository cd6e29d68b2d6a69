public import DubanCore
public import Foundation
import GRDB

/// What Duban saw of each task over time, for the loop after 完成 (tables
/// `statusSighting` and `deadlineSighting`, migration `v4-loop`): one row
/// each time a read of the ledger shows a task in another status, or with
/// another deadline. From them the planner learns when a task was first
/// seen accepted and when a closed or accepted task was seen open again
/// (`Planner.LoopFacts`), and a 约谈 notice carries the deadline history.
extension DubanDatabase {
    static func registerLoopMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-loop") { db in
            try db.create(table: "statusSighting") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("taskID", .text).notNull()
                t.column("status", .text).notNull().check { TaskStatus.allCases.map(\.rawValue).contains($0) }
                t.column("seenOn", .text).notNull()
            }
            try db.create(index: "statusSighting_task", on: "statusSighting", columns: ["taskID", "id"])
            try db.create(table: "deadlineSighting") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("taskID", .text).notNull()
                t.column("deadline", .text).notNull()
                t.column("seenOn", .text).notNull()
            }
            try db.create(index: "deadlineSighting_task", on: "deadlineSighting", columns: ["taskID", "id"])
        }
    }

    /// A task's deadline as the ledger gave it, from the day Duban first saw it.
    public struct DeadlineSighting: Sendable, Equatable {
        /// The due date (YYYY-MM-DD), or the cell as written when it has none.
        public var deadline: String
        public var seenOn: LocalDate

        public init(deadline: String, seenOn: LocalDate) {
            self.deadline = deadline
            self.seenOn = seenOn
        }
    }

    /// A notice about a task that the log shows as sent, with whom it was addressed to.
    public typealias AddressedNotice = DubanCore.AddressedNotice

    /// Records this read's statuses and deadlines (a row only where they
    /// changed since the last read) and returns the facts the planner needs.
    public func observeLoop(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.LoopFacts {
        try await write("recording statuses and deadlines") { db in
            let (history, newStatuses, newDeadlines) = try Self.loopChanges(db, snapshot, dueDates: dueDates, today: today)
            for (task, status) in newStatuses {
                try db.execute(sql: "INSERT INTO statusSighting (taskID, status, seenOn) VALUES (?, ?, ?)",
                               arguments: [task.rawValue, status.rawValue, today.description])
            }
            for (task, deadline) in newDeadlines {
                try db.execute(sql: "INSERT INTO deadlineSighting (taskID, deadline, seenOn) VALUES (?, ?, ?)",
                               arguments: [task.rawValue, deadline, today.description])
            }
            return Planner.LoopFacts(history: history)
        }
    }

    /// The same facts without recording anything (`preview`): this read
    /// counts as seen today.
    public func loopFacts(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.LoopFacts {
        try await read("reading statuses") { db in
            Planner.LoopFacts(history: try Self.loopChanges(db, snapshot, dueDates: dueDates, today: today).history)
        }
    }

    /// The history with this read appended, and what it adds.
    static func loopChanges(_ db: Database, _ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate) throws
        -> (history: [TaskID: [Planner.StatusSighting]], statuses: [(TaskID, TaskStatus)], deadlines: [(TaskID, String)]) {
        var history: [TaskID: [Planner.StatusSighting]] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT taskID, status, seenOn FROM statusSighting ORDER BY id")
        while let row = try rows.next() {
            guard let status = TaskStatus(rawValue: row["status"]), let on = LocalDate(row["seenOn"] as String) else { continue }
            history[TaskID(row["taskID"] as String), default: []].append(.init(status: status, on: on))
        }
        var lastDeadline: [TaskID: String] = [:]
        let deadlineRows = try Row.fetchCursor(db, sql: "SELECT taskID, deadline FROM deadlineSighting ORDER BY id")
        while let row = try deadlineRows.next() { lastDeadline[TaskID(row["taskID"] as String)] = row["deadline"] }
        return loopChanges(history: history, lastDeadline: lastDeadline, snapshot, dueDates: dueDates, today: today)
    }

    /// The same from the stored rows, whichever store read them (PostgresStore too).
    public static func loopChanges(history: [TaskID: [Planner.StatusSighting]], lastDeadline: [TaskID: String],
                                   _ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate)
        -> (history: [TaskID: [Planner.StatusSighting]], statuses: [(TaskID, TaskStatus)], deadlines: [(TaskID, String)]) {
        var history = history, lastDeadline = lastDeadline
        var statuses: [(TaskID, TaskStatus)] = []
        var deadlines: [(TaskID, String)] = []
        for task in snapshot.tasks {
            if history[task.id]?.last?.status != task.status {
                statuses.append((task.id, task.status))
                history[task.id, default: []].append(.init(status: task.status, on: today))
            }
            let deadline = dueDates[task.id]?.description ?? task.deadlineText
            if lastDeadline[task.id] != deadline {
                deadlines.append((task.id, deadline))
                lastDeadline[task.id] = deadline
            }
        }
        return (history, statuses, deadlines)
    }

    /// Each task's deadlines as Duban saw them, oldest first (a 约谈 dossier).
    public func deadlineHistory(for tasks: [TaskID]) async throws(StoreError) -> [TaskID: [DeadlineSighting]] {
        guard !tasks.isEmpty else { return [:] }
        let wanted = Array(Set(tasks.map(\.rawValue))).sorted()
        return try await read("reading deadline history") { db in
            var result: [TaskID: [DeadlineSighting]] = [:]
            for start in stride(from: 0, to: wanted.count, by: 500) {
                let page = Array(wanted[start..<min(start + 500, wanted.count)])
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT taskID, deadline, seenOn FROM deadlineSighting
                    WHERE taskID IN (\(page.map { _ in "?" }.joined(separator: ","))) ORDER BY id
                    """, arguments: StatementArguments(page))
                while let row = try rows.next() {
                    guard let on = LocalDate(row["seenOn"] as String) else { continue }
                    result[TaskID(row["taskID"] as String), default: []].append(DeadlineSighting(deadline: row["deadline"], seenOn: on))
                }
            }
            return result
        }
    }

    /// The condition "the log shows it as sent": sent, or queued in a
    /// message that is still going out (not one given up on).
    static let wentOut = "(l.state = 'sent' OR (l.state = 'queued' AND COALESCE(o.state, 'pending') = 'pending'))"

    /// Notices about these tasks that went out, oldest first, with their
    /// addressees (a 约谈 dossier, "已督办 N 次").
    public func sentNotices(for tasks: [TaskID]) async throws(StoreError) -> [TaskID: [AddressedNotice]] {
        guard !tasks.isEmpty else { return [:] }
        let wanted = Array(Set(tasks.map(\.rawValue))).sorted()
        return try await read("reading sent notices") { db in
            var result: [TaskID: [AddressedNotice]] = [:]
            for start in stride(from: 0, to: wanted.count, by: 500) {
                let page = Array(wanted[start..<min(start + 500, wanted.count)])
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT l.key, COALESCE(l.sentAt, l.recordedAt) AS at, o.recipients FROM notificationLog l
                    LEFT JOIN outbox o ON o.messageID = l.messageID
                    WHERE l.taskID IN (\(page.map { _ in "?" }.joined(separator: ","))) AND \(Self.wentOut)
                    """, arguments: StatementArguments(page))
                while let row = try rows.next() {
                    guard let identity = NotificationIdentity(key: row["key"]) else { continue }
                    let lists = (row["recipients"] as String?).flatMap { try? JSONDecoder().decode([String: [String]].self, from: Data($0.utf8)) } ?? [:]
                    result[identity.task, default: []].append(AddressedNotice(identity: identity, at: row["at"], to: lists["to"] ?? [], cc: lists["cc"] ?? []))
                }
            }
            for task in result.keys { result[task]?.sort { ($0.at, $0.identity) < ($1.at, $1.identity) } }
            return result
        }
    }

    /// How many notices of `kind` went out per task.
    public func sentCounts(of kind: NotificationKind) async throws(StoreError) -> [TaskID: Int] {
        try await read("counting sent notices") { db in
            var result: [TaskID: Int] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT l.taskID, COUNT(*) AS n FROM notificationLog l LEFT JOIN outbox o ON o.messageID = l.messageID
                WHERE l.kind = ? AND \(Self.wentOut) GROUP BY l.taskID
                """, arguments: [kind.rawValue])
            while let row = try rows.next() { result[TaskID(row["taskID"] as String)] = row["n"] }
            return result
        }
    }
}
