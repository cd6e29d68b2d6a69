public import DubanCore
public import DubanStore
public import Foundation
import PostgresNIO

// The web console's, /metrics' and `duban export`'s reads, as
// DubanDatabase+Console.swift and DubanDatabase+Export.swift do them in SQLite.
extension PostgresStore {
    public func consoleFacts() async throws -> DubanDatabase.ConsoleFacts {
        // One transaction: the figures agree with each other.
        try await write("reading the console's figures") { [logger] connection in
            var logged = Set<NotificationIdentity>()
            for try await key in try await connection.query("SELECT key FROM notificationLog", logger: logger).decode(String.self) {
                if let identity = NotificationIdentity(key: key) { logged.insert(identity) }
            }
            var firstSeen: Planner.FirstSeenCompleted = [:]
            for try await (task, day) in try await connection.query(
                "SELECT taskID, completedFirstSeen FROM taskObservation", logger: logger).decode((String, String).self) {
                if let day = LocalDate(day) { firstSeen[TaskID(task)] = day }
            }
            var escalations: [TaskID: Int] = [:]
            for try await (task, step) in try await connection.query("""
                SELECT taskID, MAX(step) FROM notificationLog WHERE kind = 'escalation' AND state IN ('queued', 'sent') GROUP BY taskID
                """, logger: logger).decode((String, Int).self) {
                escalations[TaskID(task)] = step
            }
            let counts = try await Self.rows(connection, """
                SELECT COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = 'sent'), COUNT(*) FILTER (WHERE state = 'failed')
                FROM outbox
                """, logger: logger)[0]
            let outbox = OutboxCounts(pending: try counts[0].decode(Int.self), sent: try counts[1].decode(Int.self), failed: try counts[2].decode(Int.self))
            let digest = try await Self.rows(connection, """
                SELECT MAX(about) FROM notificationLog WHERE kind = 'digest' AND taskID = 'digest' AND state = 'sent'
                """, logger: logger).first.flatMap { try $0[0].decode(String?.self) }
            let lastGood = try await Self.rows(connection, """
                SELECT takenAt FROM ledgerSnapshot WHERE purpose = 'last-good' ORDER BY takenAt DESC LIMIT 1
                """, logger: logger).first.map { try $0[0].decode(Date.self) }
            return DubanDatabase.ConsoleFacts(logged: logged, completedFirstSeen: firstSeen, highestEscalation: escalations, outbox: outbox,
                                              lastDigestSent: digest.flatMap(LocalDate.init), lastGoodLedgerAt: lastGood)
        }
    }

    public func consoleMessages(sentLimit: Int) async throws -> [DubanDatabase.ConsoleMessage] {
        try await write("reading the outbox for the console") { [logger] connection in
            let tasks = try await Self.tasksByMessage(connection, logger: logger)
            let open = try await Self.rows(connection, """
                SELECT \(unescaped: Self.consoleColumns) FROM outbox WHERE state IN ('failed', 'pending')
                ORDER BY CASE state WHEN 'failed' THEN 0 ELSE 1 END, slot, id
                """, logger: logger)
            let sent = try await Self.rows(connection, """
                SELECT \(unescaped: Self.consoleColumns) FROM outbox WHERE state = 'sent' ORDER BY sentAt DESC, id DESC LIMIT \(sentLimit)
                """, logger: logger)
            return try (open + sent).map { try Self.consoleMessage($0, from: 0, tasks: tasks) }
        }
    }

    public func consoleNotices(task: TaskID?, limit: Int) async throws -> [DubanDatabase.ConsoleNotice] {
        try await write("reading the log for the console") { [logger] connection in
            let select = """
                SELECT l.key, l.state, l.reason, l.recordedAt, l.sentAt, \(Self.consoleColumns.split(separator: ",").map { "o.\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", "))
                FROM notificationLog l LEFT JOIN outbox o ON o.messageID = l.messageID
                """
            let rows: [PostgresRandomAccessRow]
            if let task {
                rows = try await Self.rows(connection, "\(unescaped: select) WHERE l.taskID = \(task.rawValue) ORDER BY l.recordedAt, l.key COLLATE \"C\"", logger: logger)
            } else {
                rows = try await Self.rows(connection, "\(unescaped: select) ORDER BY l.recordedAt DESC, l.key COLLATE \"C\" LIMIT \(limit)", logger: logger)
            }
            let tasks = try await Self.tasksByMessage(connection, logger: logger)
            return try rows.compactMap { row -> DubanDatabase.ConsoleNotice? in
                guard let identity = NotificationIdentity(key: try row[0].decode(String.self)) else { return nil }
                let hasMessage = try row[5].decode(String?.self) != nil
                return DubanDatabase.ConsoleNotice(identity: identity, state: try row[1].decode(String.self), reason: try row[2].decode(String?.self),
                                                   recordedAt: try row[3].decode(Date.self), sentAt: try row[4].decode(Date?.self),
                                                   message: hasMessage ? try Self.consoleMessage(row, from: 5, tasks: tasks) : nil)
            }
        }
    }

