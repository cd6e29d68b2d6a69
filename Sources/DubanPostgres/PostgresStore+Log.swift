public import DubanCore
public import DubanStore
public import Foundation
import PostgresNIO

// The notification log and the observations, as DubanDatabase+Log.swift and
// DubanDatabase+Deadlines.swift do them in SQLite.
extension PostgresStore {
    public func loggedIdentities() async throws(StoreError) -> Set<NotificationIdentity> {
        try await read("reading the notification log") { [logger] connection in
            var result = Set<NotificationIdentity>()
            for try await key in try await connection.query("SELECT key FROM notificationLog", logger: logger).decode(String.self) {
                if let identity = NotificationIdentity(key: key) { result.insert(identity) }
            }
            return result
        }
    }

    public func queue(_ mails: [OutgoingMail], skipped: [SkippedNotification], at now: Date) async throws(StoreError) {
        do {
            try await client.withTransaction(logger: logger) { [logger] connection in
                for mail in mails {
                    let message = mail.message
                    // Once per message, not per log row (see DubanDatabase.queue).
                    let messageID = message.id
                    let recipients = String(decoding: try StateFormat.encode(["to": message.to.compactMap(\.email), "cc": message.cc.compactMap(\.email)]), as: UTF8.self)
                    let envelope = String(decoding: try StateFormat.encode(mail.recipients), as: UTF8.self)
                    let payload = try StateFormat.encode(message)
                    try await Self.execute(connection, """
                        INSERT INTO outbox (messageID, kind, level, slot, recipients, subject, sender, envelopeRecipients, mime, payload,
                                            state, attempts, createdAt)
                        VALUES (\(messageID), \(message.kind.rawValue), \(message.level), \(message.slot), \(recipients), \(mail.subject),
                                \(mail.sender), \(envelope), \(Data(mail.mime)), \(payload), 'pending', 0, \(now))
                        """, logger: logger)
                    for identity in message.identities {
                        try await Self.insertLog(connection, identity, state: "queued", reason: nil, messageID: messageID, at: now, logger: logger)
                    }
                }
                for skip in skipped {
                    try await Self.insertLog(connection, skip.identity, state: "skipped", reason: skip.reason.rawValue, messageID: nil, at: now, logger: logger)
                }
            }
        } catch where StoreError.isUniqueViolation(error) {
            let keys = (mails.flatMap(\.message.identities) + skipped.map(\.identity)).map(\.key)
            let recorded = try await read("checking the notification log") { [logger] connection in
                try await Self.rows(connection, "SELECT key FROM notificationLog WHERE key = ANY(\(keys))", logger: logger)
                    .map { try $0[0].decode(String.self) }
            }
            if recorded.isEmpty && Set(keys).count == keys.count {
                throw StoreError(.logDamaged, "state database \(location): the notification log has lost notices that the outbox still holds, so every pass would plan them again. Nothing was queued. Stop Duban and restore the schema from a backup; deleting outbox rows would make Duban send the lost notices again")
            }
            throw StoreError(.alreadyRecorded, "state database \(location): a notice being queued is already in the log, nothing was queued")
        } catch {
            throw StoreError(postgres: error, doing: "queueing \(mails.count) message(s)", location: location)
        }
    }

    static func insertLog(_ connection: PostgresConnection, _ identity: NotificationIdentity, state: String, reason: String?,
                          messageID: String?, at now: Date, logger: Logger) async throws {
        try await execute(connection, """
            INSERT INTO notificationLog (key, taskID, kind, step, about, state, reason, messageID, recordedAt)
            VALUES (\(identity.key), \(identity.task.rawValue), \(identity.kind.rawValue), \(identity.step), \(identity.about.description),
                    \(state), \(reason), \(messageID), \(now))
            """, logger: logger)
    }

    public func earlierNotices(for tasks: [TaskID]) async throws(StoreError) -> [TaskID: [EarlierNotice]] {
        guard !tasks.isEmpty else { return [:] }
        let wanted = Array(Set(tasks.map(\.rawValue))).sorted()
        return try await read("reading earlier notices") { [logger] connection in
            var result: [TaskID: [EarlierNotice]] = [:]
            let rows = try await connection.query("""
                SELECT key, COALESCE(sentAt, recordedAt) FROM notificationLog
                WHERE taskID = ANY(\(wanted)) AND state IN ('queued', 'sent')
                """, logger: logger)
            for try await (key, at) in rows.decode((String, Date).self) {
                guard let identity = NotificationIdentity(key: key) else { continue }
                result[identity.task, default: []].append(EarlierNotice(identity: identity, at: at))
            }
            for task in result.keys { result[task]?.sort { $0.at < $1.at } }
            return result
        }
    }

