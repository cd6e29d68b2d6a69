public import DubanCore
public import Foundation
import GRDB

/// What Duban saw of 延期 over time (migration `v4-ext`):
/// - `extensionRequest`: the day the first read showed each pending
///   request, which the pause and the office's notices count from;
/// - `dueDateSeen` and `deadlineChange`: every change of a task's due date
///   between two reads, with the approver when an approved extension made
///   it. A change without one is a 台账异常 (unapproved change).
extension DubanDatabase {
    static func registerExtensionMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-ext") { db in
            try db.create(table: "extensionRequest") { t in
                t.primaryKey("taskID", .text)
                t.column("since", .text).notNull()
            }
            try db.create(table: "dueDateSeen") { t in
                t.primaryKey("taskID", .text)
                t.column("dueDate", .text).notNull()
            }
            try db.create(table: "deadlineChange") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("taskID", .text).notNull()
                t.column("fromDate", .text).notNull()
                t.column("toDate", .text).notNull()
                t.column("seenOn", .text).notNull()
                // NULL: nobody approved it (the 台账异常); else 延期批准人.
                t.column("approver", .text)
            }
            try db.create(index: "deadlineChange_seenOn", on: "deadlineChange", columns: ["seenOn"])
        }
    }

    /// Records what this read shows of extension requests and due dates, and
    /// returns the planner's facts. `dueDates` are the planner's
    /// (`Planner.dueDates`), so an approved extension is already the due date.
    ///
    /// A request that is no longer pending (approved, withdrawn) is
    /// forgotten: filed again later, it counts from its new first read. A
    /// task missing from this read keeps its row.
    public func observeExtensions(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate)
        async throws(StoreError) -> Planner.ExtensionFacts {
        try await write("recording extension requests and deadline changes") { db in
            var facts = Planner.ExtensionFacts()
            let known = try Self.pendingRows(db)
            var seen: [String: String] = [:]
            let cursor = try Row.fetchCursor(db, sql: "SELECT taskID, dueDate FROM dueDateSeen")
            while let row = try cursor.next() { seen[row["taskID"]] = row["dueDate"] }
            for task in snapshot.tasks {
                let id = task.id.rawValue
                if task.deadlineExtension?.isPending == true, !task.status.isDone {
                    if let since = known[id].flatMap(LocalDate.init) {
                        facts.pendingSince[task.id] = since
                    } else {
                        try db.execute(sql: "INSERT OR REPLACE INTO extensionRequest (taskID, since) VALUES (?, ?)", arguments: [id, today.description])
                        facts.pendingSince[task.id] = today
                    }
                } else if known[id] != nil {
                    try db.execute(sql: "DELETE FROM extensionRequest WHERE taskID = ?", arguments: [id])
                }
                guard let due = dueDates[task.id] else { continue }
                let date = due.description
                if let before = seen[id], before == date { continue }
                if let before = seen[id] {
                    let granted = task.deadlineExtension.flatMap { $0.isApproved && $0.newDeadline == due ? $0.approver : nil }
                    try db.execute(sql: "INSERT INTO deadlineChange (taskID, fromDate, toDate, seenOn, approver) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [id, before, date, today.description, granted])
                }
                try db.execute(sql: "INSERT OR REPLACE INTO dueDateSeen (taskID, dueDate) VALUES (?, ?)", arguments: [id, date])
            }
            return facts
        }
    }

    /// The same facts without recording anything (`preview`, the digest): a
    /// pending request not yet recorded counts from `today`.
    public func extensionFacts(_ snapshot: LedgerSnapshot, today: LocalDate) async throws(StoreError) -> Planner.ExtensionFacts {
        try await read("reading extension requests") { db in
            let known = try Self.pendingRows(db)
            var facts = Planner.ExtensionFacts()
            for task in snapshot.tasks where task.deadlineExtension?.isPending == true && !task.status.isDone {
                facts.pendingSince[task.id] = known[task.id.rawValue].flatMap(LocalDate.init) ?? today
            }
            return facts
        }
    }

    /// Deadline changes seen on `since` or later, oldest first.
    public func deadlineChanges(seenSince since: LocalDate) async throws(StoreError) -> [Digest.DeadlineChange] {
        try await read("reading deadline changes") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT taskID, fromDate, toDate, seenOn, approver FROM deadlineChange WHERE seenOn >= ? ORDER BY seenOn, id
                """, arguments: [since.description])
            return rows.compactMap { row in
                guard let from = LocalDate(row["fromDate"]), let to = LocalDate(row["toDate"]), let seen = LocalDate(row["seenOn"]) else { return nil }
                return Digest.DeadlineChange(task: row["taskID"], from: from, to: to, seenOn: seen, approver: row["approver"])
            }
        }
    }

    static func pendingRows(_ db: Database) throws -> [String: String] {
        var rows: [String: String] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT taskID, since FROM extensionRequest")
        while let row = try cursor.next() { rows[row["taskID"]] = row["since"] }
        return rows
    }
}

extension DubanDatabase {
    /// Tasks whose due date now differs from the one last read, where no
    /// approved extension gives the new date (`check`: the change the next
    /// pass records as a 台账异常). Reads only.
    public func unapprovedDueDateChanges(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate])
        async throws(StoreError) -> [(task: RectificationTask, from: LocalDate, to: LocalDate)] {
        let seen = try await read("reading the due dates last seen") { db in
            var seen: [String: String] = [:]
            let cursor = try Row.fetchCursor(db, sql: "SELECT taskID, dueDate FROM dueDateSeen")
            while let row = try cursor.next() { seen[row["taskID"]] = row["dueDate"] }
            return seen
        }
        var result: [(task: RectificationTask, from: LocalDate, to: LocalDate)] = []
        for task in snapshot.tasks {
            guard let due = dueDates[task.id], let before = seen[task.id.rawValue].flatMap(LocalDate.init), before != due else { continue }
            if let granted = task.deadlineExtension, granted.isApproved, granted.newDeadline == due { continue }
            result.append((task, before, due))
        }
        return result
    }
}