    public func consoleSnapshots() async throws -> [DubanDatabase.ConsoleSnapshot] {
        try await read("reading snapshots for the console") { [logger, location] connection in
            var result: [DubanDatabase.ConsoleSnapshot] = []
            for try await (purpose, key, takenAt, payload) in try await connection.query(
                "SELECT purpose, key, takenAt, payload FROM ledgerSnapshot ORDER BY takenAt, id", logger: logger).decode((String, String, Date, Data).self) {
                result.append(.init(purpose: purpose, key: key, takenAt: takenAt, snapshot: try SnapshotCodec.decode(payload, in: location)))
            }
            return result
        }
    }

    public func notices(_ query: DubanDatabase.NoticeQuery) async throws -> [DubanDatabase.LoggedNotice] {
        try await write("reading the log for export") { [logger] connection in
            let rows = try await Self.rows(connection, """
                SELECT l.key, l.taskID, l.kind, l.step, l.state, l.reason, l.recordedAt, l.sentAt, l.messageID,
                       o.subject, o.recipients, o.state, o.attempts, o.lastError, o.sentAt
                FROM notificationLog l LEFT JOIN outbox o ON o.messageID = l.messageID
                WHERE (\(query.from)::TIMESTAMPTZ IS NULL OR l.recordedAt >= \(query.from))
                  AND (\(query.until)::TIMESTAMPTZ IS NULL OR l.recordedAt < \(query.until))
                  AND (\(query.task)::TEXT IS NULL OR l.taskID = \(query.task))
                ORDER BY l.recordedAt, l.key COLLATE "C"
                """, logger: logger)
            // A message carries copies of its tasks; decode each message once.
            var tasksOf: [String: [String: RectificationTask]] = [:]
            var result: [DubanDatabase.LoggedNotice] = []
            for row in rows {
                let key = try row[0].decode(String.self), taskID = try row[1].decode(String.self)
                let messageID = try row[8].decode(String?.self)
                var copy: RectificationTask?
                if let messageID {
                    if tasksOf[messageID] == nil {
                        var tasks: [String: RectificationTask] = [:]
                        if let payload = try await Self.rows(connection, "SELECT payload FROM outbox WHERE messageID = \(messageID)", logger: logger)
                            .first.map({ try $0[0].decode(Data.self) }) {
                            for item in try StateFormat.decode(PlannedMessage.self, from: payload).items { tasks[item.task.id.rawValue] = item.task }
                        }
                        tasksOf[messageID] = tasks
                    }
                    copy = tasksOf[messageID]?[taskID]
                }
                let lists = DubanDatabase.recipientLists(try row[10].decode(String?.self))
                result.append(DubanDatabase.LoggedNotice(
                    identity: NotificationIdentity(key: key), key: key, taskID: taskID, kind: try row[2].decode(String.self), step: try row[3].decode(Int.self),
                    state: try row[4].decode(String.self), reason: try row[5].decode(String?.self), recordedAt: try row[6].decode(Date.self),
                    messageID: messageID, subject: try row[9].decode(String?.self), to: lists.to, cc: lists.cc, delivery: try row[11].decode(String?.self),
                    attempts: try row[12].decode(Int?.self), lastError: try row[13].decode(String?.self),
                    deliveredAt: try row[14].decode(Date?.self) ?? row[7].decode(Date?.self),
                    problem: copy?.problemNumber, department: copy?.department))
            }
            return result
        }
    }

    static let consoleColumns = "messageID, kind, level, slot, recipients, subject, state, attempts, nextAttemptAt, lastError, createdAt, sentAt"

    /// A `ConsoleMessage` from the `consoleColumns` of `row`, starting at column `from`.
    static func consoleMessage(_ row: PostgresRandomAccessRow, from c: Int, tasks: [String: [TaskID]]) throws -> DubanDatabase.ConsoleMessage {
        let id = try row[c].decode(String.self)
        let lists = DubanDatabase.recipientLists(try row[c + 4].decode(String.self))
        return DubanDatabase.ConsoleMessage(
            messageID: id, kind: try row[c + 1].decode(String.self), level: try row[c + 2].decode(Int?.self), slot: try row[c + 3].decode(Date.self),
            to: lists.to, cc: lists.cc, subject: try row[c + 5].decode(String.self), state: try row[c + 6].decode(String.self),
            attempts: try row[c + 7].decode(Int.self), nextAttemptAt: try row[c + 8].decode(Date?.self), lastError: try row[c + 9].decode(String?.self),
            createdAt: try row[c + 10].decode(Date.self), sentAt: try row[c + 11].decode(Date?.self), tasks: tasks[id] ?? [])
    }

    /// The tasks of every message, from the log, in key order.
    static func tasksByMessage(_ connection: PostgresConnection, logger: Logger) async throws -> [String: [TaskID]] {
        var result: [String: [TaskID]] = [:]
        for try await (message, task) in try await connection.query(
            "SELECT messageID, taskID FROM notificationLog WHERE messageID IS NOT NULL ORDER BY key COLLATE \"C\"", logger: logger).decode((String, String).self) {
            let id = TaskID(task)
            if !(result[message]?.contains(id) ?? false) { result[message, default: []].append(id) }
        }
        return result
    }
}
