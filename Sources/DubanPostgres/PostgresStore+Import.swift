public import DubanStore
import PostgresNIO

// `duban migrate-state`: the SQLite file's rows, copied into an empty schema.
extension PostgresStore {
    /// Copies `dump` in one transaction, ids kept. Refuses a schema that
    /// already holds a log or an outbox: merging two histories could send a
    /// notice twice, or never.
    public func load(_ dump: StateDump) async throws(StoreError) {
        try await write("copying the state into \(location)") { [logger] connection in
            let existing = try await Self.rows(connection, """
                SELECT (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM notificationLog)
                """, logger: logger).first.map { try $0[0].decode(Int.self) } ?? 0
            guard existing == 0 else {
                throw StoreError(.alreadyRecorded, "state database \(self.location) already holds \(existing) log or outbox row(s); migrate into an empty schema (set [state] schema to a new name, or drop the old one)")
            }
            for e in dump.outbox {
                try await Self.execute(connection, """
                    INSERT INTO outbox (id, messageID, kind, level, slot, recipients, subject, sender, envelopeRecipients, mime, payload, state,
                                        attempts, nextAttemptAt, lastError, createdAt, sentAt, claimedBy, claimedAt, deliveredAt, bodyDroppedAt)
                    VALUES (\(e.id), \(e.messageID), \(e.kind), \(e.level), \(e.slot), \(e.recipients), \(e.subject), \(e.sender),
                            \(e.envelopeRecipients), \(e.mime), \(e.payload), \(e.state.rawValue), \(e.attempts), \(e.nextAttemptAt),
                            \(e.lastError), \(e.createdAt), \(e.sentAt), NULL, NULL, \(e.deliveredAt), \(e.bodyDroppedAt))
                    """, logger: logger)
            }
            for l in dump.log {
                try await Self.execute(connection, """
                    INSERT INTO notificationLog (key, taskID, kind, step, about, state, reason, messageID, recordedAt, sentAt)
                    VALUES (\(l.key), \(l.taskID), \(l.kind), \(l.step), \(l.about), \(l.state), \(l.reason), \(l.messageID), \(l.recordedAt), \(l.sentAt))
                    """, logger: logger)
            }
            for r in dump.refused {
                try await Self.execute(connection, """
                    INSERT INTO refusedRecipient (messageID, address, reply, refusedAt) VALUES (\(r.messageID), \(r.address), \(r.reply), \(r.refusedAt))
                    """, logger: logger)
            }
            for (task, day) in dump.completions.sorted(by: { $0.key < $1.key }) {
                try await Self.execute(connection, "INSERT INTO taskObservation (taskID, completedFirstSeen) VALUES (\(task), \(day))", logger: logger)
            }
            for d in dump.deadlines {
                try await Self.execute(connection, """
                    INSERT INTO deadlineObservation (taskID, deadline, since, changed) VALUES (\(d.taskID), \(d.deadline), \(d.since), \(d.changed))
                    """, logger: logger)
            }
            for (task, since) in dump.extensionRequests.sorted(by: { $0.key < $1.key }) {
                try await Self.execute(connection, "INSERT INTO extensionRequest (taskID, since) VALUES (\(task), \(since))", logger: logger)
            }
            for (task, due) in dump.dueDatesSeen.sorted(by: { $0.key < $1.key }) {
                try await Self.execute(connection, "INSERT INTO dueDateSeen (taskID, dueDate) VALUES (\(task), \(due))", logger: logger)
            }
            for c in dump.deadlineChanges {
                try await Self.execute(connection, """
                    INSERT INTO deadlineChange (id, taskID, fromDate, toDate, seenOn, approver)
                    VALUES (\(c.id), \(c.taskID), \(c.fromDate), \(c.toDate), \(c.seenOn), \(c.approver))
                    """, logger: logger)
            }
            for r in dump.statusSightings {
                try await Self.execute(connection, """
                    INSERT INTO statusSighting (id, taskID, status, seenOn) VALUES (\(r.id), \(r.taskID), \(r.value), \(r.seenOn))
                    """, logger: logger)
            }
            for r in dump.deadlineSightings {
                try await Self.execute(connection, """
                    INSERT INTO deadlineSighting (id, taskID, deadline, seenOn) VALUES (\(r.id), \(r.taskID), \(r.value), \(r.seenOn))
                    """, logger: logger)
            }
            for s in dump.snapshots {
                try await Self.execute(connection, """
                    INSERT INTO ledgerSnapshot (id, purpose, key, takenAt, payload) VALUES (\(s.id), \(s.purpose), \(s.key), \(s.takenAt), \(s.payload))
                    """, logger: logger)
            }
            for (key, value) in dump.meta.sorted(by: { $0.key < $1.key }) {
                try await Self.execute(connection, """
                    INSERT INTO meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """, logger: logger)
            }
            // New rows continue after the copied ids.
            for table in ["outbox", "ledgerSnapshot", "deadlineChange", "statusSighting", "deadlineSighting"] {
                try await Self.execute(connection, PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE((SELECT MAX(id) FROM \(table)), 0) + 1, false)
                    """), logger: logger)
            }
        }
    }
}
