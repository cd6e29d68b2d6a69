public import DubanCore
public import DubanStore
public import Foundation
import PostgresNIO

// The loop after 完成, as DubanDatabase+Loop.swift does it in SQLite (migration `v4-loop`);
// the history is worked out by the same `DubanDatabase.loopChanges`.
extension PostgresStore {
    public func observeLoop(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.LoopFacts {
        try await write("recording statuses and deadlines") { [logger] connection in
            let (history, lastDeadline) = try await Self.sightings(connection, logger: logger)
            let (facts, statuses, deadlines) = DubanDatabase.loopChanges(history: history, lastDeadline: lastDeadline, snapshot, dueDates: dueDates, today: today)
            for (task, status) in statuses {
                try await Self.execute(connection, """
                    INSERT INTO statusSighting (taskID, status, seenOn) VALUES (\(task.rawValue), \(status.rawValue), \(today.description))
                    """, logger: logger)
            }
            for (task, deadline) in deadlines {
                try await Self.execute(connection, """
                    INSERT INTO deadlineSighting (taskID, deadline, seenOn) VALUES (\(task.rawValue), \(deadline), \(today.description))
                    """, logger: logger)
            }
            return Planner.LoopFacts(history: facts)
        }
    }

    public func loopFacts(_ snapshot: LedgerSnapshot, dueDates: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.LoopFacts {
        try await read("reading statuses") { [logger] connection in
            let (history, lastDeadline) = try await Self.sightings(connection, logger: logger)
            return Planner.LoopFacts(history: DubanDatabase.loopChanges(history: history, lastDeadline: lastDeadline, snapshot, dueDates: dueDates, today: today).history)
        }
    }

    public func deadlineHistory(for tasks: [TaskID]) async throws(StoreError) -> [TaskID: [DubanDatabase.DeadlineSighting]] {
        guard !tasks.isEmpty else { return [:] }
        let wanted = Array(Set(tasks.map(\.rawValue))).sorted()
        return try await read("reading deadline history") { [logger] connection in
            var result: [TaskID: [DubanDatabase.DeadlineSighting]] = [:]
            for try await (task, deadline, seenOn) in try await connection.query("""
                SELECT taskID, deadline, seenOn FROM deadlineSighting WHERE taskID = ANY(\(wanted)) ORDER BY id
                """, logger: logger).decode((String, String, String).self) {
                guard let on = LocalDate(seenOn) else { continue }
                result[TaskID(task), default: []].append(.init(deadline: deadline, seenOn: on))
            }
            return result
        }
    }

    public func sentNotices(for tasks: [TaskID]) async throws(StoreError) -> [TaskID: [DubanDatabase.AddressedNotice]] {
        guard !tasks.isEmpty else { return [:] }
        let wanted = Array(Set(tasks.map(\.rawValue))).sorted()
        return try await read("reading sent notices") { [logger] connection in
            var result: [TaskID: [DubanDatabase.AddressedNotice]] = [:]
            for try await (key, at, recipients) in try await connection.query("""
                SELECT l.key, COALESCE(l.sentAt, l.recordedAt), o.recipients FROM notificationLog l
                LEFT JOIN outbox o ON o.messageID = l.messageID
                WHERE l.taskID = ANY(\(wanted))
                  AND (l.state = 'sent' OR (l.state = 'queued' AND COALESCE(o.state, 'pending') = 'pending'))
                """, logger: logger).decode((String, Date, String?).self) {
                guard let identity = NotificationIdentity(key: key) else { continue }
                let lists = recipients.flatMap { try? JSONDecoder().decode([String: [String]].self, from: Data($0.utf8)) } ?? [:]
                result[identity.task, default: []].append(.init(identity: identity, at: at, to: lists["to"] ?? [], cc: lists["cc"] ?? []))
            }
            for task in result.keys { result[task]?.sort { ($0.at, $0.identity) < ($1.at, $1.identity) } }
            return result
        }
    }

    public func sentCounts(of kind: NotificationKind) async throws(StoreError) -> [TaskID: Int] {
        try await read("counting sent notices") { [logger] connection in
            var result: [TaskID: Int] = [:]
            for try await (task, count) in try await connection.query("""
                SELECT l.taskID, COUNT(*) FROM notificationLog l LEFT JOIN outbox o ON o.messageID = l.messageID
                WHERE l.kind = \(kind.rawValue) AND (l.state = 'sent' OR (l.state = 'queued' AND COALESCE(o.state, 'pending') = 'pending'))
                GROUP BY l.taskID
                """, logger: logger).decode((String, Int).self) {
                result[TaskID(task)] = count
            }
            return result
        }
    }

    private static func sightings(_ connection: PostgresConnection, logger: Logger) async throws
        -> (history: [TaskID: [Planner.StatusSighting]], lastDeadline: [TaskID: String]) {
        var history: [TaskID: [Planner.StatusSighting]] = [:]
        for try await (task, status, seenOn) in try await connection.query(
            "SELECT taskID, status, seenOn FROM statusSighting ORDER BY id", logger: logger).decode((String, String, String).self) {
            guard let status = TaskStatus(rawValue: status), let on = LocalDate(seenOn) else { continue }
            history[TaskID(task), default: []].append(.init(status: status, on: on))
        }
        var lastDeadline: [TaskID: String] = [:]
        for try await (task, deadline) in try await connection.query(
            "SELECT taskID, deadline FROM deadlineSighting ORDER BY id", logger: logger).decode((String, String).self) {
            lastDeadline[TaskID(task)] = deadline
        }
        return (history, lastDeadline)
    }
}
