public import DubanCore
public import DubanStore
public import Foundation
import PostgresNIO

// 延期, as DubanDatabase+Extensions.swift does it in SQLite (migration `v4-ext`).
// Dates are stored as their ISO text, so they compare in "C" order as days.
extension PostgresStore {
    public func observeExtensions(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate)
        async throws(StoreError) -> Planner.ExtensionFacts {
        try await write("recording extension requests and deadline changes") { [logger] connection in
            var facts = Planner.ExtensionFacts()
            let known = try await Self.pendingRequests(connection, logger: logger)
            let seen = try await Self.dueDatesSeen(connection, logger: logger)
            for task in snapshot.tasks {
                let id = task.id.rawValue
                if task.deadlineExtension?.isPending == true, !task.status.isDone {
                    if let since = known[id].flatMap(LocalDate.init) {
                        facts.pendingSince[task.id] = since
                    } else {
                        try await Self.execute(connection, """
                            INSERT INTO extensionRequest (taskID, since) VALUES (\(id), \(today.description))
                            ON CONFLICT (taskID) DO UPDATE SET since = excluded.since
                            """, logger: logger)
                        facts.pendingSince[task.id] = today
                    }
                } else if known[id] != nil {
                    try await Self.execute(connection, "DELETE FROM extensionRequest WHERE taskID = \(id)", logger: logger)
                }
                guard let due = dueDates[task.id] else { continue }
                let date = due.description
                if let before = seen[id], before == date { continue }
                if let before = seen[id] {
                    let granted = task.deadlineExtension.flatMap { $0.isApproved && $0.newDeadline == due ? $0.approver : nil }
                    try await Self.execute(connection, """
                        INSERT INTO deadlineChange (taskID, fromDate, toDate, seenOn, approver)
                        VALUES (\(id), \(before), \(date), \(today.description), \(granted))
                        """, logger: logger)
                }
                try await Self.execute(connection, """
                    INSERT INTO dueDateSeen (taskID, dueDate) VALUES (\(id), \(date))
                    ON CONFLICT (taskID) DO UPDATE SET dueDate = excluded.dueDate
                    """, logger: logger)
            }
            return facts
        }
    }

    public func extensionFacts(_ snapshot: LedgerSnapshot, today: LocalDate) async throws(StoreError) -> Planner.ExtensionFacts {
        try await read("reading extension requests") { [logger] connection in
            let known = try await Self.pendingRequests(connection, logger: logger)
            var facts = Planner.ExtensionFacts()
            for task in snapshot.tasks where task.deadlineExtension?.isPending == true && !task.status.isDone {
                facts.pendingSince[task.id] = known[task.id.rawValue].flatMap(LocalDate.init) ?? today
            }
            return facts
        }
    }

    public func deadlineChanges(seenSince since: LocalDate) async throws(StoreError) -> [Digest.DeadlineChange] {
        try await read("reading deadline changes") { [logger] connection in
            var changes: [Digest.DeadlineChange] = []
            for try await (task, from, to, seenOn, approver) in try await connection.query("""
                SELECT taskID, fromDate, toDate, seenOn, approver FROM deadlineChange
                WHERE seenOn COLLATE "C" >= \(since.description) ORDER BY seenOn COLLATE "C", id
                """, logger: logger).decode((String, String, String, String, String?).self) {
                // Like SQLite's: a row whose dates do not read is left out (only Duban writes them).
                guard let from = LocalDate(from), let to = LocalDate(to), let seen = LocalDate(seenOn) else { continue }
                changes.append(Digest.DeadlineChange(task: task, from: from, to: to, seenOn: seen, approver: approver))
            }
            return changes
        }
    }

    public func unapprovedDueDateChanges(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate])
        async throws(StoreError) -> [(task: RectificationTask, from: LocalDate, to: LocalDate)] {
        let seen = try await read("reading the due dates last seen") { [logger] connection in
            try await Self.dueDatesSeen(connection, logger: logger)
        }
        var result: [(task: RectificationTask, from: LocalDate, to: LocalDate)] = []
        for task in snapshot.tasks {
            guard let due = dueDates[task.id], let before = seen[task.id.rawValue].flatMap(LocalDate.init), before != due else { continue }
            if let granted = task.deadlineExtension, granted.isApproved, granted.newDeadline == due { continue }
            result.append((task, before, due))
        }
        return result
    }

    private static func pendingRequests(_ connection: PostgresConnection, logger: Logger) async throws -> [String: String] {
        var rows: [String: String] = [:]
        for try await (task, since) in try await connection.query("SELECT taskID, since FROM extensionRequest", logger: logger).decode((String, String).self) {
            rows[task] = since
        }
        return rows
    }

    private static func dueDatesSeen(_ connection: PostgresConnection, logger: Logger) async throws -> [String: String] {
        var rows: [String: String] = [:]
        for try await (task, due) in try await connection.query("SELECT taskID, dueDate FROM dueDateSeen", logger: logger).decode((String, String).self) {
            rows[task] = due
        }
        return rows
    }
}
