public import DubanCore
public import Foundation
import GRDB

/// When Duban first saw each task's current deadline (table
/// `deadlineObservation`). The planner needs it to tell a deadline that
/// changed (a typo corrected into the past: the ladder starts at level 1)
/// from downtime (only the highest step is sent).
extension DubanDatabase {
    /// One row per task: its current due date, the day Duban first saw it,
    /// and whether it replaced an earlier date (or the task appeared in a
    /// ledger Duban was already watching).
    public struct DeadlineRow: Sendable {
        public var deadline: String
        public var since: String
        public var changed: Bool

        public init(deadline: String, since: String, changed: Bool) {
            self.deadline = deadline
            self.since = since
            self.changed = changed
        }
    }

    /// Records the due dates of `deadlines` as seen `today` and returns, for
    /// each task whose current date replaced an earlier one, the day that
    /// happened. The very first observation of a database changes nothing:
    /// a first start is catch-up, not a change.
    public func observeDeadlines(_ deadlines: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.DeadlineChanges {
        try await write("recording deadlines") { db in
            let known = try Self.deadlineRows(db)
            let first = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'deadlines_observed_since'") == nil
            let (updates, changes) = Self.compare(known: known, current: deadlines, today: today, first: first)
            for (task, row) in updates {
                try db.execute(sql: """
                    INSERT INTO deadlineObservation (taskID, deadline, since, changed) VALUES (?, ?, ?, ?)
                    ON CONFLICT(taskID) DO UPDATE SET deadline = excluded.deadline, since = excluded.since, changed = excluded.changed
                    """, arguments: [task, row.deadline, row.since, row.changed])
            }
            if first {
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('deadlines_observed_since', ?)", arguments: [today.description])
            }
            return changes
        }
    }

    /// The same answer without recording anything (`preview`): a date not
    /// seen before counts as changed today, unless nothing was ever observed.
    public func deadlineChanges(_ deadlines: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.DeadlineChanges {
        try await read("reading deadlines") { db in
            let known = try Self.deadlineRows(db)
            let first = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'deadlines_observed_since'") == nil
            return Self.compare(known: known, current: deadlines, today: today, first: first).changes
        }
    }

    static func deadlineRows(_ db: Database) throws -> [String: DeadlineRow] {
        var rows: [String: DeadlineRow] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT taskID, deadline, since, changed FROM deadlineObservation")
        while let row = try cursor.next() {
            rows[row["taskID"]] = DeadlineRow(deadline: row["deadline"], since: row["since"], changed: row["changed"])
        }
        return rows
    }

    /// Rows to write and the changes they mean. Rows of tasks no longer in
    /// the ledger are kept: a task that comes back with the same date has
    /// not changed.
    public static func compare(known: [String: DeadlineRow], current: [TaskID: LocalDate], today: LocalDate, first: Bool)
        -> (updates: [(String, DeadlineRow)], changes: Planner.DeadlineChanges) {
        var updates: [(String, DeadlineRow)] = []
        var changes: Planner.DeadlineChanges = [:]
        for (task, deadline) in current {
            let date = deadline.description
            if let row = known[task.rawValue], row.deadline == date {
                if row.changed, let since = LocalDate(row.since) { changes[task] = since }
                continue
            }
            let row = DeadlineRow(deadline: date, since: today.description, changed: !first)
            updates.append((task.rawValue, row))
            if row.changed { changes[task] = today }
        }
        return (updates, changes)
    }
}