    public func highestEscalations() async throws(StoreError) -> [TaskID: Int] {
        try await read("reading escalations") { [logger] connection in
            var result: [TaskID: Int] = [:]
            let rows = try await connection.query("""
                SELECT taskID, MAX(step) FROM notificationLog WHERE kind = 'escalation' AND state IN ('queued', 'sent') GROUP BY taskID
                """, logger: logger)
            for try await (task, step) in rows.decode((String, Int).self) { result[TaskID(task)] = step }
            return result
        }
    }

    public func logState(of identity: NotificationIdentity) async throws(StoreError) -> LogState? {
        let text = try await read("reading the notification log") { [logger] connection in
            try await Self.rows(connection, "SELECT state FROM notificationLog WHERE key = \(identity.key)", logger: logger)
                .first.map { try $0[0].decode(String.self) }
        }
        guard let text else { return nil }
        guard let state = LogState(rawValue: text) else {
            throw StoreError(.corrupt, "state database \(location): the log holds an unknown state \"\(text)\" for \(identity.key)")
        }
        return state
    }

    public func recordedAt(_ identity: NotificationIdentity) async throws(StoreError) -> Date? {
        try await read("reading the notification log") { [logger] connection in
            try await Self.rows(connection, """
                SELECT COALESCE(sentAt, recordedAt) FROM notificationLog WHERE key = \(identity.key) AND state IN ('queued', 'sent')
                """, logger: logger).first.map { try $0[0].decode(Date.self) }
        }
    }

    // MARK: - Observations

    public func observeCompletions(_ snapshot: LedgerSnapshot, today: LocalDate) async throws(StoreError) -> Planner.FirstSeenCompleted {
        try await write("recording completions") { [logger] connection in
            let known = try await Self.completionRows(connection, logger: logger)
            var current = Set<String>()
            var result: Planner.FirstSeenCompleted = [:]
            for task in snapshot.tasks where task.status == .completed && task.completedOn == nil {
                current.insert(task.id.rawValue)
                if let seen = known[task.id.rawValue], let day = LocalDate(seen) {
                    result[task.id] = day
                } else {
                    try await Self.execute(connection, """
                        INSERT INTO taskObservation (taskID, completedFirstSeen) VALUES (\(task.id.rawValue), \(today.description))
                        """, logger: logger)
                    result[task.id] = today
                }
            }
            let stale = known.keys.filter { !current.contains($0) }
            if !stale.isEmpty {
                try await Self.execute(connection, "DELETE FROM taskObservation WHERE taskID = ANY(\(Array(stale)))", logger: logger)
            }
            return result
        }
    }

    public func completions(_ snapshot: LedgerSnapshot, today: LocalDate) async throws(StoreError) -> Planner.FirstSeenCompleted {
        try await read("reading completions") { [logger] connection in
            let known = try await Self.completionRows(connection, logger: logger)
            var result: Planner.FirstSeenCompleted = [:]
            for task in snapshot.tasks where task.status == .completed && task.completedOn == nil {
                result[task.id] = known[task.id.rawValue].flatMap(LocalDate.init) ?? today
            }
            return result
        }
    }

    private static func completionRows(_ connection: PostgresConnection, logger: Logger) async throws -> [String: String] {
        var known: [String: String] = [:]
        for try await (task, seen) in try await connection.query("SELECT taskID, completedFirstSeen FROM taskObservation", logger: logger)
            .decode((String, String).self) {
            known[task] = seen
        }
        return known
    }

    public func observeDeadlines(_ deadlines: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.DeadlineChanges {
        try await write("recording deadlines") { [logger] connection in
            let known = try await Self.deadlineRows(connection, logger: logger)
            let first = try await Self.rows(connection, "SELECT value FROM meta WHERE key = 'deadlines_observed_since'", logger: logger).isEmpty
            let (updates, changes) = DubanDatabase.compare(known: known, current: deadlines, today: today, first: first)
            for (task, row) in updates {
                try await Self.execute(connection, """
                    INSERT INTO deadlineObservation (taskID, deadline, since, changed) VALUES (\(task), \(row.deadline), \(row.since), \(row.changed))
                    ON CONFLICT (taskID) DO UPDATE SET deadline = excluded.deadline, since = excluded.since, changed = excluded.changed
                    """, logger: logger)
            }
            if first {
                try await Self.execute(connection, "INSERT INTO meta (key, value) VALUES ('deadlines_observed_since', \(today.description))", logger: logger)
            }
            return changes
        }
    }

    public func deadlineChanges(_ deadlines: [TaskID: LocalDate], today: LocalDate) async throws(StoreError) -> Planner.DeadlineChanges {
        try await read("reading deadlines") { [logger] connection in
            let known = try await Self.deadlineRows(connection, logger: logger)
            let first = try await Self.rows(connection, "SELECT value FROM meta WHERE key = 'deadlines_observed_since'", logger: logger).isEmpty
            return DubanDatabase.compare(known: known, current: deadlines, today: today, first: first).changes
        }
    }

    private static func deadlineRows(_ connection: PostgresConnection, logger: Logger) async throws -> [String: DubanDatabase.DeadlineRow] {
        var rows: [String: DubanDatabase.DeadlineRow] = [:]
        for try await (task, deadline, since, changed) in try await connection.query(
            "SELECT taskID, deadline, since, changed FROM deadlineObservation", logger: logger).decode((String, String, String, Bool).self) {
            rows[task] = DubanDatabase.DeadlineRow(deadline: deadline, since: since, changed: changed)
        }
        return rows
    }

    public func adoptTaskIDs(_ mapping: [TaskID: TaskID], scheme: String) async throws(StoreError) {
        try await write("carrying history over to new task ids") { [logger, location] connection in
            for (old, new) in mapping where old != new {
                // Like SQLite's UPDATE OR IGNORE: an identity already recorded under the new id wins.
                let cut = old.rawValue.unicodeScalars.count + 1  // substr counts code points
                try await Self.execute(connection, """
                    UPDATE notificationLog l SET taskID = \(new.rawValue), key = \(new.rawValue) || substr(l.key, \(cut)::INT)
                    WHERE l.taskID = \(old.rawValue)
                      AND NOT EXISTS (SELECT 1 FROM notificationLog n WHERE n.key = \(new.rawValue) || substr(l.key, \(cut)::INT))
                    """, logger: logger)
                // As DubanDatabase.adoptTaskIDs: the observations and 延期's per-task rows (v4-ext)…
                for table in ["taskObservation", "deadlineObservation", "extensionRequest", "dueDateSeen"] {
                    try await Self.execute(connection, PostgresQuery(unsafeSQL: """
                        UPDATE \(table) SET taskID = $1 WHERE taskID = $2 AND NOT EXISTS (SELECT 1 FROM \(table) WHERE taskID = $1)
                        """, binds: Self.binds(new.rawValue, old.rawValue)), logger: logger)
                }
                // …and the histories keyed by row id (v4-ext, v4-loop): every row moves, in its order.
                for table in ["deadlineChange", "statusSighting", "deadlineSighting"] {
                    try await Self.execute(connection, PostgresQuery(unsafeSQL: "UPDATE \(table) SET taskID = $1 WHERE taskID = $2",
                                                                     binds: Self.binds(new.rawValue, old.rawValue)), logger: logger)
                }
            }
            if !mapping.isEmpty {
                let rows = try await Self.rows(connection, "SELECT id, payload FROM ledgerSnapshot", logger: logger)
                for row in rows {
                    let id = try row[0].decode(Int64.self)
                    var snapshot = try SnapshotCodec.decode(try row[1].decode(Data.self), in: location)
                    var changed = false
                    for index in snapshot.tasks.indices {
                        if let new = mapping[snapshot.tasks[index].id] { snapshot.tasks[index].id = new; changed = true }
                    }
                    guard changed else { continue }
                    let payload = SnapshotCodec.encode(snapshot)
                    try await Self.execute(connection, "UPDATE ledgerSnapshot SET payload = \(payload) WHERE id = \(id)", logger: logger)
                }
            }
            try await Self.execute(connection, """
                INSERT INTO meta (key, value) VALUES ('task_id_scheme', \(scheme)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
        }
    }

    static func binds(_ values: String...) -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }
}
